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

NUM_MEMBERS = 3

SEQUENTIAL = "sequential member predicts + mean"
FUSED = "FusionEnsemble.predict"
NAIVE = "naive functional fused model"


def softmax(logits):
    shifted = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


def main(argv=None):
    parser = harness.parser(
        __doc__.splitlines()[0], samples=4096, batch_size=32
    )
    args = harness.parse(parser, argv)
    x, _ = harness.image_data(args.samples)
    members = [harness.cnn(16, f"member_{k}") for k in range(NUM_MEMBERS)]
    fused = keras_acorl.FusionEnsemble(members, method="mean_probs")
    inputs = keras.Input(harness.INPUT_SHAPE)
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
    walls, cpus = harness.run(
        configs,
        args,
        "FusionEnsemble.predict",
        f"{NUM_MEMBERS} small_cnn(width=16) members, {args.samples} images "
        f"28x28x1, batch {batch}.",
    )
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
    return harness.exit_status(met, args)


if __name__ == "__main__":
    sys.exit(main())
