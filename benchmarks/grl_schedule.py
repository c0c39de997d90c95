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


def model(bases, schedule, name):
    encoder, head, _ = harness.alliance_and_classifier(name=name)
    result = keras_acorl.ComplementaryModel(
        bases,
        encoder,
        head=head,
        base_representation="embedding",
        gradient_reversal_schedule=schedule,
        name=name,
    )
    result.compile(optimizer="adam", loss=harness.sparse_ce())
    return result


def main(argv=None):
    parser = harness.parser(__doc__.splitlines()[0], repeats=15)
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.repeats = 256, 3
    keras.utils.set_random_seed(0)
    x, y = harness.image_data(args.samples)
    bases = [harness.cnn(16, f"base_{k}") for k in range(2)]
    on = model(bases, keras_acorl.schedules.DANNRamp(), "on")
    off = model(bases, None, "off")
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
    print(f"## Gradient-reversal schedule ({harness.machine()})\n")
    print(f"{args.samples} images 28x28x1, batch {batch}, cached bases.\n")
    walls, cpus, peaks = harness.measure(
        configs, args.repeats, args.max_seconds
    )
    harness.print_times(
        walls, cpus, peaks, dict.fromkeys(configs, args.samples)
    )
    print()
    target = 1.02 if keras.backend.backend() == "jax" else None
    met = harness.print_ratios(
        [("schedule on / off", ON, OFF, target)], walls, cpus
    )
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
