"""`keras_acorl.export_model`: one call from a trained model to a served
artifact, whichever backend trained it."""

import json
import os
import subprocess
import sys
import tempfile

import keras

from keras_acorl.argument_checks import check_choice
from keras_acorl.export.onnx_names import rename_onnx_io
from keras_acorl.export.serving_model import product_of
from keras_acorl.export.serving_model import serving_model

FORMATS = ("tf_saved_model", "onnx", "torch")
# Backends whose Keras exporter writes the format (Keras 3.15).
_NATIVE_BACKENDS = {
    "tf_saved_model": ("tensorflow", "jax"),
    "onnx": ("tensorflow", "jax", "torch"),
    "torch": ("torch",),
}
# Where a format is exported when the current backend cannot.
_FALLBACK_BACKEND = {
    "tf_saved_model": "tensorflow",
    "onnx": "tensorflow",
    "torch": "torch",
}
_PACKAGE_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
)


def export_model(
    model,
    path,
    format="tf_saved_model",
    input_name="inputs",
    output_name="outputs",
    verbose=False,
):
    """Exports the product of `model` for serving, from any backend.

    The artifact holds the forward pass only: one input named `input_name`
    with a dynamic batch axis (and every other axis the model leaves
    unknown, such as the length of a raw waveform), one output named
    `output_name`. Training-only layers (gradient reversal, adversaries,
    discriminators) are never exported: a `ComplementaryModel` exports its
    `classifier`, a `MEALDistiller` its `student`; a model holding such a
    layer is refused.

    Keras' own exporter (`keras.Model.export(format=...)`) writes the
    artifact when it can on the current backend. When it cannot (a
    SavedModel from torch, a torch program from TensorFlow or JAX) or when
    it fails (e.g. JAX cannot convert the audio frontend's reflect padding
    over a symbolic length), the model is saved as a `.keras` file and
    exported by a child process running Keras on the backend that writes
    the format (TensorFlow for `"tf_saved_model"` and `"onnx"`, torch for
    `"torch"`); the model must then be saveable (registered classes).

    Serving the artifacts:

    - `"tf_saved_model"` (a folder; TF Serving, `tf.saved_model.load`):
      `tf.saved_model.load(path).serve(x)` returns the output tensor; the
      `serving_default` signature takes `input_name=x` and returns
      `{output_name: y}`.
    - `"onnx"` (a file): `onnxruntime.InferenceSession(path).run(None,
      {input_name: x})[0]`.
    - `"torch"` (a `.pt2` file of `torch.export`):
      `torch.export.load(path).module()(x)[output_name]`.

    Each runtime refuses an input of the wrong rank, feature size or dtype
    with its own error.

    Args:
        model: a trained `keras.Model` with one input and one output
            tensor: `ComplementaryModel.classifier` / `.encoder`, a
            `FusionEnsemble`, a student, a speaker embedding model, ...
            (or a `ComplementaryModel` / `MEALDistiller`, for its product).
        path: str or path-like. Where to write the artifact (a folder for
            `"tf_saved_model"`, a file for `"onnx"`, a file ending in
            `.pt2` for `"torch"`).
        format: one of `"tf_saved_model"`, `"onnx"`, `"torch"`. Defaults
            to `"tf_saved_model"`.
        input_name: str. Name of the served input. Defaults to `"inputs"`.
        output_name: str. Name of the served output. Defaults to
            `"outputs"`.
        verbose: bool. Print what is written. Defaults to False.

    Returns:
        str, `path`.

    Example:

    ```python
    import os
    import tempfile
    import keras
    import numpy as np
    import keras_acorl

    inputs = keras.Input(shape=(8,))
    model = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    path = os.path.join(tempfile.mkdtemp(), "model.onnx")
    keras_acorl.export_model(model, path, format="onnx",
                             input_name="features", output_name="logits")
    # import onnxruntime
    # onnxruntime.InferenceSession(path).run(None, {"features": x})[0]
    ```
    """
    exports = [
        {
            "model": model,
            "path": path,
            "format": format,
            "input_name": input_name,
            "output_name": output_name,
        }
    ]
    return export_models(exports, verbose=verbose)[0]


def export_models(exports, verbose=False):
    """Exports several products like `keras_acorl.export_model`, with one
    child process per backend for all the exports the current backend
    cannot write (instead of one child per export).

    Args:
        exports: list of dicts with the keys `"model"`, `"path"`,
            `"format"` and optionally `"input_name"`, `"output_name"`
            (the arguments of `export_model`).
        verbose: bool. Print what is written. Defaults to False.

    Returns:
        list of str, the paths written.
    """
    if not isinstance(exports, (list, tuple)) or not all(
        isinstance(item, dict) for item in exports
    ):
        raise TypeError(
            "`exports` must be a list of dicts (the arguments of "
            f"`export_model`). Received: {exports!r}"
        )
    jobs = [_job(**item) for item in exports]
    backend = keras.backend.backend()
    deferred = {}
    for job in jobs:
        target = _FALLBACK_BACKEND[job["format"]]
        if backend in _NATIVE_BACKENDS[job["format"]]:
            try:
                _export_here(job)
                if verbose:
                    print(
                        f"Exported {job['format']} on {backend} to "
                        f"{job['path']}"
                    )
                continue
            except Exception as error:
                if target == backend:
                    raise
                if verbose:
                    print(
                        f"Keras' {job['format']} exporter failed on "
                        f"{backend} ({type(error).__name__}: {error}); "
                        f"exporting on {target} in a child process."
                    )
        deferred.setdefault(target, []).append(job)
    for target, target_jobs in deferred.items():
        _export_in_child(target_jobs, target)
        if verbose:
            for job in target_jobs:
                print(
                    f"Exported {job['format']} on {target} (child "
                    f"process) to {job['path']}"
                )
    return [job["path"] for job in jobs]


def _job(
    model,
    path,
    format="tf_saved_model",
    input_name="inputs",
    output_name="outputs",
):
    """One validated export: the arguments plus the serving model."""
    check_choice(format, FORMATS, "format")
    if not isinstance(path, (str, os.PathLike)) or not os.fspath(path):
        raise ValueError(
            f"`path` must be a non-empty str or path-like. Received: {path!r}"
        )
    path = os.path.abspath(os.fspath(path))
    if format == "torch" and not path.endswith(".pt2"):
        raise ValueError(
            "`path` must end with '.pt2' for format='torch' (a "
            f"`torch.export` program). Received: {path!r}"
        )
    return {
        "model": model,
        "path": path,
        "format": format,
        "input_name": input_name,
        "output_name": output_name,
        "serving": serving_model(model, input_name, output_name),
    }


def _dynamic_shapes(serving):
    """torch.export dynamic shapes: every unknown axis of the input."""
    import torch

    shape = serving.inputs[0].shape
    dims = {
        axis: torch.export.Dim("batch" if axis == 0 else f"axis_{axis}")
        for axis, size in enumerate(shape)
        if size is None
    }
    return {0: dims[0]} if list(dims) == [0] else dims


def _export_here(job):
    serving = job["serving"]
    # The symbolic input gives the signature (name, dtype, unknown axes).
    kwargs = {"input_signature": [serving.inputs[0]]}
    if job["format"] == "torch":
        kwargs["dynamic_shapes"] = _dynamic_shapes(serving)
    serving.export(job["path"], format=job["format"], verbose=False, **kwargs)
    if job["format"] == "onnx":
        rename_onnx_io(job["path"], job["input_name"], job["output_name"])


def _export_in_child(jobs, backend):
    """Saves the products of `jobs` as `.keras` files and exports them in
    one child process running Keras on `backend`
    (`keras_acorl.export.child_export`)."""
    with tempfile.TemporaryDirectory() as folder:
        manifest = []
        for i, job in enumerate(jobs):
            model_path = os.path.join(folder, f"model_{i}.keras")
            product_of(job["model"]).save(model_path)
            manifest.append(
                {
                    key: job[key]
                    for key in ("path", "format", "input_name", "output_name")
                }
                | {"model": model_path}
            )
        manifest_path = os.path.join(folder, "exports.json")
        with open(manifest_path, "w") as f:
            json.dump(manifest, f)
        env = dict(os.environ, KERAS_BACKEND=backend)
        env["PYTHONPATH"] = os.pathsep.join(
            [_PACKAGE_ROOT, *filter(None, [os.environ.get("PYTHONPATH")])]
        )
        process = subprocess.run(
            [
                sys.executable,
                "-m",
                "keras_acorl.export.child_export",
                manifest_path,
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
    if process.returncode != 0:
        output = (process.stdout + process.stderr)[-3000:]
        formats = sorted({job["format"] for job in jobs})
        raise RuntimeError(
            f"Exporting {formats} on the {backend} backend (child process) "
            f"failed with status {process.returncode}:\n{output}"
        )
