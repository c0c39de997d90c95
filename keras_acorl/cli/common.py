"""Pieces shared by the command-line jobs: argument types, progress lines,
backend selection, evaluation helpers."""

import argparse
import contextlib
import inspect
import logging
import os
import subprocess
import sys
import time

BACKENDS = ("tensorflow", "jax", "torch")


def positive_int(text):
    """argparse type: an int >= 1."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive int, got {text!r}"
        )
    return value


def seed(text):
    """argparse type: an int in [0, 2**32) (a NumPy / TensorFlow seed)."""
    try:
        value = int(text)
    except ValueError:
        value = -1
    if not 0 <= value < 2**32:
        raise argparse.ArgumentTypeError(
            f"expected a seed, an int in [0, 2**32), got {text!r}"
        )
    return value


class DistinctValues(argparse.Action):
    """argparse action of `nargs="+"` options whose values must differ
    (`--seeds 0 0` would run the same seed twice)."""

    def __call__(self, parser, namespace, values, option_string=None):
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            parser.error(
                f"argument {option_string}: values must be distinct, got "
                f"{' '.join(map(str, values))} (repeated: "
                f"{' '.join(map(str, repeated))})"
            )
        setattr(namespace, self.dest, list(values))


def check_seeds(seeds, argument="seeds"):
    """`seeds` (an iterable of ints) as a list of distinct seeds."""
    from keras_acorl.argument_checks import check_seed

    seeds = [check_seed(s, f"{argument}[{i}]") for i, s in enumerate(seeds)]
    if len(set(seeds)) != len(seeds):
        raise ValueError(
            f"`{argument}` must be distinct: each seed runs once. "
            f"Received: {seeds}"
        )
    return seeds


def check_dataset(dataset, names):
    """`dataset` must be one of `names` or an existing folder."""
    if dataset not in names and not os.path.isdir(dataset):
        kind = "is a file" if os.path.exists(dataset) else "does not exist"
        raise FileNotFoundError(
            f"`--dataset` must be one of {names} or an existing folder of "
            f"class subfolders. {dataset} {kind}."
        )
    return dataset


def non_negative_float(text):
    """argparse type: a finite float >= 0."""
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0.0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"expected a finite float >= 0, got {text!r}"
        )
    return value


def parse_objectives(items):
    """`[(name, weight or None), ...]` from objective names or
    `"name=weight"` strings (a comma-separated string is split)."""
    from keras_acorl.argument_checks import check_non_negative
    from keras_acorl.objectives import OBJECTIVES

    if isinstance(items, str):
        items = [item for item in items.split(",") if item.strip()]
    items = list(items)
    if not items:
        raise ValueError(
            "`objectives` must name at least one objective. Received: "
            f"{items!r}"
        )
    parsed = []
    for item in items:
        if isinstance(item, (tuple, list)):
            name, weight = item
        else:
            name, _, text = str(item).strip().partition("=")
            weight = None
            if text:
                try:
                    weight = float(text)
                except ValueError:
                    weight = text
        if name not in OBJECTIVES:
            raise ValueError(
                f"`objectives` entries must be one of {sorted(OBJECTIVES)}, "
                f"optionally with '=weight'. Received: {item!r}"
            )
        if weight is not None:
            weight = check_non_negative(weight, f"objectives[{name}]")
        parsed.append((name, weight))
    names = [name for name, _ in parsed]
    if len(set(names)) != len(names):
        raise ValueError(f"`objectives` must be distinct. Received: {items!r}")
    return parsed


def objectives_type(text):
    """argparse type of `--objectives`."""
    try:
        return parse_objectives(text)
    except (TypeError, ValueError) as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def add_objectives_argument(parser, default):
    """`--objectives` of the `reproduce` jobs: comma-separated
    complementarity objectives, one alliance each (`parse_objectives`;
    None when not given). `default`: the objective names used then."""
    parser.add_argument(
        "--objectives",
        type=objectives_type,
        default=None,
        help="Comma-separated complementarity objectives, one alliance "
        "each, e.g. adversarial,ensemble=1.0 (a weight after '=' replaces "
        "--adversarial-weight for that objective). Default: "
        f"{','.join(default)}.",
    )


class Stages:
    """Prints one numbered line per stage with the elapsed time."""

    def __init__(self, total, verbose):
        self.total = total
        self.count = 0
        self.verbose = verbose
        self.start = time.perf_counter()

    def __call__(self, message):
        self.count += 1
        if self.verbose:
            elapsed = time.perf_counter() - self.start
            print(
                f"[{self.count}/{self.total}] {message} ({elapsed:.0f} s)",
                flush=True,
            )


def add_positive_int_arguments(parser, options):
    """Options taking an int >= 1 (`positive_int`): `options` is a list of
    `(flag, default, help)`."""
    for flag, default, text in options:
        parser.add_argument(flag, type=positive_int, default=default, help=text)


def add_seeds_argument(parser, help):
    """`--seeds`: one or more distinct seeds (None when not given)."""
    parser.add_argument(
        "--seeds",
        type=seed,
        nargs="+",
        action=DistinctValues,
        default=None,
        help=help,
    )


def add_backend_argument(parser):
    """`--backend`, the same option for every job that trains or loads
    models (`rerun_with_backend` acts on it)."""
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="Keras backend. Default: KERAS_BACKEND or Keras' default.",
    )


def call_with_options(function, args, **keywords):
    """`function(**keywords)`, with each of its other parameters taken from
    the option of the same name of the parsed command line `args`, where
    there is one.

    A subcommand's options are named like the parameters of the function
    it runs, so its `run_from_args` names only the values it computes.
    """
    for name in inspect.signature(function).parameters:
        if name not in keywords and hasattr(args, name):
            keywords[name] = getattr(args, name)
    return function(**keywords)


def rerun_with_backend(backend, argv):
    """Runs `keras-acorl <argv>` again with `KERAS_BACKEND=backend` when
    Keras already runs on another backend (the backend is fixed when Keras
    is imported, which importing `keras_acorl` does).

    Returns:
        None when the current process already uses `backend` (go on here),
        else the exit status of the child process.
    """
    if backend is None:
        return None
    if backend not in BACKENDS:
        raise ValueError(
            f"`backend` must be one of {BACKENDS}. Received: {backend!r}"
        )
    if "keras" not in sys.modules:
        os.environ["KERAS_BACKEND"] = backend
        return None
    import keras

    if keras.backend.backend() == backend:
        return None
    env = dict(os.environ, KERAS_BACKEND=backend)
    command = [sys.executable, "-m", "keras_acorl.cli.main", *argv]
    return subprocess.run(command, env=env, check=False).returncode


@contextlib.contextmanager
def quiet_tensorflow_warnings():
    """Hides TensorFlow's "tf.function retracing" warnings, expected when
    several models predict one after the other. Does not import TF."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def scores_and_embedding(model, encoder=None):
    """`keras.Model` from the inputs to `[scores, embedding]`, sharing the
    trunk (one forward pass for both). `encoder`: a model whose output is
    the embedding, in `model`'s graph; None: `model`'s "embedding" layer."""
    import keras

    if encoder is None:
        embedding = model.get_layer("embedding").output
    else:
        embedding = encoder.output
    return keras.Model(model.input, [model.output, embedding])


def predict_all(models, x):
    """`{name: outputs}` of several models on `x` from one `predict` call
    (one compilation)."""
    import keras

    inputs = keras.Input(shape=x.shape[1:])
    combined = keras.Model(
        inputs, {name: model(inputs) for name, model in models.items()}
    )
    # Equal batches: one compilation per split on JAX.
    batch_size = len(x) if len(x) <= 1024 else 500
    return combined.predict(x, batch_size=batch_size, verbose=0)


def plain_history(history):
    """A `keras.callbacks.History`'s logs as `{name: [float, ...]}` (JSON
    ready)."""
    return {k: [float(v) for v in vs] for k, vs in history.history.items()}
