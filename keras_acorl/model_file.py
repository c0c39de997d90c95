"""`load_keras_file`: the one place where keras-acorl loads `.keras` files.

Always with Keras' `safe_mode=True` (a file holding a Python lambda is
refused, never executed), and with errors that name the file: Keras
reports a truncated or corrupt file as "File not found".
"""

import os
import zipfile
import zlib

import keras


def load_keras_file(path, compile=True, custom_objects=None):
    """Loads the `.keras` file at `path` with `keras.saving.load_model`
    in safe mode.

    Args:
        path: str or path-like, a `.keras` file.
        compile: bool. Compile the model as it was saved. Defaults to True.
        custom_objects: optional dict of classes or functions the file
            needs that are not registered for saving.

    Returns:
        The `keras.Model`.

    Raises:
        FileNotFoundError: no file at `path`.
        ValueError: `path` is not a `.keras` file, is truncated or
            corrupt, or holds a Python lambda (refused in safe mode).

    Example:

    ```python
    import os
    import tempfile
    import keras
    from keras_acorl.model_file import load_keras_file

    inputs = keras.Input(shape=(4,))
    model = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    path = os.path.join(tempfile.mkdtemp(), "model.keras")
    model.save(path)
    load_keras_file(path).output_shape  # (None, 2)
    ```
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"`path` must be a str or path-like. Received: {path!r} of type "
            f"{type(path).__name__}"
        )
    path = os.fspath(path)
    if not path.endswith(".keras"):
        raise ValueError(
            f"`path` must name a `.keras` file. Received: {path!r}"
        )
    if not os.path.isfile(path):
        raise FileNotFoundError(f"No `.keras` file at {path!r}.")
    _check_archive(path)
    # Registers the speaker layers (LogMelFrontend, ...) for deserializing.
    import keras_acorl.speaker  # noqa: F401

    try:
        return keras.saving.load_model(
            path, compile=compile, custom_objects=custom_objects
        )
    except ValueError as error:
        if "safe_mode" not in str(error):
            raise
        raise ValueError(
            f"Refused to load {path!r}: it holds a Python lambda (a "
            "`keras.layers.Lambda` or a lambda in a config), which would "
            "run arbitrary code when loaded. keras-acorl always loads in "
            "Keras' safe mode; rebuild the model without the lambda (a "
            "registered layer class) or, only if you trust the file, load "
            "it yourself with `keras.saving.load_model(path, "
            "safe_mode=False)`."
        ) from error


def _check_archive(path):
    """Raises a ValueError naming `path` if it is not a complete zip
    archive holding a Keras model."""
    problem = None
    try:
        with zipfile.ZipFile(path) as archive:
            names = set(archive.namelist())
            broken = archive.testzip()
            if broken is not None:
                problem = f"the member {broken!r} fails its checksum"
            elif "config.json" not in names:
                problem = "it holds no config.json"
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError) as error:
        problem = f"it is not a complete zip archive ({error})"
    if problem is not None:
        raise ValueError(
            f"{path!r} is not a valid `.keras` file: {problem}. The file is "
            "truncated or corrupt (e.g. an interrupted copy or save); save "
            "or copy it again."
        )
