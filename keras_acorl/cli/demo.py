"""`keras-acorl demo`: ACoRL fusion against traditional fusion on MNIST-5k.

Trains two base models, then two new models of the same architecture: one
independently ("traditional" multi-model fusion) and one as an ACoRL
alliance against the frozen base models. Reports each model's test accuracy,
both fusions, and how similar each new model's embedding is to the bases'
(linear CKA, linear probe R²). Writes training curves (PNG), `report.md`
and `results.json` into the output directory.
"""

import argparse
import contextlib
import json
import logging
import os
import time

QUICK_ENV = "KERAS_ACORL_QUICK"
DEFAULT_OUTPUT_DIR = os.path.join("outputs", "demo")
DEFAULT_ADVERSARIAL_WEIGHT = 0.5

# Model names, in table order.
BASE_A = "base_a"
BASE_B = "base_b"
INDEPENDENT = "independent"
ALLIANCE = "alliance"
TRADITIONAL_FUSION = "traditional_fusion"
ACORL_FUSION = "acorl_fusion"

_DESCRIPTIONS = {
    BASE_A: "base A (small_cnn, width 8)",
    BASE_B: "base B (small_cnn, width 12)",
    INDEPENDENT: "independent (small_cnn, width 8)",
    ALLIANCE: "ACoRL alliance (small_cnn, width 8)",
    TRADITIONAL_FUSION: "traditional fusion (A + B + independent)",
    ACORL_FUSION: "ACoRL fusion (A + B + alliance)",
}


def quick_mode_from_env():
    """True when the environment variable `KERAS_ACORL_QUICK` is set to a
    true value (`1`, `true`, `yes`)."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    return value in ("1", "true", "yes", "on")


def _positive_int(text):
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a positive int, got {text!r}"
        )
    return value


def _non_negative_float(text):
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not value >= 0.0 or value == float("inf"):
        raise argparse.ArgumentTypeError(
            f"expected a finite float >= 0, got {text!r}"
        )
    return value


def register(subparsers):
    """Adds the `demo` subcommand to `subparsers`."""
    parser = subparsers.add_parser(
        "demo",
        help="ACoRL fusion vs. traditional fusion on MNIST-5k (offline).",
        description=__doc__,
    )
    parser.add_argument(
        "--output-dir",
        default=DEFAULT_OUTPUT_DIR,
        help="Where to write report.md, results.json and the PNG curves. "
        "Default: outputs/demo.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"Small data and few epochs (< 60 s). Also enabled by "
        f"{QUICK_ENV}=1.",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="Random seed. Default: 0."
    )
    parser.add_argument(
        "--epochs",
        type=_positive_int,
        default=None,
        help="Epochs per model. Default: 8 (2 with --quick).",
    )
    parser.add_argument(
        "--adversarial-weight",
        type=_non_negative_float,
        default=DEFAULT_ADVERSARIAL_WEIGHT,
        help="Weight of the adversarial loss of the alliance. Default: "
        f"{DEFAULT_ADVERSARIAL_WEIGHT}.",
    )
    parser.add_argument(
        "--batch-size",
        type=_positive_int,
        default=None,
        help="Batch size. Default: 64 (32 with --quick).",
    )
    parser.set_defaults(func=_run_from_args)
    return parser


def _run_from_args(args):
    run_demo(
        output_dir=args.output_dir,
        quick=args.quick or quick_mode_from_env(),
        seed=args.seed,
        epochs=args.epochs,
        adversarial_weight=args.adversarial_weight,
        batch_size=args.batch_size,
    )
    return 0


class _Stages:
    """Prints one line per stage with the elapsed time."""

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


def run_demo(
    output_dir=DEFAULT_OUTPUT_DIR,
    quick=False,
    seed=0,
    epochs=None,
    adversarial_weight=DEFAULT_ADVERSARIAL_WEIGHT,
    batch_size=None,
    learning_rate=5e-3,
    verbose=True,
):
    """Runs the demo and writes its report; see the module docstring.

    Args:
        output_dir: string. Directory for `report.md`, `results.json` and
            `training_curves.png`; created if needed.
        quick: bool. A smoke test in under a minute: 1024 training and 476
            test images, 2 epochs, batches of 32, no per-epoch test.
        seed: int. Seed of the data split, initializations and shuffles.
        epochs: int or None. Epochs per model. None: 8, or 2 when `quick`.
        adversarial_weight: float >= 0. Weight of the alliance's
            adversarial loss.
        batch_size: int or None. Batch size of every training run. None:
            64, or 32 when `quick`.
        learning_rate: float. Initial learning rate of Adam, decayed to 0
            along a cosine over each training run.
        verbose: bool. Print a line per stage, per epoch and the table.

    Returns:
        dict with `config`, `accuracy` (per model and fusion), `cka` and
        `probe_r2` (per new model), `seconds` and the file paths.

    Example:

    ```python
    from keras_acorl.cli.demo import run_demo

    results = run_demo("outputs/demo", quick=True)
    results["accuracy"]["acorl_fusion"]
    ```
    """
    import keras

    import keras_acorl
    from keras_acorl.datasets import load_mnist5k
    from keras_acorl.zoo import small_cnn
    from keras_acorl.zoo import split_encoder_head

    start = time.perf_counter()
    if epochs is None:
        epochs = 2 if quick else 8
    if batch_size is None:
        batch_size = 32 if quick else 64
    stage = _Stages(total=7, verbose=verbose)
    fit_verbose = 2 if verbose else 0
    os.makedirs(output_dir, exist_ok=True)

    stage(f"Loading MNIST-5k (backend: {keras.backend.backend()})")
    (x_train, y_train), (x_test, y_test) = load_mnist5k(seed=seed)
    if quick:
        # Sizes that fill every batch: no recompilation for a last, smaller
        # batch on JAX.
        x_train, y_train = x_train[:1024], y_train[:1024]
        x_test, y_test = x_test[:476], y_test[:476]
    input_shape, num_classes = x_train.shape[1:], 10

    steps = epochs * -(-len(x_train) // batch_size)

    def train(model, model_seed, callbacks=()):
        keras.utils.set_random_seed(model_seed)
        schedule = keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        model.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        history = model.fit(
            x_train,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            # Quick mode skips the per-epoch test (one compilation less).
            validation_data=None if quick else (x_test, y_test),
            callbacks=list(callbacks),
            verbose=fit_verbose,
        )
        return {k: [float(v) for v in vs] for k, vs in history.history.items()}

    def build(width, model_seed, name):
        keras.utils.set_random_seed(model_seed)
        return small_cnn(input_shape, num_classes, width=width, name=name)

    histories = {}
    stage("Training base model A (small_cnn, width 8)")
    base_a = build(8, seed + 1, BASE_A)
    histories[BASE_A] = train(base_a, seed + 1)
    stage("Training base model B (small_cnn, width 12)")
    base_b = build(12, seed + 2, BASE_B)
    histories[BASE_B] = train(base_b, seed + 2)

    # Same architecture, initialization and batch order for the two new
    # models: the adversarial loss is the only difference.
    stage("Training the independent model (small_cnn, width 8)")
    independent = build(8, seed + 3, INDEPENDENT)
    histories[INDEPENDENT] = train(independent, seed + 3)

    stage(
        "Training the ACoRL alliance (small_cnn, width 8) against the "
        f"frozen bases, adversarial weight {adversarial_weight}"
    )
    encoder, head = split_encoder_head(build(8, seed + 3, ALLIANCE))
    acorl = keras_acorl.ComplementaryModel(
        base_models=[base_a, base_b],
        alliance=encoder,
        head=head,
        base_representation="embedding",
        adversarial_weight=adversarial_weight,
        adversarial_loss="cosine",
    )
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(
        keras_acorl.schedules.DANNRamp()
    )
    histories[ALLIANCE] = train(acorl, seed + 3, callbacks=[scheduler])

    stage("Evaluating the models, the fusions and their embeddings")
    members = {
        BASE_A: _scores_and_embedding(base_a),
        BASE_B: _scores_and_embedding(base_b),
        INDEPENDENT: _scores_and_embedding(independent),
        ALLIANCE: _scores_and_embedding(acorl.classifier, acorl.encoder),
    }
    fusions = {
        TRADITIONAL_FUSION: keras_acorl.FusionEnsemble(
            [base_a, base_b, independent], method="mean_probs"
        ),
        ACORL_FUSION: keras_acorl.FusionEnsemble(
            [base_a, base_b, acorl.classifier], method="mean_probs"
        ),
    }
    with _quiet_tensorflow_warnings():
        accuracy, cka, probe_r2 = _evaluate(
            members, fusions, x_train, x_test, y_test
        )

    stage(f"Writing the report to {output_dir}")
    seconds = time.perf_counter() - start
    config = {
        "backend": keras.backend.backend(),
        "quick": bool(quick),
        "seed": seed,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "adversarial_weight": adversarial_weight,
        "train_samples": len(x_train),
        "test_samples": len(x_test),
    }
    accuracy = {name: accuracy[name] for name in _DESCRIPTIONS}
    table = format_table(accuracy, cka, probe_r2)
    curves_path = os.path.join(output_dir, "training_curves.png")
    _plot_curves(histories, curves_path)
    report_path = os.path.join(output_dir, "report.md")
    with open(report_path, "w") as f:
        f.write(_report(config, accuracy, table, seconds))
    results = {
        "config": config,
        "accuracy": accuracy,
        "cka": cka,
        "probe_r2": probe_r2,
        "histories": histories,
        "seconds": seconds,
        "report": report_path,
        "curves": curves_path,
    }
    results_path = os.path.join(output_dir, "results.json")
    with open(results_path, "w") as f:
        json.dump(results, f, indent=2)
    if verbose:
        print()
        print(table)
        print(_fusion_gain(accuracy))
        print(f"\nDone in {seconds:.0f} s. Report: {report_path}")
    return results


def _scores_and_embedding(model, encoder=None):
    """`keras.Model` from the inputs to `[scores, embedding]`, sharing the
    trunk (one forward pass for both). `encoder`: a model whose output is
    the embedding, in `model`'s graph; None: `model`'s "embedding" layer."""
    import keras

    if encoder is None:
        embedding = model.get_layer("embedding").output
    else:
        embedding = encoder.output
    return keras.Model(model.input, [model.output, embedding])


@contextlib.contextmanager
def _quiet_tensorflow_warnings():
    """Hides TensorFlow's "tf.function retracing" warnings, expected when
    several models predict one after the other. Does not import TF."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def _evaluate(members, fusions, x_train, x_test, y_test):
    """Test accuracy of every model and fusion; CKA of every embedding to
    the bases' (test images); probe R² of the new models' embeddings from
    the bases' (fit on the training images).

    `members`: `{name: model -> [scores, embedding]}`; `fusions`:
    `{name: model -> scores}`.
    """
    import keras
    import numpy as np

    from keras_acorl.metrics import linear_cka
    from keras_acorl.metrics import linear_probe_r2

    def predict(models, x):
        """`{name: outputs}` of several models from one `predict` call."""
        inputs = keras.Input(shape=x.shape[1:])
        combined = keras.Model(
            inputs, {name: model(inputs) for name, model in models.items()}
        )
        # Equal batches: one compilation per split on JAX.
        batch_size = len(x) if len(x) <= 1024 else 500
        return combined.predict(x, batch_size=batch_size, verbose=0)

    train = predict(members, x_train)
    test = predict({**members, **fusions}, x_test)
    embeddings = {
        split: {name: out[name][1] for name in members}
        for split, out in (("train", train), ("test", test))
    }

    def accuracy_of(scores):
        return float(np.mean(np.argmax(scores, axis=-1) == y_test))

    accuracy = {name: accuracy_of(test[name][0]) for name in members}
    for name in fusions:
        accuracy[name] = accuracy_of(test[name])

    test_embeddings = embeddings["test"]
    cka = {
        name: {
            base: linear_cka(test_embeddings[name], test_embeddings[base])
            for base in (BASE_A, BASE_B)
            if base != name
        }
        for name in members
    }

    def bases(split):
        return np.concatenate(
            [embeddings[split][BASE_A], embeddings[split][BASE_B]], axis=1
        )

    # How much of each new embedding the bases' embeddings already hold.
    probe_r2 = {
        name: linear_probe_r2(
            bases("train"),
            embeddings["train"][name],
            bases("test"),
            test_embeddings[name],
        )
        for name in (INDEPENDENT, ALLIANCE)
    }
    return accuracy, cka, probe_r2


def _fmt(value):
    return "" if value is None else f"{value:.3f}"


def format_table(accuracy, cka, probe_r2):
    """The results as a Markdown table, one row per model and fusion."""
    lines = [
        "| Model | Test accuracy | CKA to base A | CKA to base B "
        "| Probe R² from bases |",
        "|---|---|---|---|---|",
    ]
    for name, description in _DESCRIPTIONS.items():
        similarity = cka.get(name, {})
        lines.append(
            f"| {description} | {accuracy[name]:.4f} "
            f"| {_fmt(similarity.get(BASE_A))} "
            f"| {_fmt(similarity.get(BASE_B))} "
            f"| {_fmt(probe_r2.get(name))} |"
        )
    return "\n".join(lines)


def _fusion_gain(accuracy):
    gain = 100.0 * (accuracy[ACORL_FUSION] - accuracy[TRADITIONAL_FUSION])
    return (
        f"ACoRL fusion - traditional fusion: {gain:+.1f} points of test "
        "accuracy."
    )


def _report(config, accuracy, table, seconds):
    return "\n".join(
        [
            "# keras-acorl demo: ACoRL vs. traditional fusion on MNIST-5k",
            "",
            f"Backend `{config['backend']}`, seed {config['seed']}, "
            f"{config['epochs']} epochs, batch size {config['batch_size']}, "
            f"adversarial weight {config['adversarial_weight']}, "
            f"{config['train_samples']} training and "
            f"{config['test_samples']} test images"
            + (" (quick mode)" if config["quick"] else "")
            + f". Run time {seconds:.0f} s.",
            "",
            table,
            "",
            _fusion_gain(accuracy),
            "",
            "- Fusion averages the members' probabilities "
            '(`keras_acorl.FusionEnsemble(method="mean_probs")`).',
            "- The independent model and the alliance share architecture, "
            "initialization and batch order; only the alliance's "
            "adversarial loss against the frozen bases differs.",
            "- CKA: linear CKA of the model's `embedding` to each base's "
            "on the test images (1 = same representation up to rotation "
            "and scale).",
            "- Probe R²: held-out R² of a ridge probe predicting the "
            "model's embedding from the two bases' embeddings (fit on the "
            "training images). Lower: more of what the model knows is "
            "missing from the bases.",
            "- One seed at this scale is noisy (about ±0.3 points); "
            "compare means over seeds (`--seed`).",
            "",
            "![Training curves](training_curves.png)",
            "",
        ]
    )


def _plot_curves(histories, path):
    """Accuracy, training loss and the alliance's adversarial terms per
    epoch, as a PNG (matplotlib's Agg canvas, no display needed)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(13, 4), layout="constrained")
    acc_axis, loss_axis, adv_axis = figure.subplots(1, 3)
    for name, history in histories.items():
        epochs = range(1, len(history["loss"]) + 1)
        (line,) = acc_axis.plot(
            epochs, history["accuracy"], linestyle="--", label=name
        )
        if "val_accuracy" in history:
            acc_axis.plot(
                epochs, history["val_accuracy"], color=line.get_color()
            )
        loss_axis.plot(
            epochs, history["loss"], color=line.get_color(), label=name
        )
        if name == ALLIANCE:
            for key in sorted(history):
                if key.startswith(("adversar", "gradient")):
                    adv_axis.plot(epochs, history[key], marker="o", label=key)
    acc_axis.set(title="Accuracy (dashed: train, solid: test)")
    loss_axis.set(title="Training loss (alliance: task + adversarial)")
    adv_axis.set(title="Alliance: adversarial terms")
    for axis in (acc_axis, loss_axis, adv_axis):
        axis.set(xlabel="epoch")
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize="small")
        axis.grid(alpha=0.3)
    figure.savefig(path, dpi=100)
