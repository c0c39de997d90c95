"""Per-sample distances between a prediction and a target representation.

All functions take `(batch, dim)` tensors and return `(batch,)` tensors, use
`keras.ops` / `keras.losses` only and never sync with the host.
"""

import keras


def cosine_distance(target, prediction):
    """`1 - cos(target, prediction)` per sample, in `[0, 2]`.

    `1 + keras.losses.cosine_similarity` (which is the negative cosine); a
    zero vector is at distance 1 from everything.
    """
    return 1.0 + keras.losses.cosine_similarity(target, prediction, axis=-1)


def mean_squared_distance(target, prediction):
    """Mean squared difference over the feature axis, per sample
    (`keras.losses.mean_squared_error`)."""
    return keras.losses.mean_squared_error(target, prediction)
