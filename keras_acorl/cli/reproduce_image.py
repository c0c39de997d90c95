"""`keras-acorl reproduce image`: ACoRL fusion vs. traditional fusion on
images, over several seeds.

For every seed: trains K base models of different families, then new
models of the FIRST base's architecture: an independent one ("traditional"
multi-model fusion), one alliance per complementarity objective
(`--objectives`, trained against the frozen bases from the same
initialization and batch order, the bases' outputs computed once) and a
MEAL student that starts from the independent model and is distilled from
the bases (no labels; MEAL V2 style). Every labeled model
trains until its accuracy on a validation split (10% of the training
images, never the test images) stops improving
(`keras.callbacks.EarlyStopping`, same `--patience` and `--epochs` budget
for all, best weights restored). Evaluates every model and the fusions
(bases alone; bases + independent; bases + each alliance) with equal
weights and with the new model's weight fitted on the validation split;
reports mean ± standard deviation over seeds, the per-seed paired
differences to traditional fusion with a 95% t-interval, the both-wrong
rate, linear CKA between all representations, and writes `report.md`,
`results.json` and PNG plots to the output folder. Every trained model is
kept as `.keras` under `<output>/checkpoints/<config hash>/`; a re-run (or
a resumed, interrupted run) reuses them.
"""

import json
import os
import time

from keras_acorl.cli import common
from keras_acorl.cli import complementarity_section

QUICK_ENV = "KERAS_ACORL_QUICK"
# Training images of `--quick` (before the validation hold-out).
QUICK_TRAIN = 284
DEFAULT_OUTPUT_DIR = os.path.join("outputs", "reproduce_image")
DEFAULT_DATASET = "cluttered_mnist5k"
DATASETS = ("mnist5k", "digits", "cluttered_mnist5k", "cluttered_digits")
DEFAULT_BASES = ("cnn", "resnet")
DEFAULT_ADVERSARIAL_WEIGHT = 0.5
DEFAULT_EPOCHS = 5
DEFAULT_PATIENCE = 2
VALIDATION_FRACTION = 0.1
# The library's default objective (ComplementaryModel(objective=...)).
DEFAULT_OBJECTIVES = ("adversarial",)
# Which base quantity each objective uses: the embedding for objectives on
# representations, the task output (None) for those on predictions.
OBJECTIVE_REPRESENTATIONS = {
    "adversarial": "embedding",
    "conditional": "embedding",
    "independence": "embedding",
    "ensemble": None,
    "input_gradient": None,
}

# Model families: name -> (description, builder keyword arguments).
FAMILIES = {
    "cnn": "small_cnn, width 16",
    "cnn_narrow": "small_cnn, width 8",
    "resnet": "keras-hub ResNetBackbone, one basic block of 64 filters",
    "mobilenet": "keras.applications MobileNetV3Small (minimalistic)",
}

INDEPENDENT = "independent"
ALLIANCE = "alliance"
STUDENT = "student"
BASE_FUSION = "base_fusion"
TRADITIONAL_FUSION = "traditional_fusion"
ACORL_FUSION = "acorl_fusion"


# Shared with `reproduce speaker` (kept importable from here).
parse_objectives = common.parse_objectives


def alliance_names(objectives):
    """`[(alliance row, fusion row), ...]`, one per objective: the first
    keeps the plain names `alliance` / `acorl_fusion`."""
    names = []
    for i, (name, _) in enumerate(objectives):
        suffix = "" if i == 0 else f"_{name}"
        names.append((ALLIANCE + suffix, ACORL_FUSION + suffix))
    return names


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
        help="A smoke test: 284 training (256 after the validation "
        "hold-out) and 128 test images, 1 epoch, "
        f"seed 0. Also enabled by {QUICK_ENV}=1.",
    )
    common.add_seeds_argument(
        parser, "Seeds to run. Default: 0 1 2 (0 with --quick)."
    )
    common.add_backend_argument(parser)
    parser.add_argument(
        "--dataset",
        default=DEFAULT_DATASET,
        help=f"One of {', '.join(DATASETS)}, or a folder with one "
        f"subfolder of images per class. Default: {DEFAULT_DATASET}.",
    )
    common.add_positive_int_arguments(
        parser,
        [
            (
                "--image-size",
                32,
                "Side images of a class folder are resized to. Default: 32.",
            ),
            (
                "--epochs",
                None,
                "Most epochs per model (early stopping on the validation "
                f"split). Default: {DEFAULT_EPOCHS} (1 with --quick).",
            ),
            (
                "--patience",
                DEFAULT_PATIENCE,
                "Epochs without a better validation accuracy before a "
                "model stops (its best weights are kept). Default: "
                f"{DEFAULT_PATIENCE}.",
            ),
            (
                "--members",
                1,
                "Grow two ensembles from the first base to this many "
                "members of its architecture: independent members, and "
                "members each trained against the frozen earlier ones (the "
                "first objective); plots fused accuracy against the number "
                "of members. Default: 1 (off).",
            ),
            (
                "--batch-size",
                64,
                "Batch size. Default: 64.",
            ),
        ],
    )
    parser.add_argument(
        "--bases",
        nargs="+",
        choices=sorted(FAMILIES),
        default=list(DEFAULT_BASES),
        help="Families of the base models, one model each. Default: "
        f"{' '.join(DEFAULT_BASES)}.",
    )
    common.add_objectives_argument(parser, DEFAULT_OBJECTIVES)
    parser.add_argument(
        "--adversarial-weight",
        type=common.non_negative_float,
        default=DEFAULT_ADVERSARIAL_WEIGHT,
        help="Weight of each alliance's complementarity objective. Default: "
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
    common.call_with_options(
        run_image_reproduction,
        args,
        quick=args.quick or quick_mode_from_env(),
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


def pretrained_student(independent, build, family):
    """The MEAL student, built by `build(family, seed, name)` (`family`:
    the independent model's) and holding a copy of `independent`'s
    trained weights, as MEAL V2 starts from a pre-trained student."""
    student = build(family, 0, STUDENT)
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
    patience=DEFAULT_PATIENCE,
    objectives=None,
    members=1,
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
        quick: bool. 284 training (256 after the validation hold-out) and
            128 test images, 1 epoch.
        bases: list of family names (`"cnn"`, `"cnn_narrow"`, `"resnet"`,
            `"mobilenet"`), one base model each.
        epochs: int or None. Most epochs per model. None: 5 (1 when
            `quick`).
        batch_size: int. Batch size of every training run.
        adversarial_weight: float >= 0. Weight of each alliance's
            complementarity objective (unless its entry of `objectives`
            gives one).
        image_size: int. Side of class-folder images after resizing.
        learning_rate: float. Initial learning rate of Adam, decayed to 0
            along a cosine over each training run.
        verbose: bool. Print progress lines and the table.
        patience: int >= 1. Epochs without a better validation accuracy
            before a labeled model stops; its best weights are restored.
        objectives: None (`["adversarial"]`, the library default), a list
            of objective names or `"name=weight"` strings, or one
            comma-separated string: one alliance each. The first gives the
            rows `alliance` / `acorl_fusion`, the others
            `alliance_<name>` / `acorl_fusion_<name>`.
        members: int >= 1. With 2 or more, grows an independent and a
            complementary ensemble from the first base to `members`
            members (`growing_ensemble`); adds `growth` to every run.

    Returns:
        dict with `config`, `runs` (per seed: `accuracy` (fusions also as
        `<fusion>_fitted`), `fusion_weights`, `both_wrong`, `best_epoch`,
        `cka`, `probe_r2`, `histories`), `summary` (per row: mean, std,
        min, max), `paired` (per objective: the per-seed differences to
        the independent model and their intervals) and the file paths.

    Example:

    ```python
    from keras_acorl.cli.reproduce_image import run_image_reproduction

    results = run_image_reproduction("outputs/repro", quick=True)
    results["summary"]["acorl_fusion"]["mean"]
    ```
    """
    import keras

    from keras_acorl.argument_checks import check_output_dir
    from keras_acorl.argument_checks import check_positive_int
    from keras_acorl.cli import image_report
    from keras_acorl.cli.checkpoints import CheckpointStore

    start = time.perf_counter()
    seeds = (
        common.check_seeds(seeds) if seeds else ([0] if quick else [0, 1, 2])
    )
    epochs = epochs or (1 if quick else DEFAULT_EPOCHS)
    check_positive_int(patience, "patience")
    check_positive_int(members, "members")
    objectives = common.parse_objectives(
        DEFAULT_OBJECTIVES if objectives is None else objectives
    )
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
        # The partner has the architecture and capacity of the first base.
        "new_model": bases[0],
        "student": bases[0],
        "student_init": INDEPENDENT,
        "epochs": epochs,
        "patience": patience,
        "validation_fraction": VALIDATION_FRACTION,
        "batch_size": batch_size,
        "learning_rate": learning_rate,
        "adversarial_weight": adversarial_weight,
        "members": members,
        "objectives": [
            [name, adversarial_weight if weight is None else weight]
            for name, weight in objectives
        ],
    }
    # Bad input fails here, before a checkpoint manifest is written.
    common.check_dataset(dataset, DATASETS)
    check_output_dir(output_dir, "output_dir")
    store = CheckpointStore(
        os.path.join(output_dir, "checkpoints"), config, verbose=verbose
    )
    per_seed = len(bases) + 3 + len(objectives) + 2 * (members - 1)
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


def _split_validation(x, y, seed):
    """`(x_train, y_train), (x_val, y_val)`: a seeded 10% of the training
    images held out for early stopping and fusion weights."""
    import numpy as np

    order = np.random.default_rng([seed, 11]).permutation(len(x))
    count = max(1, int(round(VALIDATION_FRACTION * len(x))))
    val, train = order[:count], order[count:]
    return (x[train], y[train]), (x[val], y[val])


def _run_seed(seed, config, store, stage, learning_rate, verbose):
    import keras

    import keras_acorl

    (x_train, y_train), (x_test, y_test), num_classes = _load_data(
        config["dataset"], seed, config["image_size"]
    )
    if config["quick"]:
        # 284: after the 10% validation hold-out (28), 256 images, whole
        # batches of the default 64. A partial last batch is one more
        # train-step compilation per model kind on JAX (4 of 7 in a
        # profiled `--quick` run), for a test-only preset.
        x_train, y_train = x_train[:QUICK_TRAIN], y_train[:QUICK_TRAIN]
        x_test, y_test = x_test[:128], y_test[:128]
    (x_train, y_train), (x_val, y_val) = _split_validation(
        x_train, y_train, seed
    )
    config.update(
        train_samples=len(x_train),
        validation_samples=len(x_val),
        test_samples=len(x_test),
        num_classes=num_classes,
    )
    input_shape = x_train.shape[1:]
    epochs, batch_size = config["epochs"], config["batch_size"]
    steps = epochs * -(-len(x_train) // batch_size)
    fit_verbose = 2 if verbose else 0
    new_family = config["new_model"]

    def optimizer():
        return keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(learning_rate, steps)
        )

    def fit(model, model_seed, x=None, x_validation=None, callbacks=()):
        """Trains `model` until its validation accuracy stops improving
        (at most `epochs`), keeping its best weights."""
        keras.utils.set_random_seed(model_seed)
        model.compile(
            optimizer=optimizer(),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        callbacks = list(callbacks)
        validation = None
        # Quick mode (one epoch) has nothing to stop early: it saves the
        # validation passes.
        if not config["quick"]:
            validation = (
                x_val if x_validation is None else x_validation,
                y_val,
            )
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_accuracy",
                    mode="max",
                    patience=config["patience"],
                    restore_best_weights=True,
                )
            )
        history = model.fit(
            x_train if x is None else x,
            y_train,
            batch_size=batch_size,
            epochs=epochs,
            validation_data=validation,
            callbacks=callbacks,
            verbose=fit_verbose,
        )
        return common.plain_history(history)

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
            return model, fit(model, model_seed)

        models[name], histories[name] = train_or_reuse(
            name, f"base model {name} ({FAMILIES[family]})", train_base
        )
    new_seed = 1000 * seed + 100

    def train_independent():
        model = build(new_family, new_seed, INDEPENDENT)
        return model, fit(model, new_seed)

    models[INDEPENDENT], histories[INDEPENDENT] = train_or_reuse(
        INDEPENDENT,
        f"independent model ({FAMILIES[new_family]})",
        train_independent,
    )

    # The bases' outputs on the training and validation images, computed
    # once per representation and shared by every alliance.
    cached = {}

    def cached_inputs(acorl, representation):
        if representation not in cached:
            cached[representation] = (
                acorl.precompute(x_train),
                acorl.precompute(x_val),
            )
        return cached[representation]

    # Same architecture, initialization and batch order as the independent
    # model: the complementarity objective is the only difference.
    def train_alliance(name, objective, weight):
        full = build(new_family, new_seed, name)
        encoder, head = keras_acorl.zoo.split_encoder_head(full)
        representation = OBJECTIVE_REPRESENTATIONS[objective]
        acorl = keras_acorl.ComplementaryModel(
            base_models=[models[b] for b in base_names],
            alliance=encoder,
            head=head,
            base_representation=representation,
            objective=objective,
            adversarial_weight=weight,
            gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
        )
        train, val = cached_inputs(acorl, representation)
        scheduler = keras_acorl.callbacks.GradientReversalScheduler()
        history = fit(acorl, new_seed, train, val, callbacks=[scheduler])
        # `full` shares the alliance's layers: it is the trained classifier.
        return full, history

    alliances = alliance_names(config["objectives"])
    for (name, _), (objective, weight) in zip(alliances, config["objectives"]):
        models[name], histories[name] = train_or_reuse(
            name,
            f"ACoRL alliance ({FAMILIES[new_family]}) against the frozen "
            f"bases, objective {objective!r}, weight {weight}",
            lambda n=name, o=objective, w=weight: train_alliance(n, o, w),
        )

    def train_student():
        # MEAL V2: the student starts from the trained independent model
        # (the same network trained on labels), then distils the default
        # recipe, "soft_mean": the bases' mean softmax at temperature 4,
        # no discriminator, no labels (the best of issue 14's sweep).
        # Without labels there is no validation accuracy: it trains for
        # the full `epochs`.
        student = pretrained_student(models[INDEPENDENT], build, new_family)
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
        f"MEAL student ({FAMILIES[new_family]}) from the independent model, "
        "distilled from the bases, no labels",
        train_student,
    )

    growth = {}
    if config["members"] > 1:
        growth = _grow(
            models[base_names[0]],
            config,
            lambda k, name: build(new_family, new_seed + 10 * k, name),
            lambda model, k, **kwargs: fit(model, new_seed + 10 * k, **kwargs),
            train_or_reuse,
        )
    members = {
        name: common.scores_and_embedding(model)
        for name, model in models.items()
    }
    new_models = {TRADITIONAL_FUSION: INDEPENDENT}
    new_models.update({fusion: name for name, fusion in alliances})
    with common.quiet_tensorflow_warnings():
        result = _evaluate(
            members,
            base_names,
            new_models,
            (x_train, x_val, y_val, x_test, y_test),
        )
    if growth:
        from keras_acorl.cli import growing_ensemble

        outputs = common.predict_all(growth["models"], x_test)
        first = common.predict_all({"first": models[base_names[0]]}, x_test)[
            "first"
        ]
        result["growth"] = growing_ensemble.curves(
            first,
            {
                curve: [outputs[name] for name in names]
                for curve, names in growth["names"].items()
            },
            y_test,
        )
    result["histories"] = histories
    result["best_epoch"] = {
        name: _best_epoch(histories[name])
        for name in [*base_names, INDEPENDENT, *(a for a, _ in alliances)]
    }
    result.update(
        complementarity_section.measure(
            models, base_names, x_test, y_test, config["quick"]
        )
    )
    if verbose:
        accuracy = result["accuracy"]
        print(
            f"    seed {seed}: traditional fusion "
            f"{accuracy[TRADITIONAL_FUSION]:.4f}, "
            + ", ".join(
                f"{fusion} {accuracy[fusion]:.4f}" for _, fusion in alliances
            ),
            flush=True,
        )
    return result


def _grow(first, config, build, fit, train_or_reuse):
    """Trains the members 2..N of both growing ensembles (see
    `growing_ensemble`); returns `{"names": ..., "models": {name: model}}`.
    `build(k, name)` and `fit(model, k, ...)` use member k's seed."""
    import keras_acorl
    from keras_acorl.cli import growing_ensemble

    names = growing_ensemble.member_names(config["members"])
    objective, weight = config["objectives"][0]
    trained = {}
    for k, name in enumerate(names[growing_ensemble.INDEPENDENT], start=2):

        def train(k=k, name=name):
            model = build(k, name)
            return model, fit(model, k)

        trained[name], _ = train_or_reuse(
            name, f"growing ensemble: independent member {k}", train
        )
    frozen = [first]
    for k, name in enumerate(names[growing_ensemble.COMPLEMENTARY], start=2):

        def train(k=k, name=name, frozen=tuple(frozen)):
            full = build(k, name)
            encoder, head = keras_acorl.zoo.split_encoder_head(full)
            acorl = keras_acorl.ComplementaryModel(
                base_models=list(frozen),
                alliance=encoder,
                head=head,
                base_representation=OBJECTIVE_REPRESENTATIONS[objective],
                objective=objective,
                adversarial_weight=weight,
                gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
            )
            scheduler = keras_acorl.callbacks.GradientReversalScheduler()
            return full, fit(acorl, k, callbacks=[scheduler])

        trained[name], _ = train_or_reuse(
            name,
            f"growing ensemble: member {k} against the frozen members "
            f"1..{k - 1} ({objective} {weight})",
            train,
        )
        frozen.append(trained[name])
    return {"names": names, "models": trained}


def _best_epoch(history):
    """The epoch whose weights were kept: the best validation accuracy, or
    the last epoch without validation."""
    import numpy as np

    if "val_accuracy" not in history:
        return len(history["loss"])
    return int(np.argmax(history["val_accuracy"])) + 1


def _evaluate(members, base_names, new_models, data):
    """Accuracy of every model on the test images; of the fusions of the
    bases with each new model (`new_models`: fusion row -> model row) with
    equal weights and with the new model's weight fitted on the validation
    images; the both-wrong rate; linear CKA between all members'
    embeddings (test images); held-out probe R² of the new models'
    embeddings from the bases' (fit on training images)."""
    import numpy as np

    from keras_acorl.analysis import cka_matrix
    from keras_acorl.analysis import linear_probe_r2
    from keras_acorl.cli import fusion_protocol as fp

    x_train, x_val, y_val, x_test, y_test = data
    train = common.predict_all(members, x_train)
    val = common.predict_all(members, x_val)
    test = common.predict_all(members, x_test)

    def probs(outputs, names):
        return [fp.probabilities(outputs[name][0]) for name in names]

    accuracy = {name: fp.accuracy(test[name][0], y_test) for name in members}
    base_test = probs(test, base_names)
    base_val = probs(val, base_names)
    if len(base_names) > 1:
        accuracy[BASE_FUSION] = fp.accuracy(np.mean(base_test, 0), y_test)
    weights, both_wrong = {}, {}
    for fusion, name in new_models.items():
        (new_test,) = probs(test, [name])
        (new_val,) = probs(val, [name])
        equal = 1.0 / (len(base_names) + 1)
        accuracy[fusion] = fp.accuracy(
            fp.fused(base_test, new_test, equal), y_test
        )
        weights[fusion] = fp.fit_weight(base_val, new_val, y_val)
        accuracy[f"{fusion}_fitted"] = fp.accuracy(
            fp.fused(base_test, new_test, weights[fusion]), y_test
        )
        both_wrong[name] = fp.both_wrong(base_test, new_test, y_test)
    names = list(members)
    matrix = cka_matrix([test[name][1] for name in names])

    def bases(outputs):
        return np.concatenate([outputs[b][1] for b in base_names], axis=1)

    probe_r2 = {
        name: linear_probe_r2(
            bases(train), train[name][1], bases(test), test[name][1]
        )
        for name in (*new_models.values(), STUDENT)
    }
    return {
        "accuracy": accuracy,
        "fusion_weights": weights,
        "both_wrong": both_wrong,
        "cka": {"names": names, "matrix": matrix.tolist()},
        "probe_r2": {k: float(v) for k, v in probe_r2.items()},
    }


def load_results(output_dir):
    """The `results.json` a run wrote into `output_dir`, as a dict."""
    with open(os.path.join(output_dir, "results.json")) as f:
        return json.load(f)
