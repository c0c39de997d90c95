"""`keras-acorl export MODEL.keras OUT --format ...`: a `.keras` file to a
served artifact (`keras_acorl.export_model`)."""

from keras_acorl.cli.common import BACKENDS

FORMATS = ("tf_saved_model", "onnx", "torch")


def register(subparsers):
    parser = subparsers.add_parser(
        "export",
        help="Export a .keras model as a SavedModel, ONNX or torch program.",
        description=__doc__,
    )
    parser.add_argument("model", help="the .keras file to export")
    parser.add_argument(
        "output",
        help="the artifact: a folder (tf_saved_model) or a file (onnx; "
        "torch: ending in .pt2)",
    )
    parser.add_argument("--format", choices=FORMATS, default="tf_saved_model")
    parser.add_argument("--input-name", default="inputs")
    parser.add_argument("--output-name", default="outputs")
    parser.add_argument(
        "--backend",
        choices=BACKENDS,
        default=None,
        help="Keras backend to load the model with (default: KERAS_BACKEND)",
    )
    parser.set_defaults(func=run)
    return parser


def run(args):
    from keras_acorl.cli.common import rerun_with_backend

    status = rerun_with_backend(args.backend, args.argv)
    if status is not None:
        return status
    from keras_acorl.export import export_model
    from keras_acorl.model_file import load_keras_file

    model = load_keras_file(args.model, compile=False)
    export_model(
        model,
        args.output,
        format=args.format,
        input_name=args.input_name,
        output_name=args.output_name,
        verbose=True,
    )
    return 0
