"""`keras-acorl reproduce <task>`: the paper's experiments at small scale.

Each task is a module with `register(subparsers)`; to add one, add its
module path to `TASKS`.
"""

import importlib

TASKS = (
    "keras_acorl.cli.reproduce_image",
    "keras_acorl.cli.reproduce_speaker",
)


def register(subparsers):
    """Adds the `reproduce` command and its tasks to `subparsers`."""
    parser = subparsers.add_parser(
        "reproduce",
        help="Reproduce the paper's experiments at small scale (offline).",
        description=__doc__,
    )
    tasks = parser.add_subparsers(title="tasks", dest="task", metavar="TASK")
    for module_name in TASKS:
        importlib.import_module(module_name).register(tasks)

    def no_task(args):
        parser.print_help()
        return 2

    parser.set_defaults(func=no_task)
    return parser
