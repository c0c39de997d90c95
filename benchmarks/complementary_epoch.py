"""`ComplementaryModel` epoch time against a plain `fit` of its classifier.

The alliance classifier (`small_cnn(width=8)`, cut at `"embedding"` into
encoder and head) trained alone with `fit(x, y)` is the floor. Against it,
with two frozen `small_cnn(width=16)` bases (adversarial weight 1, DANN
ramp, interleaved one-epoch `fit`s, see `harness.py`):

- cached: `ComplementaryModel.fit(model.precompute(x), y)`, target <= 1.10;
- cached, `PrecomputedDataset` (`precompute_dataset`), for information;
- live: `fit(x, y)`, the bases run every step; target
  `1 + (base forward time / plain epoch time) + 0.10`, the base forward
  time measured as the bases' `predict` over the same data.

```
KERAS_BACKEND=jax python -m benchmarks.complementary_epoch
```
"""

import statistics
import sys

from benchmarks import harness

PLAIN = "plain fit of the alliance classifier"
CACHED = "ComplementaryModel, cached bases"
DATASET = "ComplementaryModel, cached bases, PrecomputedDataset"
LIVE = "ComplementaryModel, live bases"
BASES = "base forward (predict of the 2 bases)"


def main(argv=None):
    args = harness.parse(harness.parser(__doc__.splitlines()[0]), argv)
    x, y = harness.image_data(args.samples)
    bases = [harness.cnn(16, f"base_{k}") for k in range(2)]
    _, _, plain = harness.alliance_and_classifier(name="plain")
    plain.compile(optimizer="adam", loss=harness.sparse_ce())
    cached_model = harness.complementary(bases, "cached")
    cached = cached_model.precompute(x)
    dataset_model = harness.complementary(bases, "dataset")
    dataset = dataset_model.precompute_dataset(
        x, y, batch_size=args.batch_size, shuffle=False
    )
    live_model = harness.complementary(bases, "live")
    extractors = live_model.precompute_models()
    batch = args.batch_size

    configs = {
        PLAIN: lambda: harness.fit_epoch(plain, x, y, batch),
        CACHED: lambda: harness.fit_epoch(cached_model, cached, y, batch),
        DATASET: lambda: dataset_model.fit(dataset, epochs=1, verbose=0),
        LIVE: lambda: harness.fit_epoch(live_model, x, y, batch),
        BASES: lambda: [
            e.predict(x, batch_size=batch, verbose=0) for e in extractors
        ],
    }
    walls, cpus = harness.run(
        configs,
        args,
        "ComplementaryModel epoch",
        f"{args.samples} images 28x28x1, batch {batch}, 2 bases "
        "small_cnn(16), alliance small_cnn(8).",
    )
    base_share = statistics.median(
        b / p for b, p in zip(walls[BASES], walls[PLAIN])
    )
    live_target = 1.0 + base_share + 0.10
    met = harness.print_ratios(
        [
            ("cached / plain", CACHED, PLAIN, 1.10),
            ("cached PrecomputedDataset / plain", DATASET, PLAIN, None),
            ("live / plain", LIVE, PLAIN, live_target),
            ("(base forward / plain epoch)", BASES, PLAIN, None),
        ],
        walls,
        cpus,
    )
    return harness.exit_status(met, args)


if __name__ == "__main__":
    sys.exit(main())
