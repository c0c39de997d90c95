"""Parameters and training step time of the small speaker models.

For `thin_resnet_se()` and `small_ecapa_tdnn()` (default sizes, log-mel
feature input), wrapped by `speaker_classifier` and trained with
`AdditiveAngularMarginLoss`, the script reports the number of parameters
and the median wall-clock and CPU milliseconds of one forward+backward
step (`train_on_batch`) on a batch of `--batch` crops of `--seconds`
seconds (`1 + 16000 * seconds // 160` frames of 80 log-mels), after
`--warmup` untimed steps (tracing, compilation). The backend comes from
`KERAS_BACKEND`.

```
KERAS_BACKEND=jax python benchmarks/speaker_model_step_time.py
KERAS_BACKEND=tensorflow python benchmarks/speaker_model_step_time.py
```
"""

import argparse
import time

import keras
import numpy as np

from keras_acorl.speaker import AdditiveAngularMarginLoss
from keras_acorl.speaker import small_ecapa_tdnn
from keras_acorl.speaker import speaker_classifier
from keras_acorl.speaker import thin_resnet_se

BUILDERS = {
    "thin_resnet_se": thin_resnet_se,
    "small_ecapa_tdnn": small_ecapa_tdnn,
}


def time_model(name, batch, frames, num_speakers, warmup, steps):
    keras.utils.set_random_seed(0)
    encoder = BUILDERS[name]()
    model = speaker_classifier(encoder, num_speakers)
    model.compile(optimizer="adam", loss=AdditiveAngularMarginLoss())
    rng = np.random.default_rng(0)
    x = rng.normal(size=(batch, frames, 80)).astype("float32")
    y = rng.integers(0, num_speakers, size=(batch,))
    for _ in range(warmup):
        model.train_on_batch(x, y)
    wall, cpu = [], []
    for _ in range(steps):
        w0, c0 = time.perf_counter(), time.process_time()
        loss = model.train_on_batch(x, y)
        wall.append(time.perf_counter() - w0)
        cpu.append(time.process_time() - c0)
    assert np.isfinite(loss)
    return encoder.count_params(), 1e3 * np.median(wall), 1e3 * np.median(cpu)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--num-speakers", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args()
    frames = 1 + int(16000 * args.seconds) // 160
    print(
        f"backend={keras.backend.backend()} batch={args.batch} "
        f"frames={frames} num_speakers={args.num_speakers}"
    )
    for name in BUILDERS:
        params, wall, cpu = time_model(
            name,
            args.batch,
            frames,
            args.num_speakers,
            args.warmup,
            args.steps,
        )
        print(
            f"{name}: {params} encoder params, step {wall:.0f} ms wall, "
            f"{cpu:.0f} ms CPU"
        )


if __name__ == "__main__":
    main()
