import keras
import numpy as np

from keras_acorl.losses import cosine_distance
from keras_acorl.losses import mean_squared_distance


def _numpy(value):
    return keras.ops.convert_to_numpy(value)


def test_cosine_distance_values():
    target = np.array(
        [[1.0, 0.0], [1.0, 1.0], [1.0, 1.0], [3.0, 4.0], [0.0, 0.0]], "float32"
    )
    prediction = np.array(
        [[0.0, 2.0], [2.0, 2.0], [-1.0, -1.0], [4.0, 3.0], [1.0, 2.0]],
        "float32",
    )
    # Orthogonal, same direction, opposite, cos = 24 / 25, zero vector.
    expected = [1.0, 0.0, 2.0, 1.0 - 24.0 / 25.0, 1.0]
    np.testing.assert_allclose(
        _numpy(cosine_distance(target, prediction)), expected, atol=1e-6
    )


def test_mean_squared_distance_values():
    rng = np.random.default_rng(0)
    target = rng.normal(size=(4, 6)).astype("float32")
    prediction = rng.normal(size=(4, 6)).astype("float32")
    np.testing.assert_allclose(
        _numpy(mean_squared_distance(target, prediction)),
        np.mean((target - prediction) ** 2, axis=-1),
        rtol=1e-6,
    )
