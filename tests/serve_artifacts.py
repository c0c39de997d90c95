"""Child process of tests/test_export.py: serves exported artifacts with
the runtimes users serve them with (no Keras, no keras-acorl).

`python -m tests.serve_artifacts MANIFEST.json INPUTS.npz RESULTS.npz`:
MANIFEST is a list of `{"name", "format", "path", "input_name",
"output_name"}`; INPUTS holds `<name>` (a request) and `<name>_bad_shape`,
`<name>_bad_dtype` (requests each runtime must refuse). RESULTS gets
`<name>/<format>` (the served output), `<name>/<format>/first` (the first
row served as a batch of one) and the refusals' messages in
`<name>/<format>/bad_shape` and `/bad_dtype` (empty when accepted).
"""

import json
import sys

import numpy as np


def runner(item):
    """A function NumPy array -> NumPy array serving the artifact."""
    fmt, path = item["format"], item["path"]
    input_name, output_name = item["input_name"], item["output_name"]
    if fmt == "tf_saved_model":
        import tensorflow as tf

        loaded = tf.saved_model.load(path)
        signature = loaded.signatures["serving_default"]

        def serve(x):
            outputs = signature(**{input_name: tf.constant(x)})
            return outputs[output_name].numpy()

        serve.keep = loaded  # The signature needs the loaded object alive.
        return serve
    if fmt == "onnx":
        import onnxruntime

        session = onnxruntime.InferenceSession(path)
        return lambda x: session.run([output_name], {input_name: x})[0]
    import torch

    module = torch.export.load(path).module()
    return lambda x: module(torch.from_numpy(x))[output_name].numpy()


def refusal(serve, x):
    try:
        serve(x)
    except Exception as error:  # Each runtime raises its own type.
        return f"{type(error).__name__}: {error}"
    return ""


def main(manifest_path, inputs_path, results_path):
    with open(manifest_path) as f:
        manifest = json.load(f)
    inputs = np.load(inputs_path)
    results = {}
    for item in manifest:
        name = item["name"]
        key = f"{name}/{item['format']}"
        serve = runner(item)
        x = inputs[name]
        results[key] = serve(x)
        results[f"{key}/first"] = serve(x[:1])
        for bad in ("bad_shape", "bad_dtype"):
            results[f"{key}/{bad}"] = np.array(
                refusal(serve, inputs[f"{name}_{bad}"])
            )
    np.savez(results_path, **results)


if __name__ == "__main__":
    main(*sys.argv[1:4])
