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

from benchmarks import harness

COUNTS = (1, 2, 4, 8)
PLAIN = "plain fit of the alliance classifier"


def label(count):
    return f"ComplementaryModel, {count} cached base(s)"


def main(argv=None):
    args = harness.parse(harness.parser(__doc__.splitlines()[0]), argv)
    x, y = harness.image_data(args.samples)
    bases = [harness.cnn(16, f"base_{k}") for k in range(max(COUNTS))]
    _, _, plain = harness.alliance_and_classifier(name="plain")
    plain.compile(optimizer="adam", loss=harness.sparse_ce())
    batch = args.batch_size
    configs = {PLAIN: lambda: harness.fit_epoch(plain, x, y, batch)}
    for count in COUNTS:
        model = harness.complementary(bases[:count], f"bases_{count}")
        cached = model.precompute(x)
        configs[label(count)] = lambda m=model, c=cached: harness.fit_epoch(
            m, c, y, batch
        )
    walls, cpus = harness.run(
        configs,
        args,
        "Adversary overhead",
        f"{args.samples} images 28x28x1, batch {batch}.",
    )
    rows = [
        (f"{c} bases / 1 base", label(c), label(1), 1.2 if c == 8 else None)
        for c in COUNTS[1:]
    ] + [(f"{c} cached bases / plain", label(c), PLAIN, None) for c in COUNTS]
    met = harness.print_ratios(rows, walls, cpus)
    return harness.exit_status(met, args)


if __name__ == "__main__":
    sys.exit(main())
