"""`unit_normalize`: the values of `keras.ops.normalize`, finite gradients
at the zero vector, also through the layers that use it."""

import keras
import numpy as np

from keras_acorl.keras_compat import gradients
from keras_acorl.losses.representation_losses import cosine_distance
from keras_acorl.speaker import CosineClassifier
from keras_acorl.unit_normalize import unit_normalize


def gradient_of(fn, x):
    x = keras.ops.convert_to_tensor(x)
    return keras.ops.convert_to_numpy(gradients(lambda v: fn(v[0]), [x])[0])


def test_values_match_keras_normalize_and_zero_rows_stay_zero():
    x = np.random.default_rng(0).normal(size=(4, 5)).astype("float32")
    x[2] = 0.0
    for axis in (-1, 0):
        expected = keras.ops.normalize(x, axis=axis, order=2, epsilon=1e-7)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(unit_normalize(x, axis, 1e-7)),
            keras.ops.convert_to_numpy(expected),
            rtol=1e-6,
            atol=1e-7,
        )
    np.testing.assert_array_equal(
        keras.ops.convert_to_numpy(unit_normalize(x))[2], 0.0
    )


def test_half_precision_keeps_the_floor():
    # epsilon**2 = 1e-24 is 0 in float16: computed naively, rsqrt(0) = inf
    # and 0 * inf = NaN in the forward pass.
    x = np.array([[0.0, 0.0], [3.0, 4.0]], "float16")
    y = keras.ops.convert_to_numpy(unit_normalize(x))
    assert y.dtype == np.float16
    np.testing.assert_allclose(y, [[0.0, 0.0], [0.6, 0.8]], atol=1e-3)


def test_gradient_at_zero_is_finite_where_keras_normalize_is_not():
    x = np.zeros((2, 3), "float32")
    x[1] = [1.0, 2.0, 2.0]
    weights = keras.ops.convert_to_tensor(np.array([1.0, -2.0, 0.5], "float32"))

    def score(normalize):
        return lambda v: keras.ops.sum(normalize(v) * weights)

    ours = gradient_of(score(unit_normalize), x)
    assert np.all(np.isfinite(ours))
    # Away from 0 the gradient is that of keras.ops.normalize:
    # (I - u u^T) w / |x| with u = x / |x| = (1, 2, 2) / 3.
    u = x[1] / 3.0
    w = np.array([1.0, -2.0, 0.5])
    np.testing.assert_allclose(ours[1], (w - u * (u @ w)) / 3.0, rtol=1e-5)
    # At 0: the floor's slope, w / epsilon.
    np.testing.assert_allclose(ours[0], w / 1e-12, rtol=1e-5)


def test_cosine_classifier_gradient_is_finite_for_a_zero_embedding():
    layer = CosineClassifier(3)
    layer.build((None, 4))
    x = np.zeros((2, 4), "float32")
    x[1] = 1.0
    g = gradient_of(lambda v: keras.ops.sum(layer(v)), x)
    assert np.all(np.isfinite(g)), g


def test_cosine_distance_gradient_at_zero():
    target = keras.ops.convert_to_tensor(np.ones((1, 4), "float32"))
    g = gradient_of(
        lambda v: keras.ops.sum(cosine_distance(target, v)),
        np.zeros((1, 4), "float32"),
    )
    # d(1 - u_t . x / 1e-6) / dx = -u_t / 1e-6, u_t = (0.5, 0.5, 0.5, 0.5).
    np.testing.assert_allclose(g, np.full((1, 4), -5e5), rtol=1e-5)
