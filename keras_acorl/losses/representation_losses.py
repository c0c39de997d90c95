"""Per-sample distances between a prediction and a target representation.

All functions take `(batch, dim)` tensors and return `(batch,)` tensors, use
`keras.ops` / `keras.losses` only and never sync with the host.
"""

import keras


def cosine_distance(target, prediction):
    """`1 - cos(target, prediction)` per sample, in `[0, 2]`.

    A zero vector is at distance 1 from everything, with a finite (zero)
    gradient. Not `keras.losses.cosine_similarity`: on JAX its
    normalization differentiates the norm at 0 and gives NaN gradients for
    an all-zero row (e.g. an adversary's output for a sample whose ReLU
    representation is all zero), which turns every weight into NaN.
    """
    target = keras.ops.convert_to_tensor(target)
    prediction = keras.ops.convert_to_tensor(prediction)
    return 1.0 - keras.ops.sum(
        _unit_rows(target) * _unit_rows(prediction), axis=-1
    )


def _unit_rows(x, epsilon=1e-12):
    """`x / max(|x|, sqrt(epsilon))` per row, differentiable at 0."""
    squared = keras.ops.sum(keras.ops.square(x), axis=-1, keepdims=True)
    return x * keras.ops.rsqrt(keras.ops.maximum(squared, epsilon))


def mean_squared_distance(target, prediction):
    """Mean squared difference over the feature axis, per sample
    (`keras.losses.mean_squared_error`)."""
    return keras.losses.mean_squared_error(target, prediction)
