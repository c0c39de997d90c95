"""Gradient-reversal schedule on / off.

The same `ComplementaryModel` (2 cached `small_cnn(width=16)` bases,
alliance `small_cnn(width=8)`) with `gradient_reversal_schedule=DANNRamp()`
and with no schedule: the schedule is computed inside the compiled step
from the layer's own step counter (no callback writes anything per batch,
no state sync), so it should cost nothing. Interleaved one-epoch `fit`s
(see `harness.py`). Target (JAX, where a per-batch state sync used to
hurt): <= 1.02.

```
KERAS_BACKEND=jax python -m benchmarks.grl_schedule
```
"""

import sys

import keras

import keras_acorl
from benchmarks import harness

ON = "DANNRamp schedule + GradientReversalScheduler callback"
OFF = "no schedule"


def main(argv=None):
    args = harness.parse(
        harness.parser(__doc__.splitlines()[0], repeats=15), argv
    )
    x, y = harness.image_data(args.samples)
    bases = [harness.cnn(16, f"base_{k}") for k in range(2)]
    on = harness.complementary(bases, "on", total_steps=None)
    off = harness.complementary(bases, "off", schedule=None)
    cached = on.precompute(x)
    scheduler = keras_acorl.callbacks.GradientReversalScheduler()
    batch = args.batch_size

    def fit(m, callbacks):
        m.fit(
            cached,
            y,
            batch_size=batch,
            shuffle=False,
            epochs=1,
            verbose=0,
            callbacks=callbacks,
        )

    configs = {ON: lambda: fit(on, [scheduler]), OFF: lambda: fit(off, [])}
    walls, cpus = harness.run(
        configs,
        args,
        "Gradient-reversal schedule",
        f"{args.samples} images 28x28x1, batch {batch}, cached bases.",
    )
    target = 1.02 if keras.backend.backend() == "jax" else None
    met = harness.print_ratios(
        [("schedule on / off", ON, OFF, target)], walls, cpus
    )
    return harness.exit_status(met, args)


if __name__ == "__main__":
    sys.exit(main())
