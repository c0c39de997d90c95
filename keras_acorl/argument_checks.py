"""Argument checks shared by the models of keras-acorl.

Each helper raises a `ValueError` or `TypeError` whose message names the
argument, what was expected and what was received.
"""

import math
import numbers
import os
import tempfile

import keras


def check_model_list(models, argument, minimum=1):
    """`models` must be a non-empty list/tuple of `keras.Model`s."""
    if isinstance(models, keras.Model):
        models = [models]
    if not isinstance(models, (list, tuple)):
        raise TypeError(
            f"`{argument}` must be a list of keras.Model instances. "
            f"Received: {type(models).__name__}"
        )
    if len(models) < minimum:
        raise ValueError(
            f"`{argument}` must hold at least {minimum} keras.Model(s). "
            f"Received {len(models)}."
        )
    for i, model in enumerate(models):
        check_model(model, f"{argument}[{i}]")
    return list(models)


def check_model(model, argument):
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"`{argument}` must be a keras.Model. Received: {model!r} of type "
            f"{type(model).__name__}"
        )
    return model


def check_functional_model(model, argument):
    """`model` must be a `keras.Model` with symbolic inputs (functional or
    built Sequential)."""
    check_model(model, argument)
    if not getattr(model, "inputs", None):
        raise ValueError(
            f"`{argument}` must be a functional keras.Model (with symbolic "
            f"inputs). Received the subclassed model {model!r}"
        )
    return model


def input_signature(model):
    """Per-input shapes without the batch axis, or None when unknown."""
    inputs = getattr(model, "inputs", None)
    if not inputs:
        return None
    return [tuple(t.shape[1:]) for t in inputs]


def _shapes_compatible(a, b):
    if len(a) != len(b):
        return False
    for sa, sb in zip(a, b):
        if len(sa) != len(sb):
            return False
        for da, db in zip(sa, sb):
            if da is not None and db is not None and da != db:
                return False
    return True


def check_same_inputs(models, names, argument):
    """All models with known inputs must take inputs of the same shape."""
    reference = None
    for model, name in zip(models, names):
        signature = input_signature(model)
        if signature is None:
            continue
        if reference is None:
            reference = (name, signature)
        elif not _shapes_compatible(reference[1], signature):
            raise ValueError(
                f"`{argument}`: all models must take the same input shape. "
                f"{reference[0]} takes {_fmt(reference[1])} but {name} takes "
                f"{_fmt(signature)}."
            )


def _fmt(signature):
    shapes = [(None, *s) for s in signature]
    return str(shapes[0]) if len(shapes) == 1 else str(shapes)


def check_real(value, argument):
    """`value` must be a finite real number (a Python or NumPy scalar, not a
    bool); returns it as a float."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"`{argument}` must be a real number, for example 1.0. "
            f"Received: {argument}={value!r} of type {type(value).__name__}"
        )
    if not math.isfinite(value):
        raise ValueError(
            f"`{argument}` must be a finite number. Received: "
            f"{argument}={value}"
        )
    return float(value)


def check_non_negative(value, argument):
    value = check_real(value, argument)
    if value < 0:
        raise ValueError(f"`{argument}` must be >= 0. Received: {value}")
    return value


def check_choice(value, choices, argument):
    if value not in choices:
        raise ValueError(
            f"Unknown `{argument}`: {value!r}. Expected one of "
            f"{sorted(choices)}."
        )
    return value


def check_positive_int(value, argument):
    """`value` must be an int >= 1 (a Python or NumPy integer, not a bool);
    returns it as an int."""
    return _check_int_in(value, argument, 1, None, "a positive int")


def check_positive_int_tuple(values, argument):
    """`values` must be a non-empty sequence of ints >= 1; returns it as a
    tuple."""
    values = tuple(values)
    if not values:
        raise ValueError(f"`{argument}` must not be empty.")
    for value in values:
        check_positive_int(value, argument)
    return values


def check_seed(value, argument="seed"):
    """`value` must be an int in `[0, 2**32)` (what NumPy, scikit-learn and
    TensorFlow accept as a seed); returns it as an int."""
    return _check_int_in(value, argument, 0, 2**32, "an int in [0, 2**32)")


def _check_int_in(value, argument, low, high, expected):
    """`value` must be an integer (not a bool) with `low <= value` and,
    unless `high` is None, `value < high`; `expected` describes that."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"`{argument}` must be {expected}. Received: "
            f"{argument}={value!r} of type {type(value).__name__}"
        )
    if value < low or (high is not None and value >= high):
        raise ValueError(
            f"`{argument}` must be {expected}. Received: {argument}={value}"
        )
    return int(value)


def check_open_unit(value, argument):
    """`value` must be a real number strictly between 0 and 1."""
    value = check_real(value, argument)
    if not 0.0 < value < 1.0:
        raise ValueError(
            f"`{argument}` must be a number in (0, 1). Received: "
            f"{argument}={value}"
        )
    return value


def check_positive(value, argument):
    """`value` must be a finite real number > 0."""
    value = check_real(value, argument)
    if not value > 0.0:
        raise ValueError(
            f"`{argument}` must be > 0. Received: {argument}={value}"
        )
    return value


def check_schedule(schedule, argument):
    """`schedule` must be None or a callable `progress -> factor` giving a
    finite real number at progress 0, 0.5 and 1 (probed once here, on
    scalar tensors, as the training step calls it)."""
    if schedule is None:
        return None
    if not callable(schedule):
        raise TypeError(
            f"`{argument}` must be None or a callable `progress -> factor`, "
            "e.g. keras_acorl.schedules.DANNRamp(). Received: "
            f"{argument}={schedule!r}"
        )
    for progress in (0.0, 0.5, 1.0):
        try:
            value = schedule(keras.ops.convert_to_tensor(progress, "float32"))
            value = keras.ops.convert_to_numpy(keras.ops.cast(value, "float32"))
        except Exception as error:  # Backends raise different types.
            raise TypeError(
                f"`{argument}` must return a real number (a scalar "
                f"tensor or float). At progress {progress} it gave an "
                f"error: {error}"
            ) from None
        if value.size != 1:
            raise ValueError(
                f"`{argument}` must return a scalar. At progress {progress} "
                f"it returned shape {value.shape}."
            )
        if not math.isfinite(float(value.reshape(()))):
            raise ValueError(
                f"`{argument}` must return a finite number. At progress "
                f"{progress} it returned {float(value.reshape(()))}."
            )
    return schedule


def check_output_dir(path, argument):
    """`path` must be a folder this process can write (it is created when
    missing); returns it as a string. A `ValueError` names `argument` and
    the path when it is a file or cannot be written."""
    path = os.fspath(path)
    if os.path.exists(path) and not os.path.isdir(path):
        raise ValueError(
            f"`{argument}` must be a folder, but '{path}' is a file."
        )
    try:
        os.makedirs(path, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as error:
        raise ValueError(
            f"`{argument}` '{path}' is not a writable folder: "
            f"{error.strerror or error}."
        ) from None
    return path


def check_layer_name(model, name, argument, listing=None):
    """The layer of `model` named `name`; a `TypeError` when `name` is not
    a string, a `ValueError` naming `argument` when there is no such
    layer, listing `listing` (default: every layer's name)."""
    if not isinstance(name, str):
        raise TypeError(
            f"`{argument}` must be the name (a string) of a layer of model "
            f"{model.name!r}. Received: {name!r} of type "
            f"{type(name).__name__}"
        )
    names = [layer.name for layer in model.layers]
    if name not in names:
        if listing is None:
            listing = f"Available layers: {names}"
        raise ValueError(
            f"`{argument}` names layer {name!r}, which model {model.name!r} "
            f"does not have. {listing}"
        )
    return model.get_layer(name)
