"""`python -m keras_acorl.export.child_export EXPORTS.json`: the child
process of `export_models`, run on the backend that writes the formats.

EXPORTS.json is a list of `{"model": <.keras path>, "path", "format",
"input_name", "output_name"}`.
"""

import json
import sys


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    with open(argv[0]) as f:
        manifest = json.load(f)
    from keras_acorl.export.export_model import export_models
    from keras_acorl.model_file import load_keras_file

    exports = []
    for item in manifest:
        item = dict(item)
        item["model"] = load_keras_file(item["model"], compile=False)
        exports.append(item)
    export_models(exports)
    return 0


if __name__ == "__main__":
    sys.exit(main())
