"""MEAL on MNIST-5k: three different teachers distilled into one student.

Per seed, on the 4000/1000 MNIST-5k split (`load_mnist5k(test_fraction=0.2,
seed=0)`, the same split for every seed; the seed changes initialisation
and batch order):

1. three teachers of different architectures trained on labels:
   `small_cnn(width=16)`, `small_cnn(width=32)` and an MLP
   (784-256-128-10);
2. the student, `small_cnn(width=8)`, trained on labels alone;
3. the same student distilled by `keras_acorl.MEALDistiller` from the
   three teachers without labels (`fit(x)`), with `teacher_mode="random"`
   (MEAL) and `"mean"` (MEAL V2), discriminators on the logits
   (`adversarial_mode="joint"`, the reference code's default);
4. the teachers' averaged ensemble,
   `keras_acorl.FusionEnsemble(teachers, method="mean_probs")`.

It prints one progress line per stage and a Markdown table of test
accuracy, mean ± sample standard deviation over the seeds. Every model
trains for `--epochs` epochs with Adam and a cosine decay from 3e-3 (the
discriminators: Adam 1e-3).

```
KERAS_BACKEND=jax python benchmarks/meal_mnist.py
KERAS_BACKEND=tensorflow python benchmarks/meal_mnist.py --quick
```
"""

import argparse
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

TEACHERS = ("teacher small_cnn w16", "teacher small_cnn w32", "teacher MLP")
ENSEMBLE = "ensemble of the 3 teachers (mean probs)"
ALONE = "student small_cnn w8, labels"
MEAL_RANDOM = "student, MEAL random (label-free)"
MEAL_MEAN = "student, MEAL mean (label-free)"
ROWS = (*TEACHERS, ENSEMBLE, ALONE, MEAL_RANDOM, MEAL_MEAN)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="MEAL distillation of three different teachers on MNIST-5k."
    )
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=64)
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
        return model

    def stage(row, build_and_train):
        start = time.perf_counter()
        model = build_and_train()
        results[row] = accuracy(model, x_test, y_test)
        params[row] = model.count_params()
        log(
            f"[seed {seed}] {row}: accuracy {results[row]:.4f} "
            f"({time.perf_counter() - start:.0f} s)"
        )
        return model

    keras.utils.set_random_seed(seed)
    builders = (
        lambda: small_cnn(INPUT_SHAPE, NUM_CLASSES, width=16, name="cnn16"),
        lambda: small_cnn(INPUT_SHAPE, NUM_CLASSES, width=32, name="cnn32"),
        lambda: mlp("mlp"),
    )
    teachers = [
        stage(row, lambda build=build: train_on_labels(build()))
        for row, build in zip(TEACHERS, builders)
    ]
    stage(
        ENSEMBLE,
        lambda: keras_acorl.FusionEnsemble(teachers, method="mean_probs"),
    )

    def student(name):
        # The same initial student weights in every student row.
        keras.utils.set_random_seed(seed + 1000)
        return small_cnn(INPUT_SHAPE, NUM_CLASSES, width=8, name=name)

    stage(ALONE, lambda: train_on_labels(student("student_labels")))

    def distil(teacher_mode):
        distiller = keras_acorl.MEALDistiller(
            teachers,
            student(f"student_{teacher_mode}"),
            teacher_mode=teacher_mode,
            adversarial_mode="joint",
            seed=seed,
        )
        distiller.compile(
            optimizer=optimizer(steps),
            discriminator_optimizer=keras.optimizers.Adam(
                DISCRIMINATOR_LEARNING_RATE
            ),
        )
        distiller.fit(x_train, **fit_kwargs)  # No labels.
        return distiller.student

    stage(MEAL_RANDOM, lambda: distil("random"))
    stage(MEAL_MEAN, lambda: distil("mean"))
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
    log(
        f"backend {keras.backend.backend()}, keras {keras.__version__}, "
        f"python {platform.python_version()}; train {len(x_train)}, test "
        f"{len(x_test)}; {args.epochs} epochs, {args.seeds} seeds"
    )
    data = ((x_train, y_train), (x_test, y_test))
    params = {}
    per_seed = [
        run_seed(seed, data, args, log, params) for seed in range(args.seeds)
    ]

    print()
    print(
        f"MNIST-5k test accuracy, {args.seeds} seed(s), {args.epochs} "
        f"epochs, backend {keras.backend.backend()}"
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
