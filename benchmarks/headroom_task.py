"""A controlled task with known fusion headroom (issue 10, item 4).

Is there a partner of the base's size that fuses better with the base than
an independently trained one, and how much of that headroom does each
complementarity objective recover without being told what the base lacks?

The construction, on scikit-learn's 8x8 digits (`load_digits(seed=0)`:
1437 training and 360 test images):

- the classes form five pairs (0, 1), (2, 3), ..., (8, 9);
- the base is trained on labels that do not say which member of its pair
  an image is (the target puts 1/2 on each member: the expected
  cross-entropy under labels flipped to the pair mate with probability
  1/2), so it learns which pair an image belongs to and is blind within
  the pair: its within-pair probabilities stay near 1/2 and its errors are
  structured;
- base and partners are the same small MLP with a narrow embedding
  (`Flatten -> Dense(32, relu) -> Dense(width, relu, name="embedding") ->
  Dense(10)`, width 3 by default): the partner's capacity binds, so what
  it spends its capacity on matters;
- the independent partner is trained on the clean labels
  (cross-entropy);
- the ideal partner knows what the base lacks: the clean cross-entropy
  plus the cross-entropy of its pair's two logits (the within-pair
  decision counts twice);
- every objective of `keras_acorl.objectives` trains a partner through
  `keras_acorl.ComplementaryModel` at the library's default weight (1.0,
  no schedule) against the frozen base, on the clean labels.

All partners start from the same initial weights and see the same batch
order (the same seed is set before every `fit`), with the same number of
epochs. Fusion averages the base's and the partner's probabilities with
equal weights. The headroom is the ideal partner's fused accuracy minus
the independent partner's; the recovery of an objective is its fused
accuracy minus the independent partner's, in points and as a share of the
headroom. Paired differences over seeds with a 95% t-interval
(`scipy.stats.t`); spread is the sample std over seeds.

```
KERAS_BACKEND=jax python benchmarks/headroom_task.py
KERAS_BACKEND=jax python benchmarks/headroom_task.py --quick
```
"""

import argparse
import time

import keras
import numpy as np
from scipy import stats

import keras_acorl
from keras_acorl.datasets import load_digits
from keras_acorl.zoo import split_encoder_head

NUM_CLASSES = 10
OBJECTIVES = (
    "adversarial",
    "conditional",
    "independence",
    "ensemble",
    "input_gradient",
)
# Which base quantity each objective uses.
REPRESENTATION = {
    "adversarial": "embedding",
    "conditional": "embedding",
    "independence": "embedding",
    "ensemble": None,
    "input_gradient": None,
}


def pair_mate(y):
    """The other member of each label's pair (0<->1, 2<->3, ...)."""
    return np.asarray(y) ^ 1


def pair_blind_targets(y):
    """The base's soft targets: 1/2 on the label and 1/2 on its mate."""
    eye = np.eye(NUM_CLASSES, dtype="float32")
    return (eye[y] + eye[pair_mate(y)]) / 2


def ideal_targets(y):
    """+1 on the label, -1 on its pair mate (read by `ideal_loss`)."""
    eye = np.eye(NUM_CLASSES, dtype="float32")
    return eye[y] - eye[pair_mate(y)]


def ideal_loss(targets, logits):
    """Cross-entropy plus the cross-entropy of the pair's two logits."""
    label = keras.ops.cast(targets > 0, logits.dtype)
    mate = keras.ops.cast(targets < 0, logits.dtype)
    label_logit = keras.ops.sum(logits * label, axis=-1)
    mate_logit = keras.ops.sum(logits * mate, axis=-1)
    cross_entropy = keras.ops.logsumexp(logits, axis=-1) - label_logit
    return cross_entropy + keras.ops.softplus(mate_logit - label_logit)


def mlp(input_shape, width, seed, name):
    """The base's and every partner's architecture, initialized from
    `seed`."""
    keras.utils.set_random_seed(seed)
    inputs = keras.Input(input_shape)
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(32, activation="relu")(x)
    x = keras.layers.Dense(width, activation="relu", name="embedding")(x)
    return keras.Model(inputs, keras.layers.Dense(NUM_CLASSES)(x), name=name)


def probabilities(logits):
    return keras.ops.convert_to_numpy(
        keras.ops.softmax(keras.ops.convert_to_tensor(logits))
    )


def accuracy(probs, y):
    return float(np.mean(np.argmax(probs, -1) == y))


class HeadroomTask:
    """One seed of the task: the frozen base, and partners to fuse.

    Args:
        seed: int. Initialization of the base (`seed`), of every partner
            (`1000 + seed`) and batch order (`seed`).
        width: int. Embedding width of base and partners.
        epochs: int. Epochs of every model.
        batch_size: int.
        limit: None or int: the first `limit` training images only.
    """

    def __init__(self, seed=0, width=3, epochs=30, batch_size=64, limit=None):
        (x, y), (x_test, y_test) = load_digits(seed=0)
        if limit:
            x, y = x[:limit], y[:limit]
        self.x, self.y, self.x_test, self.y_test = x, y, x_test, y_test
        self.seed, self.width = seed, width
        self.epochs, self.batch_size = epochs, batch_size
        self.base = mlp(x.shape[1:], width, seed, "base")
        self.base.compile(
            optimizer=keras.optimizers.Adam(3e-3),
            loss=keras.losses.CategoricalCrossentropy(from_logits=True),
        )
        self._fit(self.base, x, pair_blind_targets(y))
        self.base.trainable = False
        self.base_probs = self.predict(self.base)

    def _fit(self, model, x, targets):
        keras.utils.set_random_seed(self.seed)
        model.fit(
            x,
            targets,
            batch_size=self.batch_size,
            epochs=self.epochs,
            shuffle=True,
            verbose=0,
        )

    def predict(self, model):
        return probabilities(
            model.predict(self.x_test, batch_size=512, verbose=0)
        )

    def partner(self, variant, weight=1.0):
        """Trains the partner `variant` ("independent", "ideal" or an
        objective name) and returns its test probabilities."""
        model = mlp(self.x.shape[1:], self.width, 1000 + self.seed, variant)
        optimizer = keras.optimizers.Adam(3e-3)
        if variant in ("independent", "ideal"):
            ideal = variant == "ideal"
            model.compile(
                optimizer=optimizer,
                loss=ideal_loss
                if ideal
                else keras.losses.CategoricalCrossentropy(from_logits=True),
            )
            targets = ideal_targets if ideal else np.eye(NUM_CLASSES)
            targets = targets(self.y) if ideal else targets[self.y]
            self._fit(model, self.x, targets.astype("float32"))
            return self.predict(model)
        encoder, head = split_encoder_head(model)
        alliance = keras_acorl.ComplementaryModel(
            [self.base],
            encoder,
            head=head,
            base_representation=REPRESENTATION[variant],
            objective=variant,
            adversarial_weight=weight,
        )
        alliance.compile(
            optimizer=optimizer,
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        self._fit(alliance, self.x, self.y)
        return self.predict(alliance.classifier)

    def measure(self, probs):
        """Partner and fused (equal weights) test accuracy, both-wrong
        rate."""
        fused = (self.base_probs + probs) / 2
        wrong = np.argmax(probs, -1) != self.y_test
        base_wrong = np.argmax(self.base_probs, -1) != self.y_test
        return {
            "partner": accuracy(probs, self.y_test),
            "fused": accuracy(fused, self.y_test),
            "both_wrong": float(np.mean(wrong & base_wrong)),
        }

    def pair_accuracy(self):
        """The base's accuracy at naming the pair (its ceiling in
        fusion)."""
        pred = np.argmax(self.base_probs, -1)
        return float(np.mean(pred // 2 == self.y_test // 2))


def interval(differences):
    """`(mean, low, high)`: a 95% t-interval of the mean."""
    d = np.asarray(differences, dtype=float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, float("nan"), float("nan")
    low, high = stats.t.interval(0.95, len(d) - 1, loc=mean, scale=stats.sem(d))
    return mean, float(low), float(high)


def mean_std(values):
    values = 100 * np.asarray(values, dtype=float)
    std = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{values.mean():.2f} ± {std:.2f}"


def report(args, rows, base):
    print()
    print(
        f"Digits, pair-blind base, MLP width {args.width}, {args.epochs} "
        f"epochs, seeds {args.seeds}, backend {keras.backend.backend()}. "
        f"Base: accuracy {mean_std(base['accuracy'])}, pair accuracy "
        f"{mean_std(base['pair'])} (%, mean ± std)."
    )
    print()
    print("| partner | partner acc | fused acc | both wrong |")
    print("|---|---|---|---|")
    for name, r in rows.items():
        print(
            f"| {name} | {mean_std(r['partner'])} | {mean_std(r['fused'])} "
            f"| {mean_std(r['both_wrong'])} |"
        )
    print()
    print(
        "Paired differences of fused accuracy to the independent partner, "
        "points, mean [95% t-interval]; share of the headroom (mean of "
        "the ideal row):"
    )
    print()
    print("| partner | Δ fused | per seed | share of headroom |")
    print("|---|---|---|---|")
    reference = np.asarray(rows["independent"]["fused"])
    headroom = 100 * (np.asarray(rows["ideal"]["fused"]) - reference)
    for name, r in rows.items():
        if name == "independent":
            continue
        d = 100 * (np.asarray(r["fused"]) - reference)
        mean, low, high = interval(d)
        seeds = " ".join(f"{v:+.1f}" for v in d)
        share = mean / headroom.mean() if headroom.mean() > 0 else np.nan
        print(
            f"| {name} | {mean:+.2f} [{low:+.2f}, {high:+.2f}] | {seeds} "
            f"| {share:.0%} |"
        )


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--width", type=int, default=3)
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--objectives", nargs="*", default=list(OBJECTIVES), choices=OBJECTIVES
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Seed 0 and 1, 10 epochs, the ensemble objective only.",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.objectives = [0, 1], 10, ["ensemble"]
    return args


def main(argv=None):
    args = parse_args(argv)
    names = ["independent", "ideal", *args.objectives]
    rows = {name: {} for name in names}
    base = {"accuracy": [], "pair": []}
    start = time.time()
    for seed in args.seeds:
        task = HeadroomTask(seed, args.width, args.epochs, args.batch_size)
        base["accuracy"].append(accuracy(task.base_probs, task.y_test))
        base["pair"].append(task.pair_accuracy())
        for name in names:
            result = task.measure(task.partner(name))
            for key, value in result.items():
                rows[name].setdefault(key, []).append(value)
            print(
                f"seed {seed} {name}: partner {result['partner']:.4f} fused "
                f"{result['fused']:.4f} ({time.time() - start:.0f} s)",
                flush=True,
            )
        keras.backend.clear_session()
    report(args, rows, base)
    print(f"\n{time.time() - start:.0f} s in all.")


if __name__ == "__main__":
    main()
