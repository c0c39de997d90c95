"""`keras-acorl demo`: an alias of `keras-acorl reproduce image`.

ACoRL fusion vs. traditional fusion (and a MEAL student) on cluttered
MNIST-5k over three seeds; writes `report.md`, `results.json` and PNG plots
into the output folder (default `outputs/demo`). Takes the options of
`reproduce image`.
"""

import os

from keras_acorl.cli import reproduce_image

DEFAULT_OUTPUT_DIR = os.path.join("outputs", "demo")


def register(subparsers):
    """Adds the `demo` subcommand to `subparsers`."""
    parser = subparsers.add_parser(
        "demo",
        help="Alias of `reproduce image`: ACoRL vs. traditional fusion on "
        "cluttered MNIST-5k (offline).",
        description=__doc__,
    )
    reproduce_image.add_arguments(parser, DEFAULT_OUTPUT_DIR)
    return parser
