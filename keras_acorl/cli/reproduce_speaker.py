"""`keras-acorl reproduce speaker`: ACoRL fusion for speaker verification.

Generates (once, cached) a synthetic speaker corpus with espeak-ng and
flite in the VoxCeleb layout and trains a base speaker model (thin
ResNet-SE; trained once, seed 0: it plays the given pre-trained model),
then for each seed an independent model and an ACoRL alliance (small
ECAPA-TDNN, the alliance against the frozen base embedding), all with the
AAM-softmax loss on log-mel crops. Scores the test trials by cosine
similarity of whole-utterance embeddings and reports EER and minDCF for
each model, traditional fusion (base + independent) and ACoRL fusion
(base + alliance): embedding-level fusion of L2-normalized embeddings
(`keras_acorl.FusionEnsemble`) and logistic-regression fusion fitted on the
development trials. Writes `report.md`, `results.json`, DET curves and
training curves (PNG) and every trained model (`.keras`, reused by later
runs) to the output folder. With `--objectives` (e.g.
`adversarial,ensemble=1.0`), one alliance per complementarity objective,
each from the independent model's initial weights and crop order, fused
with the base and reported side by side (EER, minDCF, trials both it and
the base get wrong, paired differences to traditional fusion).
"""

import json
import os
import time

from keras_acorl.cli import common

DEFAULT_OUTPUT_DIR = os.path.join("outputs", "speaker")
DEFAULT_CORPUS_DIR = os.path.join("outputs", "speaker_corpus")
# Seed of the base model, trained once for all seeds.
BASE_SEED = 0
# The alliance's objective when `--objectives` is not given.
DEFAULT_OBJECTIVES = ("adversarial",)

SETTINGS = {
    "full": {
        "corpus_preset": "default",
        "epochs": 6,
        "batch_size": 32,
        "crop_seconds": 1.0,
        "resnet_channels": [8, 8, 16, 32],
        "ecapa_channels": 64,
        "embedding_dim": 128,
        "learning_rate": 2e-3,
        "margin": 0.2,
        "scale": 30.0,
        "adversarial_weight": 0.5,
    },
    "quick": {
        "corpus_preset": "quick",
        "epochs": 1,
        "batch_size": 8,
        "crop_seconds": 1.0,
        "resnet_channels": [8, 8, 8, 8],
        "ecapa_channels": 16,
        "embedding_dim": 16,
        "learning_rate": 2e-3,
        "margin": 0.2,
        "scale": 30.0,
        "adversarial_weight": 0.5,
    },
}


def register(tasks):
    """Adds the `speaker` task to the `reproduce` subparsers."""
    parser = tasks.add_parser(
        "speaker",
        help="Speaker verification: ACoRL vs traditional fusion (offline).",
        description=__doc__,
    )
    parser.add_argument("--output-dir", default=DEFAULT_OUTPUT_DIR)
    parser.add_argument(
        "--corpus-dir",
        default=DEFAULT_CORPUS_DIR,
        help="Where the synthetic corpus is written (and reused).",
    )
    common.add_seeds_argument(parser, "Default: 0 1 2.")
    parser.add_argument("--epochs", type=common.positive_int, default=None)
    parser.add_argument(
        "--adversarial-weight", type=common.non_negative_float, default=None
    )
    common.add_objectives_argument(parser, DEFAULT_OBJECTIVES)
    parser.add_argument(
        "--quick", action="store_true", help="A tiny run (for tests)."
    )
    common.add_backend_argument(parser)
    parser.add_argument("--quiet", action="store_true")
    parser.set_defaults(func=run)
    return parser


def settings_for(args):
    """The run's settings (what decides the trained models)."""
    settings = dict(SETTINGS["quick" if args.quick else "full"])
    if args.epochs is not None:
        settings["epochs"] = args.epochs
    if args.adversarial_weight is not None:
        settings["adversarial_weight"] = args.adversarial_weight
    return settings


def run(args):
    argv = ["reproduce", "speaker", *_forwarded(args)]
    status = common.rerun_with_backend(args.backend, argv)
    if status is not None:
        return status
    verbose = not args.quiet
    seeds = args.seeds or ([0] if args.quick else [0, 1, 2])
    settings = settings_for(args)
    from keras_acorl.argument_checks import check_output_dir
    from keras_acorl.cli import speaker_training

    check_output_dir(args.output_dir, "--output-dir")
    # The objectives are not part of the checkpoints' configuration: each
    # alliance's checkpoint name says its objective and weight.
    alliances = (
        None
        if args.objectives is None
        else speaker_training.alliances(args.objectives, settings)
    )
    start = time.perf_counter()
    stages = common.Stages(
        3 + (3 + len(alliances or [None])) * len(seeds), verbose
    )

    stages("speaker corpus")
    data = _load_data(args.corpus_dir, settings, verbose)

    import keras

    from keras_acorl.cli.checkpoints import CheckpointStore

    config = dict(
        settings,
        backend=keras.backend.backend(),
        corpus=data["manifest"],
    )
    store = CheckpointStore(
        os.path.join(args.output_dir, "checkpoints"), config, verbose
    )
    runs = []
    with common.quiet_tensorflow_warnings():
        stages("base model (thin ResNet-SE), trained once")
        base = store.obtain(
            BASE_SEED,
            "base",
            lambda: _train_base(data, settings, verbose),
        )
        for seed in seeds:
            runs.append(
                _run_seed(
                    seed,
                    base,
                    data,
                    settings,
                    store,
                    stages,
                    verbose,
                    alliances,
                )
            )

    stages("report")
    from keras_acorl.cli import speaker_report

    seconds = time.perf_counter() - start
    summary = speaker_report.write_report(
        args.output_dir, config, runs, seconds, alliances
    )
    if verbose:
        print(summary["table"])
        print(f"Report: {os.path.join(args.output_dir, 'report.md')}")
    return 0


def _forwarded(args):
    out = ["--output-dir", args.output_dir, "--corpus-dir", args.corpus_dir]
    if args.seeds:
        out += ["--seeds", *map(str, args.seeds)]
    if args.epochs is not None:
        out += ["--epochs", str(args.epochs)]
    if args.adversarial_weight is not None:
        out += ["--adversarial-weight", str(args.adversarial_weight)]
    if args.objectives is not None:
        out += ["--objectives", format_objectives(args.objectives)]
    if args.quick:
        out.append("--quick")
    if args.quiet:
        out.append("--quiet")
    return out


def _load_data(corpus_dir, settings, verbose):
    from keras_acorl.speaker import LogMelCorpus
    from keras_acorl.speaker import SpeakerCropDataset
    from keras_acorl.speaker import VoxCelebCorpus
    from keras_acorl.speaker import generate_speaker_corpus
    from keras_acorl.speaker import read_trial_list

    info = generate_speaker_corpus(
        corpus_dir, preset=settings["corpus_preset"], seed=0, verbose=verbose
    )
    root = info["root"]

    def features(split):
        corpus = VoxCelebCorpus(root, speakers=info[f"{split}_speakers"])
        return LogMelCorpus(corpus)

    train = features("train")
    if info["dev_trials"] is None:
        raise ValueError(
            f"The corpus in '{root}' has no development trials (needed to "
            "fit the logistic-regression fusion)."
        )
    with open(os.path.join(root, "manifest.json")) as f:
        manifest = json.load(f)
    return {
        "train": train,
        "dev": features("dev"),
        "test": features("test"),
        "feed": SpeakerCropDataset(
            train,
            batch_size=settings["batch_size"],
            crop_seconds=settings["crop_seconds"],
            seed=0,
        ),
        "dev_trials": read_trial_list(info["dev_trials"]),
        "test_trials": read_trial_list(info["trials"]),
        "manifest": manifest,
    }


def _train_base(data, settings, verbose):
    from keras_acorl.cli import speaker_training as training

    feed = data["feed"]
    feed.seed, feed.epoch = BASE_SEED, 0
    return training.train_classifier(
        "resnet",
        feed,
        data["train"].num_speakers,
        settings,
        BASE_SEED,
        verbose,
    )


def format_objectives(objectives):
    """`--objectives`' text for parsed `objectives` (`name` or
    `name=weight`, comma-separated)."""
    return ",".join(
        name if weight is None else f"{name}={weight!r}"
        for name, weight in objectives
    )


def _run_seed(
    seed, base, data, settings, store, stages, verbose, alliances=None
):
    from keras_acorl.cli import speaker_complementarity
    from keras_acorl.cli import speaker_scoring
    from keras_acorl.cli import speaker_training as training

    feed, speakers = data["feed"], data["train"].num_speakers
    trained = {training.BASE: base[0]}
    histories = {training.BASE: base[1]}

    def train(name, fn, checkpoint=None):
        def run_training():
            feed.seed, feed.epoch = seed, 0
            return fn()

        trained[name], histories[name] = store.obtain(
            seed, checkpoint or name, run_training
        )

    stages(f"seed {seed}: independent model (small ECAPA-TDNN)")
    train(
        training.INDEPENDENT,
        lambda: training.train_classifier(
            "ecapa", feed, speakers, settings, seed + 1000, verbose
        ),
    )
    # Same initial weights (seed + 1000) and crop order (seed) as the
    # independent model: the objective is the only difference.
    for alliance in alliances or [None]:
        if alliance is None:
            stages(f"seed {seed}: ACoRL alliance (small ECAPA-TDNN)")
            train(
                training.ALLIANCE,
                lambda: training.train_alliance(
                    base[0], feed, speakers, settings, seed + 1000, verbose
                ),
            )
            continue
        stages(
            f"seed {seed}: ACoRL alliance (small ECAPA-TDNN), objective "
            f"{alliance['objective']!r}, weight {alliance['weight']:g}"
        )
        train(
            alliance["name"],
            lambda a=alliance: training.train_alliance(
                base[0],
                feed,
                speakers,
                settings,
                seed + 1000,
                verbose,
                objective=a["objective"],
                weight=a["weight"],
            ),
            checkpoint=alliance["checkpoint"],
        )
    stages(f"seed {seed}: scoring")
    result = speaker_scoring.evaluate(trained, data, alliances)
    stages(f"seed {seed}: complementarity (CKA, diversity, attributions)")
    frames = round(settings["crop_seconds"] * data["test"].sample_rate)
    result.update(
        speaker_complementarity.measure(
            trained,
            data,
            result,
            frames,
            quick=settings["corpus_preset"] == "quick",
        )
    )
    result["seed"] = seed
    result["histories"] = histories
    return result
