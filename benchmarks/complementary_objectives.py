"""Paired measurement of ComplementaryModel's objectives (issue 10).

Does training a partner complementary to a frozen base model make the two
fuse better than a partner trained independently? Per seed, on cluttered
MNIST-5k (`load_cluttered_mnist5k(seed=0)`: the same 4000/1000 split for
every seed; `--val` training images are held out of all training to fit
fusion weights):

1. a base `small_cnn(width=--width)` is trained and frozen; its embedding
   and logits on every split are computed once (`model.precompute`'s
   structure), so no variant below runs it;
2. a partner of the SAME architecture is trained once per variant, always
   from the same initial weights and with the same batch order (one
   permutation per epoch from the seed): `independent`
   (`adversarial_weight=0`: plain training) and each objective of
   `keras_acorl.objectives` at its weight (`--weights`), with the DANN
   ramp over the maximal run. Base and partners train until their
   accuracy on the held-out split stops improving
   (`keras.callbacks.EarlyStopping`, `--patience` epochs, best weights
   restored; at most `--epochs`), so every partner is compared at its
   best and no variant gets a larger budget;
3. base and partner are fused by averaging their probabilities (equal
   weights) and with the partner's weight fitted on the held-out split
   (log-loss, grid 0..1).

Printed per variant, mean ± sample std over seeds: the partner's test
accuracy, the fused accuracies, the both-wrong rate and the disagreement
rate with the base on the test set, the partner embedding's linear CKA with
the base embedding; then the paired difference to the independent partner
(fused accuracy, partner accuracy) with a 95% t-interval (scipy.stats.t).

```
KERAS_BACKEND=jax python benchmarks/complementary_objectives.py
KERAS_BACKEND=jax python benchmarks/complementary_objectives.py \\
    --seeds 0 1 2 3 4 --epochs 30 --patience 4 --objectives ensemble
```
"""

import argparse
import json
import os
import platform
import time

import keras
import numpy as np
from scipy import stats

import keras_acorl
from keras_acorl.analysis import linear_cka
from keras_acorl.datasets import load_cluttered_mnist5k
from keras_acorl.zoo import small_cnn
from keras_acorl.zoo import split_encoder_head

NUM_CLASSES = 10
# A priori weights, not tuned on this data: the demo's 0.5 for the
# adversaries; 1.0 for the penalties (each is at most about 1 per base).
DEFAULT_WEIGHTS = {
    "adversarial": 0.5,
    "conditional": 0.5,
    "independence": 1.0,
    "ensemble": 1.0,
    "input_gradient": 1.0,
}
# Which base quantity each objective uses.
SPECS = {
    "adversarial": "embedding",
    "conditional": "embedding",
    "independence": "embedding",
    "ensemble": None,
    "input_gradient": None,
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument(
        "--epochs", type=int, default=30, help="Most epochs per model."
    )
    parser.add_argument(
        "--patience",
        type=int,
        default=4,
        help="Epochs without a better held-out accuracy before stopping.",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--width", type=int, default=8)
    parser.add_argument("--val", type=int, default=500)
    parser.add_argument(
        "--objectives",
        nargs="+",
        default=list(DEFAULT_WEIGHTS),
        choices=list(DEFAULT_WEIGHTS),
    )
    parser.add_argument(
        "--weights",
        nargs="*",
        default=[],
        metavar="NAME=W",
        help="Override an objective's weight, e.g. ensemble=0.5.",
    )
    parser.add_argument(
        "--limit", type=int, default=None, help="Training images (smoke)."
    )
    parser.add_argument("--json", default=None, help="Write results here.")
    parser.add_argument(
        "--report-from",
        nargs="+",
        default=None,
        metavar="JSON",
        help="Print the tables from the --json files of earlier runs (their "
        "completed seeds, in order) without training.",
    )
    args = parser.parse_args(argv)
    if len(set(args.seeds)) != len(args.seeds):
        parser.error(f"--seeds must be distinct. Received: {args.seeds}")
    weights = dict(DEFAULT_WEIGHTS)
    for item in args.weights:
        name, _, value = item.partition("=")
        if name not in weights:
            parser.error(f"--weights: unknown objective {name!r}")
        weights[name] = float(value)
    args.weight_of = weights
    return args


def load_data(args):
    (x_train, y_train), (x_test, y_test) = load_cluttered_mnist5k(seed=0)
    order = np.random.default_rng(0).permutation(len(x_train))
    val, train = order[: args.val], order[args.val :]
    if args.limit:
        train = train[: args.limit]
    return {
        "train": (x_train[train], y_train[train]),
        "val": (x_train[val], y_train[val]),
        "test": (x_test, y_test),
    }


def softmax(logits):
    z = logits - logits.max(-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(-1, keepdims=True)


def compile_model(model):
    model.compile(
        optimizer=keras.optimizers.Adam(3e-3),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model


class SeededBatches(keras.utils.PyDataset):
    """Batches of `(x, y)` in one permutation per epoch drawn from `seed`,
    so models fitted on it see the same batch order on every backend
    (`fit(shuffle=True)` draws it from the backend's generator)."""

    def __init__(self, x, y, batch_size, seed, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.rng = np.random.default_rng([seed, 7])
        self.order = self.rng.permutation(len(y))

    def __len__(self):
        return -(-len(self.y) // self.batch_size)

    def __getitem__(self, index):
        rows = self.order[
            index * self.batch_size : (index + 1) * self.batch_size
        ]
        x = keras.tree.map_structure(lambda a: a[rows], self.x)
        return x, self.y[rows]

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.y))


def early_stopping(args):
    return keras.callbacks.EarlyStopping(
        monitor="val_accuracy",
        mode="max",
        patience=args.patience,
        restore_best_weights=True,
    )


def best_epoch(history):
    return int(np.argmax(history.history["val_accuracy"])) + 1


def train_base(args, data, seed):
    keras.utils.set_random_seed(seed)
    x, y = data["train"]
    base = small_cnn(x.shape[1:], NUM_CLASSES, width=args.width, name="base")
    history = compile_model(base).fit(
        SeededBatches(x, y, args.batch_size, seed + 500),
        epochs=args.epochs,
        validation_data=data["val"],
        callbacks=[early_stopping(args)],
        verbose=0,
    )
    base.best_epoch = best_epoch(history)
    outputs = keras.Model(
        base.input, [base.get_layer("embedding").output, base.output]
    )
    cache = {
        split: outputs.predict(data[split][0], batch_size=256, verbose=0)
        for split in data
    }
    return base, cache


def train_partner(args, data, base, cache, seed, initial, name, weight):
    x, y = data["train"]
    partner = small_cnn(
        x.shape[1:], NUM_CLASSES, width=args.width, name="partner"
    )
    partner.set_weights(initial)
    encoder, head = split_encoder_head(partner)
    objective = "independence" if name == "independent" else name
    spec = SPECS[objective]
    steps = -(-len(x) // args.batch_size)
    model = keras_acorl.ComplementaryModel(
        [base],
        encoder,
        head=head,
        base_representation=spec,
        objective=objective,
        adversarial_weight=0.0 if name == "independent" else weight,
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
        total_steps=args.epochs * steps,
    )
    compile_model(model)
    index = 0 if spec == "embedding" else 1

    def inputs(split):
        return {
            "inputs": data[split][0],
            "base_representations": [cache[split][index]],
        }

    history = model.fit(
        SeededBatches(inputs("train"), y, args.batch_size, seed),
        epochs=args.epochs,
        validation_data=(inputs("val"), data["val"][1]),
        callbacks=[early_stopping(args)],
        verbose=0,
    )
    results = {"epochs": best_epoch(history)}
    for split in ("val", "test"):
        results[split] = model.classifier.predict(
            data[split][0], batch_size=256, verbose=0
        )
    embedding = keras.Model(encoder.input, encoder.output).predict(
        data["test"][0], batch_size=256, verbose=0
    )
    return results, embedding


def fused_weight(base_val, partner_val, y_val):
    grid = np.linspace(0.0, 1.0, 21)
    losses = []
    for w in grid:
        p = (1 - w) * softmax(base_val) + w * softmax(partner_val)
        losses.append(-np.mean(np.log(p[np.arange(len(y_val)), y_val] + 1e-12)))
    return float(grid[int(np.argmin(losses))])


def measure(data, cache, partner, embedding):
    y_test, y_val = data["test"][1], data["val"][1]
    base_test, base_val = cache["test"][1], cache["val"][1]
    base_pred = base_test.argmax(-1)
    pred = partner["test"].argmax(-1)
    fused = softmax(base_test) + softmax(partner["test"])
    w = fused_weight(base_val, partner["val"], y_val)
    fitted = (1 - w) * softmax(base_test) + w * softmax(partner["test"])
    return {
        "partner": float(np.mean(pred == y_test)),
        "epochs": partner["epochs"],
        "fused": float(np.mean(fused.argmax(-1) == y_test)),
        "fused_fitted": float(np.mean(fitted.argmax(-1) == y_test)),
        "fitted_weight": w,
        "both_wrong": float(np.mean((pred != y_test) & (base_pred != y_test))),
        "disagreement": float(np.mean(pred != base_pred)),
        "cka": linear_cka(embedding, cache["test"][0]),
    }


def interval(differences):
    d = np.asarray(differences, dtype=float)
    mean = float(d.mean())
    if len(d) < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / np.sqrt(len(d))
    return mean, mean - half, mean + half


def mean_std(values):
    values = np.asarray(values, dtype=float)
    std = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{values.mean():.4f} ± {std:.4f}"


def report(args, rows, base_accuracy):
    names = ["independent"] + args.objectives
    print()
    print(
        f"Cluttered MNIST-5k, base and partner small_cnn(width={args.width}),"
        f" early stopping (patience {args.patience}, at most {args.epochs}"
        f" epochs), seeds {args.seeds}, backend "
        f"{keras.backend.backend()}. Base alone: {mean_std(base_accuracy)}."
    )
    print()
    print(
        "| partner | weight | best epoch | partner acc | fused acc (equal) "
        "| fused acc (val-fitted) | both wrong | disagreement | CKA to base |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for name in names:
        r = rows[name]
        weight = 0.0 if name == "independent" else args.weight_of[name]
        print(
            f"| {name} | {weight} | {mean_std(r['epochs'])} | "
            f"{mean_std(r['partner'])} | "
            f"{mean_std(r['fused'])} | {mean_std(r['fused_fitted'])} | "
            f"{mean_std(r['both_wrong'])} | {mean_std(r['disagreement'])} | "
            f"{mean_std(r['cka'])} |"
        )
    print()
    print(
        "Paired differences to the independent partner, points "
        "(mean [95% t-interval]):"
    )
    print()
    print("| objective | fused (equal) | fused (val-fitted) | partner acc |")
    print("|---|---|---|---|")
    reference = rows["independent"]
    for name in args.objectives:
        cells = []
        for key in ("fused", "fused_fitted", "partner"):
            diff = 100 * (
                np.asarray(rows[name][key]) - np.asarray(reference[key])
            )
            mean, low, high = interval(diff)
            cells.append(f"{mean:+.2f} [{low:+.2f}, {high:+.2f}]")
        print(f"| {name} | " + " | ".join(cells) + " |")


def main(argv=None):
    args = parse_args(argv)
    names = ["independent"] + args.objectives
    if args.report_from:
        rows, base, seeds = merge_runs(args.report_from, names)
        args.seeds = seeds
        report(args, rows, base)
        return
    data = load_data(args)
    rows = {name: {} for name in names}
    base_accuracy = []
    start = time.time()
    print(
        f"{platform.node()}: backend {keras.backend.backend()}, "
        f"{len(data['train'][0])} training images, seeds {args.seeds}"
    )
    for seed in args.seeds:
        base, cache = train_base(args, data, seed)
        base_accuracy.append(
            float(np.mean(cache["test"][1].argmax(-1) == data["test"][1]))
        )
        keras.utils.set_random_seed(1000 + seed)
        initial = small_cnn(
            data["train"][0].shape[1:], NUM_CLASSES, width=args.width
        ).get_weights()
        for name in names:
            partner, embedding = train_partner(
                args,
                data,
                base,
                cache,
                seed,
                initial,
                name,
                args.weight_of.get(name, 0.0),
            )
            result = measure(data, cache, partner, embedding)
            for key, value in result.items():
                rows[name].setdefault(key, []).append(value)
            print(
                f"seed {seed} {name}: partner {result['partner']:.4f} fused "
                f"{result['fused']:.4f} fitted {result['fused_fitted']:.4f} "
                f"both wrong {result['both_wrong']:.4f} "
                f"({time.time() - start:.0f} s)",
                flush=True,
            )
            save(args, rows, base_accuracy)
        keras.backend.clear_session()
    report(args, rows, base_accuracy)
    print(f"\n{time.time() - start:.0f} s in all.")


def merge_runs(paths, names):
    """Rows, base accuracies and seeds of the seeds every variant of
    `names` completed in the runs saved at `paths`."""
    rows = {n: {} for n in names}
    base, seeds = [], []
    for path in paths:
        with open(path) as f:
            saved = json.load(f)
        done = min(len(saved["rows"][n].get("partner", [])) for n in names)
        for n in names:
            for key, values in saved["rows"][n].items():
                rows[n].setdefault(key, []).extend(values[:done])
        base.extend(saved["base"][:done])
        seeds.extend(saved["args"]["seeds"][:done])
    return rows, base, seeds


def save(args, rows, base_accuracy):
    """Writes the results so far to `--json` (after every partner)."""
    if not args.json:
        return
    os.makedirs(os.path.dirname(os.path.abspath(args.json)), exist_ok=True)
    with open(args.json, "w") as f:
        json.dump(
            {
                "args": {
                    k: v for k, v in vars(args).items() if k != "weight_of"
                },
                "weights": args.weight_of,
                "base": base_accuracy,
                "rows": rows,
            },
            f,
            indent=1,
        )


if __name__ == "__main__":
    main()
