"""Entry point of the `keras-acorl` command.

Each job lives in its own module of `keras_acorl.cli` and provides
`register(subparsers)`, which adds its subcommand with
`subparsers.add_parser(...)` and sets `func` (a callable `args -> int`) with
`parser.set_defaults(func=...)`. A job with sub-jobs (e.g. `reproduce image`,
`reproduce speaker`) adds its own subparsers in `register`. Job modules
import Keras and other heavy dependencies inside `func`, so `--help` stays
fast. To add a job, add its module path to `JOBS`.
"""

import argparse
import importlib
import os
import sys

from keras_acorl.version import __version__

JOBS = (
    "keras_acorl.cli.demo",
    "keras_acorl.cli.reproduce",
    "keras_acorl.cli.analyze",
    "keras_acorl.cli.export",
)


# Set to 1 to see the traceback of an error instead of its one line.
TRACEBACK_ENV = "KERAS_ACORL_TRACEBACK"


class _OneLineErrorParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit status 2 (subcommands'
    parsers are of the same class)."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser():
    """Returns the `argparse.ArgumentParser` with every job's subcommand."""
    parser = _OneLineErrorParser(
        prog="keras-acorl",
        description=(
            "Multi-model fusion for Keras 3: train models that complement "
            "each other (ACoRL) and fuse them."
        ),
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    subparsers = parser.add_subparsers(
        title="commands", dest="command", metavar="COMMAND"
    )
    for module_name in JOBS:
        importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv=None):
    """Runs the `keras-acorl` command line.

    Args:
        argv: list of strings, the arguments without the program name.
            None: `sys.argv[1:]`.

    Returns:
        int, the exit status (`0` on success, `2` on a usage error or bad
        input: then one line on stderr, without traceback; set
        `KERAS_ACORL_TRACEBACK=1` to see it).

    Example:

    ```python
    from keras_acorl.cli.main import main

    main(["demo", "--quick", "--output-dir", "outputs/demo"])
    ```
    """
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    # Jobs that re-run themselves (e.g. on another backend) need them.
    args.argv = argv
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    try:
        return int(func(args) or 0)
    except (ValueError, TypeError, OSError) as error:
        # Bad input (a missing dataset, a wrong option value): one line,
        # no traceback, exit status 2 as for usage errors.
        if os.environ.get(TRACEBACK_ENV) == "1":
            raise
        message = " ".join(str(error).split()) or type(error).__name__
        print(f"keras-acorl: error: {message}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
