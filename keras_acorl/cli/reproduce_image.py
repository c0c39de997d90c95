"""`keras-acorl reproduce image`: ACoRL fusion vs. traditional fusion on
images, over several seeds.

For every seed: trains K base models of different families, then two new
models of one architecture, an independent one ("traditional" multi-model
fusion) and an ACoRL alliance trained against the frozen bases, and a MEAL
student that starts from the independent model and is distilled from the
bases (no labels; MEAL V2 style). Evaluates every model, the
fusions (bases alone; bases + independent; bases + alliance) and the
student; reports mean ± standard deviation over seeds, linear CKA between
all representations, and writes `report.md`, `results.json` and PNG plots
to the output folder. Every trained model is kept as `.keras` under
`<output>/checkpoints/<config hash>/`; a re-run (or a resumed, interrupted
run) reuses them.
"""

import json
import os
import time

from keras_acorl.cli import common
from keras_acorl.cli import complementarity_section

QUICK_ENV = "KERAS_ACORL_QUICK"
DEFAULT_OUTPUT_DIR = os.path.join("outputs", "reproduce_image")
DEFAULT_DATASET = "cluttered_mnist5k"
DATASETS = ("mnist5k", "digits", "cluttered_mnist5k", "cluttered_digits")
DEFAULT_BASES = ("cnn", "resnet")
DEFAULT_ADVERSARIAL_WEIGHT = 0.5
DEFAULT_EPOCHS = 5

# Model families: name -> (description, builder keyword arguments).
FAMILIES = {
    "cnn": "small_cnn, width 16",
    "cnn_narrow": "small_cnn, width 8",
    "resnet": "keras-hub ResNetBackbone, one basic block of 64 filters",
    "mobilenet": "keras.applications MobileNetV3Small (minimalistic)",
}
NEW_FAMILY = "cnn_narrow"

INDEPENDENT = "independent"
ALLIANCE = "alliance"
STUDENT = "student"
BASE_FUSION = "base_fusion"
TRADITIONAL_FUSION = "traditional_fusion"
ACORL_FUSION = "acorl_fusion"


def quick_mode_from_env():
    """True when the environment variable `KERAS_ACORL_QUICK` is set to a
    true value (`1`, `true`, `yes`, `on`)."""
    value = os.environ.get(QUICK_ENV, "").strip().lower()
    return value in ("1", "true", "yes", "on")


def add_arguments(parser, default_output_dir=DEFAULT_OUTPUT_DIR):
    """Adds the options of `reproduce image` to an argparse `parser`."""
    parser.add_argument(
        "--output-dir",
        default=default_output_dir,
        help="Where to write report.md, results.json, the PNG plots and "
        f"the checkpoints. Default: {default_output_dir}.",
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="A smoke test: 256 training and 128 test images, 1 epoch, "
        f"seed 0. Also enabled by {QUICK_ENV}=1.",
    )
    parser.add_argument(
        "--seeds",
        type=common.seed,
        nargs="+",
        action=common.DistinctValues,
        default=None,
        help="Seeds to run. Default: 0 1 2 (0 with --quick).",
    )
    common.add_backend_argument(parser)
    parser.add_argument(
        "--dataset",
        default=DEFAULT_DATASET,
        help=f"One of {', '.join(DATASETS)}, or a folder with one "
        f"subfolder of images per class. Default: {DEFAULT_DATASET}.",
    )
    parser.add_argument(
        "--image-size",
        type=common.positive_int,
        default=32,
        help="Side images of a class folder are resized to. Default: 32.",
    )
    parser.add_argument(
        "--bases",
        nargs="+",
        choices=sorted(FAMILIES),
        default=list(DEFAULT_BASES),
        help="Families of the base models, one model each. Default: "
        f"{' '.join(DEFAULT_BASES)}.",
    )
    parser.add_argument(
        "--epochs",
        type=common.positive_int,
        default=None,
        help=f"Epochs per model. Default: {DEFAULT_EPOCHS} (1 with --quick).",
    )
    parser.add_argument(
        "--batch-size",
        type=common.positive_int,
        default=64,
        help="Batch size. Default: 64.",
    )
    parser.add_argument(
        "--adversarial-weight",
        type=common.non_negative_float,
        default=DEFAULT_ADVERSARIAL_WEIGHT,
        help="Weight of the alliance's adversarial loss. Default: "
        f"{DEFAULT_ADVERSARIAL_WEIGHT}.",
    )
    parser.set_defaults(func=run_from_args)


def register(subparsers):
    """Adds the `image` task to the `reproduce` subparsers."""
    parser = subparsers.add_parser(
        "image",
        help="ACoRL vs. traditional fusion and MEAL on images.",
        description=__doc__,
    )
    add_arguments(parser)
    return parser


def run_from_args(args):
    status = common.rerun_with_backend(args.backend, getattr(args, "argv", []))
    if status is not None:
        return status
    run_image_reproduction(
        output_dir=args.output_dir,
        dataset=args.dataset,
        seeds=args.seeds,
        quick=args.quick or quick_mode_from_env(),
        bases=args.bases,
        epochs=args.epochs,
        batch_size=args.batch_size,
        adversarial_weight=args.adversarial_weight,
        image_size=args.image_size,
    )
    return 0


def _build(family, input_shape, num_classes, name):
    from keras_acorl import zoo

    if family == "cnn":
        return zoo.small_cnn(input_shape, num_classes, width=16, name=name)
    if family == "cnn_narrow":
        return zoo.small_cnn(input_shape, num_classes, width=8, name=name)
    if family == "resnet":
        return zoo.resnet_classifier(input_shape, num_classes, name=name)
    if family == "mobilenet":
        return zoo.application_classifier(
            "MobileNetV3Small",
            input_shape,
            num_classes,
            name=name,
            minimalistic=True,
            include_preprocessing=False,
        )
    raise ValueError(
        f"Unknown model family {family!r}. Expected one of {sorted(FAMILIES)}."
    )


def pretrained_student(independent, build):
    """The MEAL student, built by `build(family, seed, name)` (the
    independent model's family) and holding a copy of `independent`'s
    trained weights, as MEAL V2 starts from a pre-trained student."""
    student = build(NEW_FAMILY, 0, STUDENT)
    student.set_weights(independent.get_weights())
    return student


def _load_data(dataset, seed, image_size):
    """`((x_train, y_train), (x_test, y_test), num_classes)` as numpy."""
    import numpy as np

    from keras_acorl import datasets

    loaders = {
        "mnist5k": datasets.load_mnist5k,
        "digits": datasets.load_digits,
        "cluttered_mnist5k": datasets.load_cluttered_mnist5k,
        "cluttered_digits": datasets.load_cluttered_digits,
    }
    if dataset in loaders:
        train, test = loaders[dataset](seed=seed)
        return train, test, 10
    common.check_dataset(dataset, DATASETS)
    train, test, classes = datasets.load_image_folder(
        dataset, image_size=(image_size, image_size), seed=seed
    )

    def to_numpy(ds):
        xs, ys = zip(*((np.asarray(x), np.asarray(y)) for x, y in ds))
        x = (np.concatenate(xs) / 255.0).astype("float32")
        return x, np.concatenate(ys).astype("int32")

    return to_numpy(train), to_numpy(test), len(classes)


def run_image_reproduction(
    output_dir=DEFAULT_OUTPUT_DIR,
    dataset=DEFAULT_DATASET,
    seeds=None,
    quick=False,
    bases=DEFAULT_BASES,
    epochs=None,
    batch_size=64,
    adversarial_weight=DEFAULT_ADVERSARIAL_WEIGHT,
    image_size=32,
    learning_rate=5e-3,
    verbose=True,
):
    """Runs the image reproduction and writes its report; see the module
    docstring.

    Args:
        output_dir: string. Folder of `report.md`, `results.json`, the PNG
            plots and `checkpoints/`; created if needed.
        dataset: `"mnist5k"`, `"digits"`, `"cluttered_mnist5k"`,
            `"cluttered_digits"` or a class-folder path.
        seeds: list of ints or None (`[0, 1, 2]`, `[0]` when `quick`).
            Each seed sets the data split, clutter, initializations and
            shuffles.
        quick: bool. 256 training and 128 test images, 1 epoch.
        bases: list of family names (`"cnn"`, `"cnn_narrow"`, `"resnet"`,
            `"mobilenet"`), one base model each.
        epochs: int or None. Epochs per model. None: 5 (1 when `quick`).
        batch_size: int. Batch size of every training run.
        adversarial_weight: float >= 0. Weight of the alliance's adversarial
            loss.
        image_size: int. Side of class-folder images after resizing.
        learning_rate: float. Initial learning rate of Adam, decayed to 0
            along a cosine over each training run.
        verbose: bool. Print progress lines and the table.

    Returns:
        dict with `config`, `runs` (per seed: `accuracy`, `cka`,
        `probe_r2`, `histories`), `summary` (per row: mean, std, min, max)
        and the file paths.

    Example:

    ```python
    from keras_acorl.cli.reproduce_image import run_image_reproduction

    results = run_image_reproduction("outputs/repro", quick=True)
    results["summary"]["acorl_fusion"]["mean"]
    ```
    """
    import keras

    from keras_acorl.argument_checks import check_output_dir
    from keras_acorl.cli import image_report
    from keras_acorl.cli.checkpoints import CheckpointStore

    start = time.perf_counter()
    seeds = (
        common.check_seeds(seeds) if seeds else ([0] if quick else [0, 1, 2])
    )
    epochs = epochs or (1 if quick else DEFAULT_EPOCHS)
    bases = list(bases)
    if len(set(bases)) != len(bases) or not bases:
        raise ValueError(
            f"`bases` must be distinct family names. Received: {bases}"
        )
    config = {
        "backend": keras.backend.backend(),
        "dataset": dataset,
        "image_size": image_size,
        "quick": bool(quick),
        "bases": bases,
        "new_model": NEW_FAMILY,
        "student": NEW_FAMILY,
        "student_init": INDEPENDENT,
        "epochs": epochs,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "adversarial_weight": adversarial_weight,
    }
    # Bad input fails here, before a checkpoint manifest is written.
    common.check_dataset(dataset, DATASETS)
    check_output_dir(output_dir, "output_dir")
    store = CheckpointStore(
        os.path.join(output_dir, "checkpoints"), config, verbose=verbose
    )
    per_seed = len(bases) + 4
    stage = common.Stages(total=per_seed * len(seeds) + 1, verbose=verbose)
    if verbose:
        print(
            f"Backend: {config['backend']}; dataset: {dataset}; seeds: "
            f"{seeds}; checkpoints: {store.directory}",
            flush=True,
        )
    runs = {}
    for seed in seeds:
        runs[str(seed)] = _run_seed(
            seed, config, store, stage, learning_rate, verbose
        )

    stage(f"Writing the report to {output_dir}")
    seconds = time.perf_counter() - start
    config["seeds"] = seeds
    results = image_report.write_report(
        output_dir, config, runs, bases, seconds
    )
    if verbose:
        print()
        print(results["table"])
        print(results["gain"])
        print(f"\nDone in {seconds:.0f} s. Report: {results['report']}")
    return results


def _run_seed(seed, config, store, stage, learning_rate, verbose):
    import keras

    import keras_acorl

    (x_train, y_train), (x_test, y_test), num_classes = _load_data(
        config["dataset"], seed, config["image_size"]
    )
    if config["quick"]:
        x_train, y_train = x_train[:256], y_train[:256]
        x_test, y_test = x_test[:128], y_test[:128]
    config.update(
        train_samples=len(x_train),
        test_samples=len(x_test),
        num_classes=num_classes,
    )
    input_shape = x_train.shape[1:]
    epochs, batch_size = config["epochs"], config["batch_size"]
    steps = epochs * -(-len(x_train) // batch_size)
    validation = None if config["quick"] else (x_test, y_test)
    fit_verbose = 2 if verbose else 0

    def optimizer():
        return keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        )

    def fit(model, model_seed, callbacks=(), labels=True, **compile_kwargs):
        keras.utils.set_random_seed(model_seed)
        model.compile(optimizer=optimizer(), **compile_kwargs)
        history = model.fit(
            x_train,
            y_train if labels else None,
            batch_size=batch_size,
            epochs=epochs,
            validation_data=validation if labels else None,
            callbacks=list(callbacks),
            verbose=fit_verbose,
        )
        return common.plain_history(history)

    classification = dict(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )

    def build(family, model_seed, name):
        keras.utils.set_random_seed(model_seed)
        return _build(family, input_shape, num_classes, name)

    def train_or_reuse(name, description, train):
        stage(f"seed {seed}: {description}")
        return store.obtain(seed, name, train)

    models, histories = {}, {}
    base_names = []
    for k, family in enumerate(config["bases"]):
        name = f"base_{family}"
        base_names.append(name)
        model_seed = 1000 * seed + k + 1

        def train_base(family=family, name=name, model_seed=model_seed):
            model = build(family, model_seed, name)
            return model, fit(model, model_seed, **classification)

        models[name], histories[name] = train_or_reuse(
            name, f"base model {name} ({FAMILIES[family]})", train_base
        )
    new_seed = 1000 * seed + 100

    def train_independent():
        model = build(NEW_FAMILY, new_seed, INDEPENDENT)
        return model, fit(model, new_seed, **classification)

    models[INDEPENDENT], histories[INDEPENDENT] = train_or_reuse(
        INDEPENDENT,
        f"independent model ({FAMILIES[NEW_FAMILY]})",
        train_independent,
    )

    # Same architecture, initialization and batch order as the independent
    # model: the adversarial loss is the only difference.
    def train_alliance():
        full = build(NEW_FAMILY, new_seed, ALLIANCE)
        encoder, head = keras_acorl.zoo.split_encoder_head(full)
        acorl = keras_acorl.ComplementaryModel(
            base_models=[models[name] for name in base_names],
            alliance=encoder,
            head=head,
            base_representation="embedding",
            adversarial_weight=config["adversarial_weight"],
            adversarial_loss="cosine",
            gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
        )
        scheduler = keras_acorl.callbacks.GradientReversalScheduler()
        history = fit(acorl, new_seed, callbacks=[scheduler], **classification)
        # `full` shares the alliance's layers: it is the trained classifier.
        return full, history

    models[ALLIANCE], histories[ALLIANCE] = train_or_reuse(
        ALLIANCE,
        f"ACoRL alliance ({FAMILIES[NEW_FAMILY]}) against the frozen bases, "
        f"adversarial weight {config['adversarial_weight']}",
        train_alliance,
    )

    def train_student():
        # MEAL V2: the student starts from the trained independent model
        # (the same network trained on labels), then distils the default
        # recipe, "soft_mean": the bases' mean softmax at temperature 4,
        # no discriminator, no labels (the best of issue 14's sweep).
        student = pretrained_student(models[INDEPENDENT], build)
        distiller = keras_acorl.MEALDistiller(
            [models[name] for name in base_names], student, seed=new_seed
        )
        keras.utils.set_random_seed(new_seed + 1)
        distiller.compile(optimizer=optimizer())
        history = distiller.fit(
            x_train, batch_size=batch_size, epochs=epochs, verbose=fit_verbose
        )
        return student, common.plain_history(history)

    models[STUDENT], histories[STUDENT] = train_or_reuse(
        STUDENT,
        f"MEAL student ({FAMILIES[NEW_FAMILY]}) from the independent model, "
        "distilled from the bases, no labels",
        train_student,
    )

    members = {
        name: common.scores_and_embedding(model)
        for name, model in models.items()
    }
    base_models = [models[name] for name in base_names]
    fusions = {
        TRADITIONAL_FUSION: keras_acorl.FusionEnsemble(
            [*base_models, models[INDEPENDENT]], method="mean_probs"
        ),
        ACORL_FUSION: keras_acorl.FusionEnsemble(
            [*base_models, models[ALLIANCE]], method="mean_probs"
        ),
    }
    if len(base_models) > 1:
        fusions[BASE_FUSION] = keras_acorl.FusionEnsemble(
            base_models, method="mean_probs"
        )
    with common.quiet_tensorflow_warnings():
        result = _evaluate(
            members, fusions, base_names, x_train, x_test, y_test
        )
    result["histories"] = histories
    result.update(
        complementarity_section.measure(
            models, base_names, x_test, y_test, config["quick"]
        )
    )
    if verbose:
        accuracy = result["accuracy"]
        print(
            f"    seed {seed}: traditional fusion "
            f"{accuracy[TRADITIONAL_FUSION]:.4f}, ACoRL fusion "
            f"{accuracy[ACORL_FUSION]:.4f}",
            flush=True,
        )
    return result


def _evaluate(members, fusions, base_names, x_train, x_test, y_test):
    """Accuracy of every model and fusion on the test images; linear CKA
    between all members' embeddings (test images); held-out probe R² of
    the new models' embeddings from the bases' (fit on training images)."""
    import numpy as np

    from keras_acorl.analysis import cka_matrix
    from keras_acorl.analysis import linear_probe_r2

    train = common.predict_all(members, x_train)
    test = common.predict_all({**members, **fusions}, x_test)

    def accuracy_of(scores):
        return float(np.mean(np.argmax(scores, axis=-1) == y_test))

    accuracy = {name: accuracy_of(test[name][0]) for name in members}
    for name in fusions:
        accuracy[name] = accuracy_of(test[name])
    names = list(members)
    matrix = cka_matrix([test[name][1] for name in names])

    def bases(outputs):
        return np.concatenate([outputs[b][1] for b in base_names], axis=1)

    probe_r2 = {
        name: linear_probe_r2(
            bases(train), train[name][1], bases(test), test[name][1]
        )
        for name in (INDEPENDENT, ALLIANCE, STUDENT)
    }
    return {
        "accuracy": accuracy,
        "cka": {"names": names, "matrix": matrix.tolist()},
        "probe_r2": {k: float(v) for k, v in probe_r2.items()},
    }


def load_results(output_dir):
    """The `results.json` a run wrote into `output_dir`, as a dict."""
    with open(os.path.join(output_dir, "results.json")) as f:
        return json.load(f)
