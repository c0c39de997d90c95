"""`FusionEnsemble.predict` against the members' own `predict`s.

Three `small_cnn(width=16)` members on synthetic 28x28 images. Timed, one
pass over the data each, interleaved (see `harness.py`):

- sequential: `member.predict(x)` for each member, then the softmax and
  the mean in NumPy (what one writes without the library);
- `FusionEnsemble(members, "mean_probs").predict(x)`;
- a naive fused functional model (`keras.Model(inputs, Average([...]))`
  over the same members), for the diagnosis.

All at `--batch-size` (default 32, `predict`'s default). Target:
FusionEnsemble / sequential <= 0.8.

```
KERAS_BACKEND=jax python -m benchmarks.fusion_predict
```
"""

import sys

import keras
import numpy as np

import keras_acorl
from benchmarks import harness
from keras_acorl.zoo import small_cnn

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
NUM_MEMBERS = 3

SEQUENTIAL = "sequential member predicts + mean"
FUSED = "FusionEnsemble.predict"
NAIVE = "naive functional fused model"


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def main(argv=None):
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=4096)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.repeats = 256, 3
    keras.utils.set_random_seed(0)
    x = np.random.default_rng(0).random(
        (args.samples, *INPUT_SHAPE), dtype=np.float32
    )
    members = [
        small_cnn(INPUT_SHAPE, NUM_CLASSES, width=16, name=f"member_{k}")
        for k in range(NUM_MEMBERS)
    ]
    fused = keras_acorl.FusionEnsemble(members, method="mean_probs")
    inputs = keras.Input(INPUT_SHAPE)
    naive = keras.Model(
        inputs,
        keras.layers.Average()(
            [keras.layers.Softmax()(m(inputs)) for m in members]
        ),
    )
    batch = args.batch_size

    def sequential():
        probs = [
            softmax(m.predict(x, batch_size=batch, verbose=0)) for m in members
        ]
        return np.mean(probs, axis=0)

    configs = {
        SEQUENTIAL: sequential,
        FUSED: lambda: fused.predict(x, batch_size=batch, verbose=0),
        NAIVE: lambda: naive.predict(x, batch_size=batch, verbose=0),
    }
    np.testing.assert_allclose(
        configs[FUSED](), sequential(), rtol=1e-4, atol=1e-6
    )
    print(f"## FusionEnsemble.predict ({harness.machine()})\n")
    print(
        f"{NUM_MEMBERS} small_cnn(width=16) members, {args.samples} images "
        f"28x28x1, batch {batch}.\n"
    )
    walls, cpus, peaks = harness.measure(
        configs, args.repeats, args.max_seconds
    )
    harness.print_times(
        walls, cpus, peaks, dict.fromkeys(configs, args.samples)
    )
    print()
    met = harness.print_ratios(
        [
            (
                "FusionEnsemble.predict / sequential predicts",
                FUSED,
                SEQUENTIAL,
                0.8,
            ),
            (
                "naive functional fused / sequential predicts",
                NAIVE,
                SEQUENTIAL,
                None,
            ),
        ],
        walls,
        cpus,
    )
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
