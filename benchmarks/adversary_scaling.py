"""Adversary overhead with 1, 2, 4 and 8 cached base models.

`ComplementaryModel` trained on `precompute`d base representations (the
bases never run), one adversary per base: how the epoch time grows with the
number of bases. Bases `small_cnn(width=16)` (64-d embeddings), alliance
`small_cnn(width=8)`; interleaved one-epoch `fit`s (see `harness.py`).
Target: 8 bases <= 1.2 x 1 base.

```
KERAS_BACKEND=jax python -m benchmarks.adversary_scaling
```
"""

import sys

import keras

from benchmarks import harness
from benchmarks.complementary_epoch import complementary

COUNTS = (1, 2, 4, 8)
PLAIN = "plain fit of the alliance classifier"


def label(count):
    return f"ComplementaryModel, {count} cached base(s)"


def main(argv=None):
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2048)
    parser.add_argument("--batch-size", type=int, default=64)
    args = parser.parse_args(argv)
    if args.quick:
        args.samples, args.repeats = 256, 3
    keras.utils.set_random_seed(0)
    x, y = harness.image_data(args.samples)
    bases = [harness.cnn(16, f"base_{k}") for k in range(max(COUNTS))]
    _, _, plain = harness.alliance_and_classifier(name="plain")
    plain.compile(optimizer="adam", loss=harness.sparse_ce())
    batch = args.batch_size
    configs = {PLAIN: lambda: harness.fit_epoch(plain, x, y, batch)}
    for count in COUNTS:
        model = complementary(bases[:count], f"bases_{count}")
        cached = model.precompute(x)
        configs[label(count)] = lambda m=model, c=cached: harness.fit_epoch(
            m, c, y, batch
        )
    print(f"## Adversary overhead ({harness.machine()})\n")
    print(f"{args.samples} images 28x28x1, batch {batch}.\n")
    walls, cpus, peaks = harness.measure(
        configs, args.repeats, args.max_seconds
    )
    harness.print_times(
        walls, cpus, peaks, dict.fromkeys(configs, args.samples)
    )
    print()
    rows = [
        (f"{c} bases / 1 base", label(c), label(1), 1.2 if c == 8 else None)
        for c in COUNTS[1:]
    ] + [(f"{c} cached bases / plain", label(c), PLAIN, None) for c in COUNTS]
    met = harness.print_ratios(rows, walls, cpus)
    return 0 if met or args.quick else 1


if __name__ == "__main__":
    sys.exit(main())
