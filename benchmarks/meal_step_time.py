"""Step time of `MEALDistiller` against its baselines, in one process.

Every configuration trains the same student architecture
(`small_cnn(width=8)`) on the same synthetic 28x28 images; teachers are
`small_cnn(width=16)`. After one warm-up `fit` per configuration (tracing
and compilation), the script times `fit` calls of `--steps` steps (one
epoch each, so per-epoch costs such as metric results count too),
cycling through the configurations so that a busy machine slows them all
alike, until `--max-seconds` have passed or `--repeats` cycles are done. It
reports per configuration the median wall-clock and CPU milliseconds per
step and, per comparison, the median over cycles of the ratio candidate /
baseline (both timed in the same cycle). The verdict uses the wall-clock
ratio; the CPU-time ratio (work done by this process, all threads) is a
cross-check that a shared machine disturbs less.

Comparisons and targets:

a. `MEALDistiller` with one teacher, logits only, no discriminators vs
   `keras.distillation.Distiller` (`LogitsDistillation(temperature=1)`,
   `student_loss_weight=0`) with the same teacher and student: target
   <= 1.05. MEAL with discriminators (`"joint"`) for information.
b. `teacher_mode="random"` with 5 teachers vs 1 teacher: target <= 1.1 (a
   step runs only the drawn teacher). `"mean"` with 5 teachers, which runs
   them all, for contrast.
c. Training on `distiller.precompute(...)` (5 teachers, random) vs
   a plain `fit` of the student alone on labels: target <= 1.1.

The backend comes from `KERAS_BACKEND`:

```
KERAS_BACKEND=jax python benchmarks/meal_step_time.py
KERAS_BACKEND=tensorflow python benchmarks/meal_step_time.py --quick
```

Exit status: 0 when every target is met, 1 otherwise.
"""

import argparse
import os
import platform
import statistics
import sys
import time

import keras
import numpy as np

import keras_acorl
from keras_acorl.zoo import small_cnn

INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10
TEACHER_WIDTH = 16
STUDENT_WIDTH = 8
NUM_TEACHERS = 5

KERAS_1 = "keras Distiller, 1 teacher"
NONE_1 = "MEAL none, 1 teacher"
JOINT_1 = "MEAL joint, 1 teacher"
RANDOM_N = f"MEAL none random, {NUM_TEACHERS} teachers"
MEAN_N = f"MEAL none mean, {NUM_TEACHERS} teachers"
CACHED_N = f"MEAL none random, {NUM_TEACHERS} teachers, precomputed"
ALONE = "student alone on labels"

COMPARISONS = (
    # (label, candidate, baseline, target or None)
    ("a. MEAL, no discriminator / keras Distiller", NONE_1, KERAS_1, 1.05),
    ("a. MEAL joint (discriminator) / keras Distiller", JOINT_1, KERAS_1, None),
    (f"b. random, {NUM_TEACHERS} teachers / 1 teacher", RANDOM_N, NONE_1, 1.1),
    (
        f"b. mean, {NUM_TEACHERS} teachers / random, 1 teacher",
        MEAN_N,
        NONE_1,
        None,
    ),
    ("c. precomputed teacher outputs / student alone", CACHED_N, ALONE, 1.1),
)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description="Step-time ratios of MEALDistiller vs its baselines."
    )
    parser.add_argument(
        "--steps",
        type=int,
        default=50,
        help="Steps per timed fit (one epoch). Defaults to 50, about one "
        "MNIST-5k epoch.",
    )
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument(
        "--repeats",
        type=int,
        default=25,
        help="Most timing cycles over all configurations.",
    )
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=180.0,
        help="Stop cycling after this long (at least 3 cycles run).",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Smoke test: 3 steps, 3 cycles (ratios are noisy).",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.steps = min(args.steps, 3)
        args.repeats = min(args.repeats, 3)
    return args


def sparse_ce():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def new_student(name):
    return small_cnn(INPUT_SHAPE, NUM_CLASSES, width=STUDENT_WIDTH, name=name)


def build_configs(teachers, x):
    """`{name: (model, fit_x)}`, compiled, each with its own student."""

    def meal(num_teachers, name, **kwargs):
        distiller = keras_acorl.MEALDistiller(
            teachers=teachers[:num_teachers],
            student=new_student(f"student_{name}"),
            taps=None,
            seed=0,
            name=f"meal_{name}",
            **kwargs,
        )
        distiller.compile(optimizer="adam")
        return distiller

    keras_distiller = keras.distillation.Distiller(
        teacher=teachers[0],
        student=new_student("student_keras"),
        distillation_losses=keras.distillation.LogitsDistillation(
            temperature=1.0
        ),
        student_loss_weight=0.0,
    )
    keras_distiller.compile(optimizer="adam", loss=sparse_ce())
    alone = new_student("student_alone")
    alone.compile(optimizer="adam", loss=sparse_ce())
    cached = meal(NUM_TEACHERS, "cached", adversarial_mode="none")
    cached_x = cached.precompute(x, batch_size=256)
    return {
        KERAS_1: (keras_distiller, x),
        NONE_1: (meal(1, "none_1", adversarial_mode="none"), x),
        JOINT_1: (meal(1, "joint_1", adversarial_mode="joint"), x),
        RANDOM_N: (meal(NUM_TEACHERS, "random", adversarial_mode="none"), x),
        MEAN_N: (
            meal(
                NUM_TEACHERS,
                "mean",
                adversarial_mode="none",
                teacher_mode="mean",
            ),
            x,
        ),
        CACHED_N: (cached, cached_x),
        ALONE: (alone, x),
    }


def timed_fit(model, fit_x, y, batch_size):
    """`(wall seconds, CPU seconds)` of one epoch over `fit_x`."""
    wall, cpu = time.perf_counter(), time.process_time()
    # Every configuration gets the labels: the distillers (label weight 0)
    # ignore them, so all pay the same input pipeline.
    model.fit(fit_x, y, batch_size=batch_size, shuffle=False, verbose=0)
    return time.perf_counter() - wall, time.process_time() - cpu


def median_ratio(candidate, baseline):
    return statistics.median(c / b for c, b in zip(candidate, baseline))


def main(argv=None):
    args = parse_args(argv)
    start = time.perf_counter()
    keras.utils.set_random_seed(0)
    num_samples = args.steps * args.batch_size
    rng = np.random.default_rng(0)
    x = rng.random((num_samples, *INPUT_SHAPE), dtype=np.float32)
    y = rng.integers(0, NUM_CLASSES, num_samples).astype("int32")
    teachers = [
        small_cnn(
            INPUT_SHAPE, NUM_CLASSES, width=TEACHER_WIDTH, name=f"teacher_{k}"
        )
        for k in range(NUM_TEACHERS)
    ]
    configs = build_configs(teachers, x)
    print(
        f"backend: {keras.backend.backend()}, keras {keras.__version__}, "
        f"python {platform.python_version()}, {os.cpu_count()} CPU cores "
        f"({platform.machine()}), load average "
        f"{os.getloadavg()[0]:.1f} at start"
    )
    print(
        f"student small_cnn(width={STUDENT_WIDTH}), teachers "
        f"small_cnn(width={TEACHER_WIDTH}), batch {args.batch_size}, "
        f"{args.steps} steps per timed fit",
        flush=True,
    )
    for model, fit_x in configs.values():
        timed_fit(model, fit_x, y, args.batch_size)  # Traces, compiles.
    print(f"warm-up done in {time.perf_counter() - start:.0f} s", flush=True)

    wall = {name: [] for name in configs}
    cpu = {name: [] for name in configs}
    timing_start = time.perf_counter()
    cycles = 0
    while cycles < args.repeats and (
        cycles < 3 or time.perf_counter() - timing_start < args.max_seconds
    ):
        for name, (model, fit_x) in configs.items():
            w, c = timed_fit(model, fit_x, y, args.batch_size)
            wall[name].append(w)
            cpu[name].append(c)
        cycles += 1

    print(f"\n{cycles} timing cycles\n")
    print("| configuration | wall ms / step | CPU ms / step |")
    print("|---|---:|---:|")
    for name in configs:
        wall_ms = 1000 * statistics.median(wall[name]) / args.steps
        cpu_ms = 1000 * statistics.median(cpu[name]) / args.steps
        print(f"| {name} | {wall_ms:.1f} | {cpu_ms:.1f} |")
    print()
    print("| ratio | wall (median) | CPU (median) | target | verdict |")
    print("|---|---:|---:|---:|---|")
    all_pass = True
    for label, candidate, baseline, target in COMPARISONS:
        wall_ratio = median_ratio(wall[candidate], wall[baseline])
        cpu_ratio = median_ratio(cpu[candidate], cpu[baseline])
        if target is None:
            target_text, verdict = "-", "for information"
        else:
            passed = wall_ratio <= target
            all_pass = all_pass and passed
            target_text = f"<= {target:.2f}"
            verdict = "PASS" if passed else "ABOVE TARGET"
        print(
            f"| {label} | {wall_ratio:.3f} | {cpu_ratio:.3f} "
            f"| {target_text} | {verdict} |"
        )
    print(f"\ntotal time: {time.perf_counter() - start:.0f} s")
    return 0 if all_pass else 1


if __name__ == "__main__":
    sys.exit(main())
