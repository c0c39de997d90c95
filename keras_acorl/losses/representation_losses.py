"""Per-sample distances between a prediction and a target representation.

All functions take `(batch, dim)` tensors and return `(batch,)` tensors, use
`keras.ops` only and never sync with the host.
"""

import keras


def cosine_distance(target, prediction, epsilon=1e-7):
    """`1 - cos(target, prediction)` per sample, in `[0, 2]`."""
    target = keras.ops.normalize(target, axis=-1, epsilon=epsilon)
    prediction = keras.ops.normalize(prediction, axis=-1, epsilon=epsilon)
    return 1.0 - keras.ops.sum(target * prediction, axis=-1)


def mean_squared_distance(target, prediction):
    """Mean squared difference over the feature axis, per sample."""
    return keras.ops.mean(keras.ops.square(target - prediction), axis=-1)
