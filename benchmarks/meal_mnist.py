"""MEAL on MNIST-5k: three different teachers distilled into one student.

Per seed, on the 4000/1000 MNIST-5k split (`load_mnist5k(test_fraction=0.2,
seed=0)`, the same split for every seed; the seed changes initialisation,
batch order and teacher draws):

1. three teachers of different architectures trained on labels:
   `small_cnn(width=16)`, a wider `small_cnn(width=24)` and an MLP
   (784-256-128-10);
2. the teachers' averaged ensemble,
   `keras_acorl.FusionEnsemble(teachers, method="mean_probs")`;
3. the student, `small_cnn(width=8)`, trained on labels alone;
4. the same student (same initial weights) distilled from the three
   teachers by `keras_acorl.MEALDistiller` without labels (`fit(x)`):
   `teacher_mode="random"` (MEAL) with discriminators on the logits
   (`adversarial_mode="joint"`, the reference code's default) and without
   them (`"none"`, the ablation), and `teacher_mode="mean"` (MEAL V2) with
   discriminators.

By default the distillers train on teacher outputs computed once with
`MEALDistiller.precompute`: there is no augmentation
and the teachers run with `training=False`, so this is the same training
as with live teachers (the same draws, the same targets), only faster.
`--live-teachers` runs the teachers in the loop instead.

All models train for `--epochs` epochs with Adam and a cosine decay from
3e-3 (discriminators: Adam 1e-3). One progress line per stage, then a
Markdown table of test accuracy, mean ± sample standard deviation over the
seeds.

```
KERAS_BACKEND=jax python benchmarks/meal_mnist.py
KERAS_BACKEND=tensorflow python benchmarks/meal_mnist.py --quick
```
"""

import argparse
import os
import platform
import statistics
import time

import keras
import numpy as np

import keras_acorl
from keras_acorl.datasets import load_mnist5k
from keras_acorl.zoo import small_cnn

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
LEARNING_RATE = 3e-3
DISCRIMINATOR_LEARNING_RATE = 1e-3

TEACHERS = ("teacher small_cnn w16", "teacher small_cnn w24", "teacher MLP")
ENSEMBLE = "ensemble of the 3 teachers (mean probs)"
ALONE = "student small_cnn w8, labels"
# (row, teacher_mode, adversarial_mode)
DISTILLED = (
    ("student, MEAL random + discriminator (joint)", "random", "joint"),
    ("student, MEAL random, no discriminator", "random", "none"),
    ("student, MEAL V2 mean + discriminator (joint)", "mean", "joint"),
)
ROWS = (*TEACHERS, ENSEMBLE, ALONE, *(row for row, _, _ in DISTILLED))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="MEAL distillation of three different teachers on MNIST-5k."
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--live-teachers",
        action="store_true",
        help="Run the teachers at every step instead of using their "
        "precomputed outputs.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Smoke test: 1 seed, 1 epoch, 1024 training images.",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds = 1, 1
    return args


def mlp(name):
    inputs = keras.Input(shape=INPUT_SHAPE, name="image")
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(256, activation="relu")(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    outputs = keras.layers.Dense(NUM_CLASSES, name="logits")(x)
    return keras.Model(inputs, outputs, name=name)


def optimizer(steps, learning_rate=LEARNING_RATE):
    return keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(learning_rate, steps)
    )


def accuracy(model, x, y):
    scores = model.predict(x, batch_size=500, verbose=0)
    return float(np.mean(np.argmax(scores, axis=-1) == y))


def run_seed(seed, data, args, log, params):
    """Test accuracies `{row: accuracy}` of every model for one seed;
    fills `params` with `{row: parameter count}`."""
    (x_train, y_train), (x_test, y_test) = data
    steps = args.epochs * -(-len(x_train) // args.batch_size)
    fit_kwargs = dict(batch_size=args.batch_size, epochs=args.epochs, verbose=0)
    results = {}

    def train_on_labels(model):
        model.compile(
            optimizer=optimizer(steps),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        )
        model.fit(x_train, y_train, **fit_kwargs)
        return model, ""

    def stage(row, build_and_train):
        start = time.perf_counter()
        model, note = build_and_train()
        results[row] = accuracy(model, x_test, y_test)
        params[row] = model.count_params()
        log(
            f"[seed {seed}] {row}: accuracy {results[row]:.4f} "
            f"({time.perf_counter() - start:.0f} s{note})"
        )
        return model

    keras.utils.set_random_seed(seed)
    builders = (
        lambda: small_cnn(INPUT_SHAPE, NUM_CLASSES, width=16, name="cnn16"),
        lambda: small_cnn(INPUT_SHAPE, NUM_CLASSES, width=24, name="cnn24"),
        lambda: mlp("mlp"),
    )
    teachers = [
        stage(row, lambda build=build: train_on_labels(build()))
        for row, build in zip(TEACHERS, builders)
    ]
    stage(
        ENSEMBLE,
        lambda: (
            keras_acorl.FusionEnsemble(teachers, method="mean_probs"),
            "",
        ),
    )

    def student(name):
        # The same initial student weights in every student row.
        keras.utils.set_random_seed(seed + 1000)
        return small_cnn(INPUT_SHAPE, NUM_CLASSES, width=8, name=name)

    stage(ALONE, lambda: train_on_labels(student("student_labels")))

    stored = None
    for row, teacher_mode, adversarial_mode in DISTILLED:

        def distil(teacher_mode=teacher_mode, mode=adversarial_mode):
            nonlocal stored
            distiller = keras_acorl.MEALDistiller(
                teachers,
                student(f"student_{teacher_mode}_{mode}"),
                teacher_mode=teacher_mode,
                adversarial_mode=mode,
                seed=seed,
            )
            distiller.compile(
                optimizer=optimizer(steps),
                discriminator_optimizer=keras.optimizers.Adam(
                    DISCRIMINATOR_LEARNING_RATE
                ),
            )
            x = x_train
            if not args.live_teachers:
                # Logits only, so every distiller stores the same outputs.
                if stored is None:
                    stored = distiller.precompute(x_train)
                x = stored
            history = distiller.fit(x, **fit_kwargs)  # No labels.
            logs = {k: v[-1] for k, v in history.history.items()}
            note = f"; similarity_loss {logs['similarity_loss']:.3f}"
            if "discriminator_accuracy" in logs:
                note += (
                    "; discriminator_accuracy "
                    f"{logs['discriminator_accuracy']:.3f}"
                )
            return distiller.student, note

        stage(row, distil)
    return results


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()

    def log(message):
        print(f"{time.perf_counter() - start:6.0f} s  {message}", flush=True)

    (x_train, y_train), (x_test, y_test) = load_mnist5k(
        test_fraction=0.2, seed=0
    )
    if args.quick:
        x_train, y_train = x_train[:1024], y_train[:1024]
    teachers_in_loop = "live" if args.live_teachers else "precomputed"
    log(
        f"backend {keras.backend.backend()}, keras {keras.__version__}, "
        f"python {platform.python_version()}, {os.cpu_count()} CPU cores; "
        f"train {len(x_train)}, test {len(x_test)}; {args.epochs} epochs, "
        f"{args.seeds} seeds; teacher outputs {teachers_in_loop}"
    )
    data = ((x_train, y_train), (x_test, y_test))
    params = {}
    per_seed = [
        run_seed(seed, data, args, log, params) for seed in range(args.seeds)
    ]

    print()
    print(
        f"MNIST-5k test accuracy, {args.seeds} seed(s), {args.epochs} "
        f"epochs, backend {keras.backend.backend()}, teacher outputs "
        f"{teachers_in_loop}"
    )
    print()
    print("| model | parameters | test accuracy (mean ± std) |")
    print("|---|---:|---:|")
    for row in ROWS:
        values = [results[row] for results in per_seed]
        std = statistics.stdev(values) if len(values) > 1 else 0.0
        print(
            f"| {row} | {params[row]:,} | {statistics.mean(values):.4f} ± "
            f"{std:.4f} |"
        )
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")


if __name__ == "__main__":
    main()
