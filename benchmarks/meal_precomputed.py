"""`MEALDistiller` on precomputed teacher outputs against the student alone.

The student `small_cnn(width=8)` trained with `fit(x, y)` on labels is the
floor; `MEALDistiller` (5 `small_cnn(width=16)` teachers, `"random"`
teacher, no discriminator) trains the same student on
`distiller.precompute(x)` (no teacher runs). Interleaved one-epoch `fit`s
(see `harness.py`). Target <= 1.10. `--profile` prints the top functions
of one epoch of each under `cProfile` (where a backend misses the target).

```
KERAS_BACKEND=torch python -m benchmarks.meal_precomputed --profile
```
"""

import cProfile
import pstats
import sys

import keras_acorl
from benchmarks import harness

NUM_TEACHERS = 5
ALONE = "student alone on labels"
CACHED = f"MEALDistiller, {NUM_TEACHERS} teachers, precomputed"


def main(argv=None):
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--profile", action="store_true")
    args = harness.parse(parser, argv)
    x, y = harness.image_data(args.samples)
    teachers = [harness.cnn(16, f"teacher_{k}") for k in range(NUM_TEACHERS)]
    alone = harness.cnn(8, "student_alone")
    alone.compile(optimizer="adam", loss=harness.sparse_ce())
    distiller = keras_acorl.MEALDistiller(
        teachers,
        harness.cnn(8, "student"),
        taps=None,
        adversarial_mode="none",
        seed=0,
    )
    distiller.compile(optimizer="adam")
    cached = distiller.precompute(x)
    batch = args.batch_size
    # Both get the labels (the distiller ignores them): the same input
    # pipeline.
    configs = {
        ALONE: lambda: harness.fit_epoch(alone, x, y, batch),
        CACHED: lambda: harness.fit_epoch(distiller, cached, y, batch),
    }
    walls, cpus = harness.run(
        configs,
        args,
        "MEALDistiller precomputed",
        f"{args.samples} images 28x28x1, batch {batch}.",
    )
    met = harness.print_ratios(
        [("precomputed / student alone", CACHED, ALONE, 1.10)], walls, cpus
    )
    if args.profile:
        for name, run in configs.items():
            profile = cProfile.Profile()
            profile.enable()
            run()
            profile.disable()
            print(f"\n### cProfile, one epoch: {name}\n```")
            pstats.Stats(profile, stream=sys.stdout).sort_stats(
                "tottime"
            ).print_stats(12)
            print("```")
    return harness.exit_status(met, args)


if __name__ == "__main__":
    sys.exit(main())
