"""`keras-acorl analyze`: where saved classifiers look and how they differ.

Loads two or more `.keras` classifiers with the same image input, evaluates
them on a dataset's test split and writes to `--output-dir`: an attribution
grid (Grad-CAM of the true class, a few samples per class), CKA and
diversity heatmaps, `report.md` (accuracy; per model pair: linear and RBF
CKA, disagreement, double fault, Q statistic, error correlation, Grad-CAM
and integrated-gradients overlap) and `comparison.json`.
"""

import json
import os

from keras_acorl.cli import common

DEFAULT_OUTPUT_DIR = os.path.join("outputs", "analyze")


def register(subparsers):
    """Adds the `analyze` subcommand."""
    parser = subparsers.add_parser(
        "analyze",
        help="Attribution and complementarity analysis of saved models.",
        description=__doc__,
    )
    parser.add_argument(
        "--models",
        nargs="+",
        required=True,
        help="Two or more .keras classifiers (e.g. base, independent, "
        "alliance), same input shape.",
    )
    parser.add_argument(
        "--names",
        nargs="+",
        default=None,
        help="A short name per model. Default: the file names.",
    )
    parser.add_argument(
        "--data",
        default="cluttered_mnist5k",
        help="mnist5k, digits, cluttered_mnist5k (default), "
        "cluttered_digits or a class-folder path; its test split is used.",
    )
    parser.add_argument(
        "--output-dir",
        default=DEFAULT_OUTPUT_DIR,
        help=f"Where to write the report. Default: {DEFAULT_OUTPUT_DIR}.",
    )
    common.add_positive_int_arguments(
        parser,
        [
            (
                "--samples",
                1000,
                "Test samples for accuracy, CKA and diversity. Default: 1000.",
            ),
            (
                "--attribution-samples",
                200,
                "Test samples whose attributions are compared. Default: 200.",
            ),
            (
                "--per-class",
                2,
                "Samples per class in the attribution grid. Default: 2.",
            ),
            (
                "--image-size",
                32,
                "Side of class-folder images. Default: 32.",
            ),
        ],
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="Seed of the data split."
    )
    common.add_backend_argument(parser)
    parser.set_defaults(func=run_from_args)
    return parser


def run_from_args(args):
    status = common.rerun_with_backend(args.backend, getattr(args, "argv", []))
    if status is not None:
        return status
    if len(args.models) < 2:
        raise SystemExit("`--models`: give at least two .keras files.")
    names = args.names or [
        os.path.splitext(os.path.basename(p))[0] for p in args.models
    ]
    if len(names) != len(args.models) or len(set(names)) != len(names):
        raise SystemExit(
            f"`--names`: one distinct name per model ({len(args.models)}). "
            f"Received: {names}"
        )
    common.call_with_options(
        analyze, args, model_paths=args.models, names=names
    )
    return 0


def analyze(
    model_paths,
    names,
    data="cluttered_mnist5k",
    output_dir=DEFAULT_OUTPUT_DIR,
    samples=1000,
    attribution_samples=200,
    per_class=2,
    seed=0,
    image_size=32,
):
    """Runs the analysis and writes the report; returns the comparison
    dict (see `keras_acorl.analysis.model_comparison.compare_models`)."""
    import keras

    import keras_acorl  # noqa: F401 (registers the library's classes)
    from keras_acorl.analysis.comparison_plots import write_comparison_plots
    from keras_acorl.analysis.model_comparison import compare_models
    from keras_acorl.cli import comparison_report
    from keras_acorl.cli.reproduce_image import _load_data

    models = [keras.saving.load_model(path) for path in model_paths]
    _, (x_test, y_test), _ = _load_data(data, seed, image_size)
    x_test, y_test = x_test[:samples], y_test[:samples]
    os.makedirs(output_dir, exist_ok=True)
    with common.quiet_tensorflow_warnings():
        result = compare_models(
            models,
            x_test,
            y_test,
            names=names,
            attribution_samples=attribution_samples,
            per_class=per_class,
        )
    paths = write_comparison_plots(result, output_dir)
    summary = comparison_report.mean_rows([result], list(result["pairs"]))
    accuracy = "\n".join(
        f"| {name} | {result['accuracy'][name]:.4f} |" for name in names
    )
    report = "\n".join(
        [
            "# keras-acorl analyze",
            "",
            f"Models: {', '.join(f'`{p}`' for p in model_paths)}. Data: "
            f"`{data}` test split, {len(x_test)} samples (attributions on "
            f"the first {result['attribution_samples']}), backend "
            f"`{keras.backend.backend()}`.",
            "",
            "| Model | Test accuracy |",
            "|---|---|",
            accuracy,
            "",
            comparison_report.table(summary, result["methods"]),
            "",
            comparison_report.LEGEND,
            "",
            "![Attribution grid](attribution_grid.png)",
            "",
            "![CKA](cka.png)",
            "",
            "![Diversity and attribution overlap](diversity.png)",
            "",
        ]
    )
    paths["report"] = os.path.join(output_dir, "report.md")
    with open(paths["report"], "w") as f:
        f.write(report)
    with open(os.path.join(output_dir, "comparison.json"), "w") as f:
        json.dump(comparison_report.json_ready(result), f, indent=2)
    print(f"Report: {paths['report']}")
    return result
