"""Which MEAL recipe beats the same student trained on labels?

Per seed, with the models of `keras-acorl reproduce image`:

1. the teachers (`--teachers`, default `cnn resnet`: `small_cnn` width 16
   and a one-block keras-hub ResNet) trained on labels, once: their logits
   on the training and test images are cached under `--cache-dir`, so a
   sweep re-runs only students;
2. the student `small_cnn(width=8)` trained on labels (the "label
   student"), its training accuracy printed (under-fitting check);
3. the same student (same initial weights, same batch order, same epochs,
   same optimizer and schedule) distilled by `keras_acorl.MEALDistiller`
   from the cached teacher outputs, once per `--settings` entry.

A setting is a preset name of `MEALDistiller.RECIPES` or a comma-separated
list of `key=value` overrides of one, e.g. `meal_v1,temperature=4` or
`kd,label_weight=0.5,adversarial_mode=grl`. Keys: the `MEALDistiller`
arguments `teacher_mode`, `adversarial_mode`, `temperature`,
`label_weight`, `similarity`; `discriminator_lr` (Adam learning rate of
the discriminators); `init=label` (start from the trained label student,
as MEAL V2 starts from pre-trained weights; it then trains `--epochs`
more epochs); `init=label:K` (start from the same student trained on
labels for K epochs, with its own K-epoch schedule, then distil for
`--epochs` - K epochs: the same total budget as the label student).

Prints a Markdown table: test accuracy mean ± std over the seeds; the
paired difference to the label student with a 95% t-interval
(`scipy.stats`); the fraction of the (teacher ensemble - label student)
gap recovered; the training accuracy.

```
KERAS_BACKEND=jax python benchmarks/meal_recipes.py --seeds 0 1 2
KERAS_BACKEND=jax python benchmarks/meal_recipes.py --dataset mnist5k \
    --settings meal_v1 kd "kd,temperature=2"
python benchmarks/meal_recipes.py --quick
```
"""

import argparse
import json
import os
import statistics
import time

import keras
import numpy as np
from scipy import stats

import keras_acorl
from keras_acorl import datasets
from keras_acorl import zoo

LOADERS = {
    "mnist5k": datasets.load_mnist5k,
    "digits": datasets.load_digits,
    "cluttered_mnist5k": datasets.load_cluttered_mnist5k,
    "cluttered_digits": datasets.load_cluttered_digits,
}
TEACHER_FAMILIES = {
    "cnn": lambda shape, n, name: zoo.small_cnn(shape, n, width=16, name=name),
    "cnn24": lambda shape, n, name: zoo.small_cnn(
        shape, n, width=24, name=name
    ),
    "resnet": lambda shape, n, name: zoo.resnet_classifier(shape, n, name=name),
}
LABEL = "student on labels"
ENSEMBLE = "teacher ensemble (mean probs)"
DEFAULT_SETTINGS = ("meal_v1", "meal_v2", "kd")
FLOAT_KEYS = ("temperature", "label_weight", "discriminator_lr")
STRING_KEYS = ("teacher_mode", "adversarial_mode", "similarity", "init")


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--dataset", choices=sorted(LOADERS), default="cluttered_mnist5k"
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument(
        "--epochs",
        type=int,
        default=15,
        help="Epochs of every student. Default: 15.",
    )
    parser.add_argument(
        "--teacher-epochs",
        type=int,
        default=15,
        help="Epochs of every teacher. Default: 15.",
    )
    parser.add_argument(
        "--teachers",
        nargs="+",
        default=["cnn", "resnet"],
        choices=sorted(TEACHER_FAMILIES),
    )
    parser.add_argument("--settings", nargs="*", default=list(DEFAULT_SETTINGS))
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=5e-3,
        help="Adam, cosine decay to 0. Default: 5e-3.",
    )
    parser.add_argument(
        "--cache-dir", default=os.path.join("outputs", "meal_recipes")
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Smoke test: seed 0, 1 epoch, 512 images.",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.seeds, args.epochs, args.teacher_epochs = [0], 1, 1
    return args


def parse_setting(text):
    """`(preset name, overrides dict, init, discriminator_lr)`."""
    name, *pairs = text.split(",")
    if name not in keras_acorl.MEALDistiller.RECIPES:
        raise ValueError(
            f"Setting {text!r}: starts with a recipe name, one of "
            f"{sorted(keras_acorl.MEALDistiller.RECIPES)}."
        )
    overrides, init, discriminator_lr = {}, None, 1e-4
    for pair in pairs:
        key, _, value = pair.partition("=")
        if key in FLOAT_KEYS:
            value = float(value)
        elif key not in STRING_KEYS:
            raise ValueError(f"Setting {text!r}: unknown key {key!r}.")
        if key == "init":
            kind, colon, epochs = value.partition(":")
            if kind != "label" or (colon and not epochs.isdigit()):
                raise ValueError(
                    f"Setting {text!r}: init is 'label' or 'label:K' with K "
                    f"an int. Received: {value!r}."
                )
            init = value
        elif key == "discriminator_lr":
            discriminator_lr = value
        else:
            overrides[key] = value
    return name, overrides, init, discriminator_lr


def optimizer(args, steps, learning_rate=None):
    return keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(
            learning_rate or args.learning_rate, steps
        )
    )


def accuracy(logits, y):
    return float(np.mean(np.argmax(logits, axis=-1) == y))


def teacher_logits(args, seed, data, log):
    """`(train logits (n, k, c), test logits (m, k, c), test accuracies)`,
    trained once per (dataset, seed, teachers, epochs) and cached."""
    (x_train, y_train), (x_test, y_test), classes = data
    os.makedirs(args.cache_dir, exist_ok=True)
    path = os.path.join(
        args.cache_dir,
        f"{args.dataset}_{'-'.join(args.teachers)}_e{args.teacher_epochs}_"
        f"s{seed}_n{len(x_train)}_{keras.backend.backend()}.npz",
    )
    if os.path.exists(path):
        cached = np.load(path)
        return cached["train"], cached["test"]
    steps = args.teacher_epochs * -(-len(x_train) // args.batch_size)
    train, test = [], []
    for k, family in enumerate(args.teachers):
        start = time.perf_counter()
        keras.utils.set_random_seed(1000 * seed + k + 1)
        model = TEACHER_FAMILIES[family](
            x_train.shape[1:], classes, f"teacher_{family}"
        )
        model.compile(
            optimizer=optimizer(args, steps),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        model.fit(
            x_train,
            y_train,
            batch_size=args.batch_size,
            epochs=args.teacher_epochs,
            verbose=0,
        )
        train.append(model.predict(x_train, batch_size=500, verbose=0))
        test.append(model.predict(x_test, batch_size=500, verbose=0))
        log(
            f"[seed {seed}] teacher {family}: test "
            f"{accuracy(test[-1], y_test):.4f}, train "
            f"{accuracy(train[-1], y_train):.4f} "
            f"({time.perf_counter() - start:.0f} s)"
        )
    train, test = np.stack(train, axis=1), np.stack(test, axis=1)
    np.savez(path, train=train, test=test)
    return train, test


def run_seed(args, seed, log):
    """`{row: (test accuracy, train accuracy)}` for one seed."""
    train_data, test_data = LOADERS[args.dataset](seed=seed)
    (x_train, y_train), (x_test, y_test) = train_data, test_data
    if args.quick:
        x_train, y_train = x_train[:512], y_train[:512]
    classes = int(max(y_train.max(), y_test.max())) + 1
    data = ((x_train, y_train), (x_test, y_test), classes)
    train_logits, test_logits = teacher_logits(args, seed, data, log)
    probs = keras.ops.convert_to_numpy(keras.ops.softmax(test_logits))
    train_probs = keras.ops.convert_to_numpy(keras.ops.softmax(train_logits))
    results = {
        ENSEMBLE: (
            accuracy(probs.mean(axis=1), y_test),
            accuracy(train_probs.mean(axis=1), y_train),
        )
    }
    for k, family in enumerate(args.teachers):
        results[f"teacher {family}"] = (
            accuracy(test_logits[:, k], y_test),
            accuracy(train_logits[:, k], y_train),
        )
    student_seed = 1000 * seed + 101  # reproduce image's student seed
    fit_kwargs = dict(batch_size=args.batch_size, epochs=args.epochs, verbose=0)

    def new_student(name):
        keras.utils.set_random_seed(student_seed)
        return zoo.small_cnn(x_train.shape[1:], classes, width=8, name=name)

    results_path = os.path.join(
        args.cache_dir,
        f"{args.dataset}_{'-'.join(args.teachers)}_e{args.teacher_epochs}_"
        f"student_e{args.epochs}_s{seed}_n{len(x_train)}_"
        f"{keras.backend.backend()}.json",
    )
    done = {}
    if os.path.exists(results_path):
        with open(results_path) as f:
            done = json.load(f)

    def record(row, student, start, note=""):
        results[row] = (
            accuracy(
                student.predict(x_test, batch_size=500, verbose=0), y_test
            ),
            accuracy(
                student.predict(x_train, batch_size=500, verbose=0), y_train
            ),
        )
        log(
            f"[seed {seed}] {row}: test {results[row][0]:.4f}, train "
            f"{results[row][1]:.4f} ({time.perf_counter() - start:.0f} s"
            f"{note})"
        )
        if row != LABEL:  # Read back by later runs of the same seed.
            done[row] = results[row]
            with open(results_path, "w") as f:
                json.dump(done, f, indent=1)

    steps_per_epoch = -(-len(x_train) // args.batch_size)

    def train_label_student(epochs):
        """The student trained on labels for `epochs` (cosine schedule over
        them), cached."""
        label_student = new_student("label_student")
        path = os.path.join(
            args.cache_dir,
            f"{args.dataset}_label_student_e{epochs}_s{seed}_"
            f"n{len(x_train)}_{keras.backend.backend()}.weights.h5",
        )
        if os.path.exists(path):
            label_student.load_weights(path)
            return label_student
        label_student.compile(
            optimizer=optimizer(args, epochs * steps_per_epoch),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        keras.utils.set_random_seed(student_seed)  # the batch order
        label_student.fit(x_train, y_train, **{**fit_kwargs, "epochs": epochs})
        label_student.save_weights(path)
        return label_student

    start = time.perf_counter()
    label_student = train_label_student(args.epochs)
    record(LABEL, label_student, start)

    cached = {"inputs": x_train, "teacher_outputs": [train_logits]}
    for setting in args.settings:
        if setting in done:
            results[setting] = tuple(done[setting])
            continue
        start = time.perf_counter()
        name, overrides, init, discriminator_lr = parse_setting(setting)
        student = new_student("student")
        epochs = args.epochs
        if init == "label":
            student.set_weights(label_student.get_weights())
        elif init is not None:
            init_epochs = int(init.partition(":")[2])
            student.set_weights(train_label_student(init_epochs).get_weights())
            epochs -= init_epochs
        distiller = keras_acorl.MEALDistiller.from_recipe(
            name,
            teachers=[
                _Frozen(train_logits.shape[-1], x_train.shape[1:], k)
                for k in range(train_logits.shape[1])
            ],
            student=student,
            seed=seed,
            **overrides,
        )
        distiller.compile(
            optimizer=optimizer(args, epochs * steps_per_epoch),
            discriminator_optimizer=keras.optimizers.Adam(discriminator_lr),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True)
            if distiller.label_weight > 0
            else None,
        )
        keras.utils.set_random_seed(student_seed)  # the same batch order
        history = distiller.fit(
            cached, y_train, **{**fit_kwargs, "epochs": epochs}
        )
        logs = {k: v[-1] for k, v in history.history.items()}
        note = f"; similarity_loss {logs['similarity_loss']:.3f}"
        if "discriminator_accuracy" in logs:
            note += (
                f"; discriminator_accuracy {logs['discriminator_accuracy']:.2f}"
            )
        record(setting, student, start, note)
    return results


def _Frozen(classes, input_shape, index):
    """A stand-in teacher (never run: the distillers train on the cached
    teacher logits): a tiny model with the right input and output size."""
    inputs = keras.Input(shape=input_shape)
    flat = keras.layers.Flatten()(inputs)
    return keras.Model(
        inputs,
        keras.layers.Dense(classes)(flat),
        name=f"cached_teacher_{index}",
    )


def summarize(args, per_seed):
    rows = list(per_seed[0])
    label = np.array([r[LABEL][0] for r in per_seed])
    ensemble = np.array([r[ENSEMBLE][0] for r in per_seed])
    gap = float(np.mean(ensemble - label))
    print(
        f"\n{args.dataset}, seeds {args.seeds}, student {args.epochs} "
        f"epochs, teachers {' + '.join(args.teachers)} "
        f"({args.teacher_epochs} epochs), backend {keras.backend.backend()}"
    )
    print(
        "\n| model | test accuracy | vs label student (points, 95% CI) "
        "| gap recovered | train accuracy |"
    )
    print("|---|---:|---:|---:|---:|")
    for row in rows:
        test = np.array([r[row][0] for r in per_seed])
        train = np.array([r[row][1] for r in per_seed])
        std = statistics.stdev(test) if len(test) > 1 else 0.0
        diff = 100 * (test - label)
        if row == LABEL:
            paired, recovered = "", ""
        else:
            paired = f"{diff.mean():+.2f}"
            if len(diff) > 1:
                low, high = (
                    stats.t.interval(
                        0.95,
                        len(diff) - 1,
                        loc=diff.mean(),
                        scale=stats.sem(diff),
                    )
                    if diff.std() > 0
                    else (diff.mean(), diff.mean())
                )
                paired += f" [{low:+.2f}, {high:+.2f}]"
            recovered = f"{diff.mean() / (100 * gap):.0%}" if gap else ""
        print(
            f"| {row} | {test.mean():.4f} ± {std:.4f} | {paired} | "
            f"{recovered} | {train.mean():.4f} |"
        )
    print(f"\nPer seed ({', '.join(map(str, args.seeds))}), test accuracy:")
    for row in rows:
        values = " / ".join(f"{r[row][0]:.4f}" for r in per_seed)
        print(f"- {row}: {values}")


def main(argv=None):
    args = parse_args(argv)
    for setting in args.settings:  # fail before training anything
        init = parse_setting(setting)[2]
        if init and ":" in init and not 0 < int(init[6:]) < args.epochs:
            raise ValueError(
                f"Setting {setting!r}: K of init=label:K must be in "
                f"[1, --epochs - 1] = [1, {args.epochs - 1}]."
            )
    start = time.perf_counter()

    def log(message):
        print(f"{time.perf_counter() - start:6.0f} s  {message}", flush=True)

    per_seed = [run_seed(args, seed, log) for seed in args.seeds]
    summarize(args, per_seed)
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
