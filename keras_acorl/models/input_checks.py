"""Checks of the data given to `fit` / `evaluate` / `predict` of the
composite models, made before any step runs, and the check that stops a
`fit` whose loss stopped being finite.

Only what is cheap is checked: NumPy arrays (and the NumPy leaves of the
precomputed dicts) are scanned once for emptiness, strings, NaN/inf, the
input's feature shape and, for a sparse task loss, the range of the integer
labels. Datasets are checked for a known length of 0; one whose length is
unknown and that turns out empty raises the same error after the fact.
"""

import inspect
import math
import numbers

import keras
import numpy as np

SPARSE_LOSSES = ("sparse_categorical_crossentropy",)


class EmptyDataError(ValueError):
    """The data given to `fit`/`evaluate`/`predict` holds no samples."""


def empty_data_message(argument, method):
    return (
        f"`{argument}` given to `{method}()` is empty: it holds no "
        "samples (or no batches). Pass data with at least one sample."
    )


def check_data(model, method, x, y=None, x_name="x", y_name="y"):
    """Checks the `x` (and `y`) of one `fit`/`evaluate`/`predict` call."""
    _check_not_empty_dataset(x, x_name, method)
    arrays = _numpy_leaves(x)
    for name, array in arrays:
        _check_array(array, f"{x_name}{name}", method)
    if arrays:
        _check_feature_shape(model, x, x_name)
    if isinstance(y, np.ndarray):
        _check_array(y, y_name, method)
        _check_labels(model, y, y_name)


def check_validation_data(model, validation_data):
    """`fit(validation_data=(x, y[, sample_weight]))` like `x`, `y`."""
    if isinstance(validation_data, (list, tuple)) and validation_data:
        y = validation_data[1] if len(validation_data) > 1 else None
        check_data(
            model,
            "fit",
            validation_data[0],
            y,
            "validation_data[0]",
            "validation_data[1]",
        )
    elif validation_data is not None:
        _check_not_empty_dataset(validation_data, "validation_data", "fit")


def _numpy_leaves(x):
    """`[(suffix, array), ...]` for the NumPy arrays in `x` (an array, or
    a list/dict of arrays such as a precomputed batch)."""
    if isinstance(x, np.ndarray):
        return [("", x)]
    if isinstance(x, (dict, list, tuple)):
        leaves = []
        for path, leaf in keras.tree.flatten_with_path(x):
            if isinstance(leaf, np.ndarray):
                leaves.append(("".join(f"[{p!r}]" for p in path), leaf))
        return leaves
    return []


def _check_array(array, argument, method):
    if array.ndim == 0 or array.shape[0] == 0:
        raise EmptyDataError(
            empty_data_message(argument, method)
            + f" Received shape {array.shape}."
        )
    if not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise TypeError(
            f"`{argument}` must hold numbers. Received an array of dtype "
            f"{array.dtype} (e.g. {array.flat[0]!r}); convert strings to "
            "numbers first (e.g. with a StringLookup layer or np.unique)."
        )
    if np.issubdtype(array.dtype, np.inexact):
        finite = np.isfinite(array)
        if not finite.all():
            bad = tuple(int(i) for i in np.argwhere(~finite)[0])
            raise ValueError(
                f"`{argument}` contains {int(finite.size - finite.sum())} "
                f"NaN or infinite value(s), e.g. at index {bad}: "
                f"{array[bad]}. Training on them makes every weight "
                "NaN; clean or impute them first."
            )


def _check_not_empty_dataset(x, argument, method):
    """A `tf.data.Dataset` or `keras.utils.PyDataset` of known length 0."""
    if isinstance(x, keras.utils.PyDataset):
        length = x.num_batches
        if length == 0:
            raise EmptyDataError(
                empty_data_message(argument, method)
                + f" The PyDataset {type(x).__name__} has 0 batches."
            )
    elif type(x).__module__.startswith("tensorflow") and hasattr(
        x, "cardinality"
    ):
        cardinality = x.cardinality
        if callable(cardinality):  # A tf.distribute dataset has a number.
            cardinality = cardinality()
        if int(cardinality) == 0:
            raise EmptyDataError(
                empty_data_message(argument, method)
                + " The tf.data.Dataset has 0 elements (cardinality 0)."
            )


def _input_shape(model):
    inputs = model.export_inputs()
    if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(inputs, keras.KerasTensor):
        return tuple(inputs.shape)
    return None


def _check_feature_shape(model, x, argument):
    """A single-input model's array input must match its input shape."""
    if isinstance(x, dict) and "inputs" in x:
        x, argument = x["inputs"], f"{argument}['inputs']"
    expected = _input_shape(model)
    if expected is None or not isinstance(x, np.ndarray):
        return
    matches = x.ndim == len(expected) and all(
        e is None or e == r for e, r in zip(expected[1:], x.shape[1:])
    )
    if not matches:
        raise ValueError(
            f"`{argument}` must have shape {expected} (the input shape of "
            f"{type(model).__name__} '{model.name}'). Received shape "
            f"{x.shape}."
        )


def _task_loss(model):
    loss = getattr(model, "label_loss", None)
    return loss if loss is not None else getattr(model, "loss", None)


def _is_sparse(loss):
    if isinstance(loss, keras.losses.SparseCategoricalCrossentropy):
        return True
    if isinstance(loss, str):
        return loss in SPARSE_LOSSES
    function = getattr(loss, "fn", loss)
    return function is keras.losses.sparse_categorical_crossentropy


def _num_classes(model):
    for attribute in ("classifier", "student"):
        product = getattr(model, attribute, None)
        if isinstance(product, keras.Model) and product.outputs:
            if len(product.outputs) == 1:
                return product.outputs[0].shape[-1]
    return None


def _check_labels(model, y, argument):
    """Integer class ids in `[0, num_classes)` for a sparse task loss."""
    loss = _task_loss(model)
    if not _is_sparse(loss):
        return
    num_classes = _num_classes(model)
    loss_name = type(loss).__name__ if not isinstance(loss, str) else loss
    if (
        num_classes is not None
        and num_classes > 1
        and y.ndim >= 2
        and y.shape[-1] == num_classes
    ):
        raise ValueError(
            f"`{argument}` looks one-hot (shape {y.shape}) but the loss "
            f"{loss_name} takes integer class ids of shape {y.shape[:-1]}. "
            "Pass `y.argmax(axis=-1)`, or compile with "
            "keras.losses.CategoricalCrossentropy."
        )
    ignore_class = getattr(loss, "ignore_class", None)
    values = y if ignore_class is None else y[y != ignore_class]
    if values.size == 0:
        return
    if np.any(values != np.round(values)):
        raise ValueError(
            f"`{argument}` must hold integer class ids for the loss "
            f"{loss_name}. Received non-integer values, e.g. "
            f"{values[values != np.round(values)].flat[0]}."
        )
    low, high = values.min().item(), values.max().item()
    if low < 0 or (num_classes is not None and high >= num_classes):
        expected = (
            f"[0, {num_classes - 1}] (the model outputs {num_classes} classes)"
            if num_classes is not None
            else ">= 0"
        )
        raise ValueError(
            f"`{argument}` holds class ids in [{low}, {high}] but must be in "
            f"{expected} for the loss {loss_name}."
        )


def first_batch(x, size=32):
    """Up to `size` samples of `x` (a NumPy array or a
    `keras.utils.PyDataset`), or None for other data."""
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return x[:size]
    if isinstance(x, keras.utils.PyDataset) and x.num_batches:
        batch = x[0]
        return batch[0] if isinstance(batch, tuple) else batch
    return None


def check_member_probabilities(members, x, argument="member_outputs"):
    """Raises a `ValueError` when a member given as outputting
    probabilities does not on the first batch of `x` (values outside
    [0, 1] or rows not summing to 1): it outputs logits."""
    batch = first_batch(x)
    if batch is None:
        return
    for i, member in enumerate(members):
        outputs = keras.ops.convert_to_numpy(member(batch, training=False))
        outputs = outputs.astype("float64")
        sums = outputs.sum(axis=-1)
        if (
            outputs.min() < -1e-4
            or outputs.max() > 1 + 1e-4
            or np.abs(sums - 1).max() > 1e-2
        ):
            raise ValueError(
                f"`{argument}`='probs' but members[{i}] ('{member.name}') "
                "does not output probabilities on the first batch: values "
                f"in [{outputs.min():.3g}, {outputs.max():.3g}], rows "
                f"summing to [{sums.min():.3g}, {sums.max():.3g}]. It looks "
                f"like it outputs logits: pass {argument}='logits' (a "
                "softmax is applied) or end the member with a softmax."
            )


class NonFiniteLossCheck(keras.callbacks.Callback):
    """Raises a `ValueError` at the end of an epoch whose loss, or whose
    model weights, are NaN or infinite (instead of training on).

    Checked once per epoch (a per-batch check would force a host sync on
    every step). `keras.callbacks.TerminateOnNaN` stops on the first NaN
    batch loss instead, without an error.
    """

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        bad = {
            key: value
            for key, value in logs.items()
            if not key.startswith("val_")
            and isinstance(value, numbers.Real)
            and not math.isfinite(value)
            and "loss" in key
        }
        if not bad and _weights_finite(self.model):
            return
        raise ValueError(
            f"Training of '{self.model.name}' diverged in epoch {epoch + 1}: "
            + (
                f"the logged {bad} are not finite"
                if bad
                else "its weights hold NaN or infinite values"
            )
            + ". Check the training data for NaN/inf, or lower the learning "
            "rate / clip the gradients (e.g. optimizer clipnorm=1.0)."
        )


def _weights_finite(model):
    for variable in model.trainable_variables:
        if not np.all(np.isfinite(keras.ops.convert_to_numpy(variable))):
            return False
    return True


def bind(method, model, *args, **kwargs):
    """The arguments of a call of the `keras.Model` method `method`, as a
    dict of keyword arguments."""
    bound = inspect.signature(method).bind(model, *args, **kwargs)
    arguments = dict(bound.arguments)
    del arguments["self"]
    arguments.update(arguments.pop("kwargs", {}))
    return arguments


def check_trained(history, arguments):
    """After `fit`: raises the empty-data error when no epoch was logged
    although epochs were asked for (a dataset of unknown length that was
    empty; TensorFlow and torch return silently then)."""
    epochs = arguments.get("epochs", 1) - arguments.get("initial_epoch", 0)
    resumed = any(
        isinstance(c, keras.callbacks.BackupAndRestore)
        for c in arguments.get("callbacks") or ()
    )
    if epochs > 0 and not resumed and not history.history:
        raise EmptyDataError(empty_data_message("x", "fit"))


class EmptyDataAsValueError:
    """Context manager: what an empty dataset of unknown length raises on
    some backends becomes the `EmptyDataError` of the up-front check: a
    `StopIteration` (JAX), or the model called on `inputs=None` (torch:
    Keras builds the metrics on the first batch, which is None)."""

    def __init__(self, method):
        self.method = method

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        empty = kind is StopIteration or (
            kind is not None
            and issubclass(kind, ValueError)
            and "inputs=None" in str(error)
        )
        if empty:
            raise EmptyDataError(empty_data_message("x", self.method)) from None
        return False
