"""What an attribution explains: a class logit, or the cosine score of an
embedding against a reference embedding."""

import collections
import numbers

import keras
import numpy as np

from keras_acorl.analysis.input_gradients import model_outputs

# What an attribution explains, per sample: `kind` "logit" (`weights`: one-hot
# rows of the target classes) or "cosine" (`weights`: unit-norm reference
# embeddings), `weights` of shape (batch, k); see
# `input_gradients.score_values`.
Score = collections.namedtuple("Score", ["kind", "weights"])


def check_inputs(x, argument="x", dtype="float32", what="inputs"):
    """`x` as a finite batch `(batch, ...)` of `dtype`; `what` names its
    items in the error."""
    x = np.asarray(x, dtype=dtype)
    if x.ndim < 2 or x.shape[0] == 0:
        raise ValueError(
            f"`{argument}` must be a non-empty batch of {what}, shape "
            f"(batch, ...). Received shape {x.shape}."
        )
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{argument}` contains NaN or infinite values.")
    return x


def forward(model, x, batch_size=256):
    """`model(x)` in inference mode as NumPy (one array, or a list for a
    model with several outputs), in batches: a direct call of the model's
    cached (jit-compiled on JAX) program, no `predict` compilation for a
    few small batches."""
    chunks = [
        keras.tree.map_structure(
            keras.ops.convert_to_numpy,
            model_outputs(model, x[i : i + batch_size]),
        )
        for i in range(0, len(x), batch_size)
    ]
    if isinstance(chunks[0], (list, tuple)):
        return [np.concatenate(parts) for parts in zip(*chunks)]
    return np.concatenate(chunks)


def check_attribution_model(model, argument="model"):
    """`model` must be a functional (or Sequential) `keras.Model` with one
    input and one output."""
    if not isinstance(model, keras.Model):
        raise TypeError(
            f"`{argument}` must be a keras.Model. Received: {model!r} of type "
            f"{type(model).__name__}"
        )
    if not getattr(model, "inputs", None) or not getattr(
        model, "outputs", None
    ):
        raise ValueError(
            f"`{argument}` must be a functional or Sequential keras.Model "
            f"(with symbolic inputs and outputs). Received the subclassed "
            f"model {model.name!r}; pass its functional members instead "
            f"(e.g. `ComplementaryModel.classifier`, `FusionEnsemble` "
            f"members)."
        )
    if len(model.inputs) != 1 or len(model.outputs) != 1:
        raise ValueError(
            f"`{argument}` must have one input and one output. Received "
            f"{len(model.inputs)} input(s) and {len(model.outputs)} "
            f"output(s)."
        )
    return model


def score_function(model, x, target=None, reference=None):
    """What the attribution explains, per sample of `x`.

    Args:
        model: the `keras.Model` whose outputs are scored.
        x: the batch being explained (for `target=None`: the predicted
            class).
        target: None (the predicted class), an int (one class for every
            sample) or an int array `(batch,)`. Only without `reference`.
        reference: None, or an embedding `(k,)` or `(batch, k)`: the score is
            then the cosine similarity of the model's output (an embedding)
            to it, as in cosine scoring of speaker embeddings.

    Returns:
        A `Score`: the kind of score and its per-sample `weights`
        `(batch, k)`.
    """
    batch = x.shape[0]
    width = model.outputs[0].shape[-1]
    if len(model.outputs[0].shape) != 2:
        raise ValueError(
            "`model` must output one vector per sample (logits or an "
            f"embedding), shape (batch, k). Its output has shape "
            f"{model.outputs[0].shape}."
        )
    if reference is not None:
        if target is not None:
            raise ValueError(
                "Pass either `target` (a class logit) or `reference` (an "
                "embedding to score against), not both. Received both."
            )
        reference = np.asarray(reference, dtype="float32")
        if reference.ndim == 1:
            reference = np.broadcast_to(reference, (batch, reference.size))
        if reference.shape != (batch, width) or not np.all(
            np.isfinite(reference)
        ):
            raise ValueError(
                f"`reference` must be a finite embedding of shape ({width},) "
                f"or ({batch}, {width}) (the model's output size). Received "
                f"shape {reference.shape}."
            )
        reference = reference / np.maximum(
            np.linalg.norm(reference, axis=-1, keepdims=True), 1e-12
        )
        return Score("cosine", reference.astype("float32"))

    target = resolve_target(model, x, target, width)
    return Score("logit", np.eye(width, dtype="float32")[target])


def resolve_target(model, x, target, width):
    """Class indices `(batch,)`: the predicted class when `target` is None."""
    batch = x.shape[0]
    if target is None:
        outputs = forward(model, x)
        return np.argmax(outputs, axis=-1).astype("int64")
    if isinstance(target, numbers.Integral) and not isinstance(target, bool):
        target = np.full((batch,), int(target))
    target = np.asarray(target)
    if target.dtype == bool or not np.issubdtype(target.dtype, np.integer):
        raise TypeError(
            "`target` must be None, an int or an int array of shape "
            f"({batch},). Received dtype {target.dtype}."
        )
    if target.shape != (batch,):
        raise ValueError(
            f"`target` must be None, an int or an int array of shape "
            f"({batch},) (one class per sample). Received shape "
            f"{target.shape}."
        )
    if target.min() < 0 or target.max() >= width:
        raise ValueError(
            f"`target` must hold class indices in [0, {width}) (the model "
            f"has {width} outputs). Received values in [{target.min()}, "
            f"{target.max()}]."
        )
    return target.astype("int64")
