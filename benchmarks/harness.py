"""Interleaved timing shared by the benchmarks of this folder.

`measure(configs)` warms every configuration up (tracing, compilation),
then runs them in cycles, the order rotated each cycle, so that a busy
machine slows them all alike, and keeps the wall-clock and CPU seconds of
every run. `ratio_rows` gives, per comparison, the median over cycles of
candidate / baseline timed in the same cycle. Peak memory is the peak
resident set size of the process (`resource.getrusage`): it only grows,
so it is read after each configuration's warm-up, in construction order.
"""

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time

import keras
import numpy as np

import keras_acorl
from keras_acorl.zoo import small_cnn
from keras_acorl.zoo import split_encoder_head


def parser(
    description, repeats=9, max_seconds=150.0, samples=2048, batch_size=64
):
    """The options every benchmark takes: `--repeats`, `--max-seconds`,
    `--quick`, `--samples` and `--batch-size`."""
    result = argparse.ArgumentParser(description=description)
    result.add_argument(
        "--repeats", type=int, default=repeats, help="Most timing cycles."
    )
    result.add_argument(
        "--max-seconds",
        type=float,
        default=max_seconds,
        help="Stop cycling after this long (at least 3 cycles run).",
    )
    result.add_argument(
        "--quick",
        action="store_true",
        help="Smoke test: tiny data, 3 cycles (the numbers mean nothing).",
    )
    result.add_argument("--samples", type=int, default=samples)
    result.add_argument("--batch-size", type=int, default=batch_size)
    return result


def parse(argument_parser, argv=None):
    """`argument_parser.parse_args(argv)`, with `--quick` applied (256
    samples, 3 cycles), after seeding Keras with 0."""
    args = argument_parser.parse_args(argv)
    if args.quick:
        args.samples, args.repeats = 256, 3
    keras.utils.set_random_seed(0)
    return args


def peak_memory_mb():
    """Peak resident set size of this process so far, in MiB."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def machine():
    """`lscpu` model name, cores, load average, versions."""
    model = platform.processor() or platform.machine()
    try:
        output = subprocess.run(
            ["lscpu"], capture_output=True, text=True, check=False
        ).stdout
        for line in output.splitlines():
            if line.startswith("Model name:"):
                model = line.split(":", 1)[1].strip()
    except OSError:
        pass
    load = ", ".join(f"{v:.1f}" for v in os.getloadavg())
    return (
        f"{model}, {os.cpu_count()} cores, load average {load}; "
        f"backend {keras.backend.backend()}, keras {keras.__version__}, "
        f"Python {platform.python_version()}"
    )


def measure(configs, repeats, max_seconds, warmups=2):
    """`configs`: `{name: run}` (`run()` does the timed work once).

    Returns `({name: [wall seconds]}, {name: [CPU seconds]},
    {name: peak MiB after its warm-up})`.
    """
    names = list(configs)
    peaks = {}
    for name in names:
        for _ in range(warmups):
            configs[name]()
        peaks[name] = peak_memory_mb()
    walls = {name: [] for name in names}
    cpus = {name: [] for name in names}
    start = time.perf_counter()
    for cycle in range(repeats):
        order = names[cycle % len(names) :] + names[: cycle % len(names)]
        for name in order:
            wall, cpu = time.perf_counter(), time.process_time()
            configs[name]()
            walls[name].append(time.perf_counter() - wall)
            cpus[name].append(time.process_time() - cpu)
        if cycle >= 2 and time.perf_counter() - start > max_seconds:
            break
    return walls, cpus, peaks


def run(configs, args, title, workload):
    """Prints the title (with `machine()`) and the workload line, times
    `configs` (see `measure`) and prints their times, each run counting
    `args.samples` samples. Returns `(walls, cpus)`."""
    print(f"## {title} ({machine()})\n")
    print(f"{workload}\n")
    walls, cpus, peaks = measure(configs, args.repeats, args.max_seconds)
    print_times(walls, cpus, peaks, dict.fromkeys(configs, args.samples))
    print()
    return walls, cpus


def exit_status(met, args):
    """0 when every target is met (or for `--quick`), else 1."""
    return 0 if met or args.quick else 1


def median_ratio(candidate, baseline):
    return statistics.median(c / b for c, b in zip(candidate, baseline))


def verdict(ratio, target):
    if target is None:
        return ""
    return "PASS" if ratio <= target else "ABOVE TARGET"


def print_times(walls, cpus, peaks, samples):
    """Per configuration: median ms per run, samples/s, peak memory."""
    print(
        "| configuration | median ms (wall) | median ms (CPU) | samples/s "
        "| peak RSS MiB |"
    )
    print("|---|---:|---:|---:|---:|")
    for name in walls:
        wall = statistics.median(walls[name])
        cpu = statistics.median(cpus[name])
        print(
            f"| {name} | {1000 * wall:.1f} | {1000 * cpu:.1f} | "
            f"{samples[name] / wall:.0f} | {peaks[name]:.0f} |"
        )


def print_ratios(rows, walls, cpus):
    """`rows`: `(label, candidate, baseline, target or None)`. Returns
    whether every target is met."""
    print("| ratio | target | wall (median over cycles) | CPU | verdict |")
    print("|---|---:|---:|---:|---|")
    met = True
    for label, candidate, baseline, target in rows:
        wall = median_ratio(walls[candidate], walls[baseline])
        cpu = median_ratio(cpus[candidate], cpus[baseline])
        text = verdict(wall, target)
        met = met and text != "ABOVE TARGET"
        shown = "-" if target is None else f"<= {target:.2f}"
        print(f"| {label} | {shown} | {wall:.3f} | {cpu:.3f} | {text} |")
    cycles = min(len(v) for v in walls.values())
    print(f"\n{cycles} timing cycles (interleaved, medians).")
    return met


# Shared workload: synthetic 28x28 grey images, small CNNs.
INPUT_SHAPE = (28, 28, 1)
NUM_CLASSES = 10


def image_data(samples, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.random((samples, *INPUT_SHAPE), dtype=np.float32)
    y = rng.integers(0, NUM_CLASSES, samples).astype("int32")
    return x, y


def sparse_ce():
    return keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def cnn(width, name):
    return small_cnn(INPUT_SHAPE, NUM_CLASSES, width=width, name=name)


def alliance_and_classifier(width=8, name="alliance"):
    """An alliance encoder + head (sharing one small CNN's layers) and a
    plain classifier of the same architecture with the same initial
    weights."""
    classifier = cnn(width, f"{name}_plain")
    model = cnn(width, name)
    model.set_weights(classifier.get_weights())
    encoder, head = split_encoder_head(model)
    return encoder, head, classifier


def complementary(bases, name, schedule="dann", total_steps=10**6):
    """A compiled `ComplementaryModel` over the frozen `bases` (their
    `"embedding"` layers), alliance from `alliance_and_classifier`.
    `schedule`: `"dann"` (`schedules.DANNRamp()`, the default) or None."""
    encoder, head, _ = alliance_and_classifier(name=name)
    model = keras_acorl.ComplementaryModel(
        bases,
        encoder,
        head=head,
        base_representation="embedding",
        gradient_reversal_schedule=(
            keras_acorl.schedules.DANNRamp() if schedule == "dann" else None
        ),
        total_steps=total_steps if schedule == "dann" else None,
        name=f"acorl_{name}",
    )
    model.compile(optimizer="adam", loss=sparse_ce())
    return model


def fit_epoch(model, x, y=None, batch_size=64):
    """One epoch of `model.fit`, in order, silent."""
    data = (x,) if y is None else (x, y)
    model.fit(*data, batch_size=batch_size, shuffle=False, epochs=1, verbose=0)
