"""Per-sample distances between a prediction and a target representation.

All functions take `(batch, dim)` tensors and return `(batch,)` tensors, use
`keras.ops` / `keras.losses` only and never sync with the host.
"""

import keras

from keras_acorl.unit_normalize import unit_normalize


def cosine_distance(target, prediction):
    """`1 - cos(target, prediction)` per sample, in `[0, 2]`.

    A zero vector is at distance 1 from everything, with a finite
    gradient. Not `keras.losses.cosine_similarity`: its normalization
    (`keras.ops.normalize`) gives NaN gradients for an all-zero row on JAX
    (e.g. an adversary's output for a sample whose ReLU representation is
    all zero), which turns every weight into NaN; see `unit_normalize`.
    """
    target = keras.ops.convert_to_tensor(target)
    prediction = keras.ops.convert_to_tensor(prediction)
    return 1.0 - keras.ops.sum(
        unit_normalize(target, epsilon=1e-6)
        * unit_normalize(prediction, epsilon=1e-6),
        axis=-1,
    )


def mean_squared_distance(target, prediction):
    """Mean squared difference over the feature axis, per sample
    (`keras.losses.mean_squared_error`)."""
    return keras.losses.mean_squared_error(target, prediction)
