import math

import keras
import numpy as np
import pytest

from keras_acorl.speaker import AdditiveAngularMarginLoss
from keras_acorl.speaker import CosineClassifier
from tests.helpers import value_and_gradient


def scaled_cross_entropy(labels, logits):
    logits = logits - logits.max(axis=1, keepdims=True)
    log_probs = logits - np.log(np.exp(logits).sum(axis=1, keepdims=True))
    return -log_probs[np.arange(len(labels)), labels]


def cosines_and_labels(seed=0):
    rng = np.random.default_rng(seed)
    cosines = rng.uniform(-0.99, 0.99, size=(6, 5)).astype("float32")
    labels = rng.integers(0, 5, size=(6,))
    return cosines, labels


def test_margin_zero_is_scaled_softmax_cross_entropy():
    cosines, labels = cosines_and_labels()
    loss = AdditiveAngularMarginLoss(margin=0.0, scale=16.0)
    expected = scaled_cross_entropy(labels, 16.0 * cosines).mean()
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loss(labels, cosines)), expected, rtol=1e-5
    )


def test_target_logit_is_scaled_cosine_of_shifted_angle():
    cosines, labels = cosines_and_labels()
    loss = AdditiveAngularMarginLoss(margin=0.3, scale=10.0)
    logits = keras.ops.convert_to_numpy(loss.logits(labels, cosines))
    rows = np.arange(len(labels))
    target = cosines[rows, labels]
    shifted = np.cos(np.arccos(target) + 0.3)
    # Beyond theta = pi - m: the continuous extension cos - (1 - cos m).
    shifted = np.where(
        target > math.cos(math.pi - 0.3), shifted, target - 1 + math.cos(0.3)
    )
    np.testing.assert_allclose(logits[rows, labels], 10.0 * shifted, atol=1e-5)
    others = np.ones_like(cosines, dtype=bool)
    others[rows, labels] = False
    np.testing.assert_allclose(
        logits[others], 10.0 * cosines[others], atol=1e-5
    )
    # The loss is the cross-entropy of these logits, larger than without
    # the margin, and labels of shape (batch, 1) work the same.
    value = keras.ops.convert_to_numpy(loss(labels[:, None], cosines))
    np.testing.assert_allclose(
        value, scaled_cross_entropy(labels, logits).mean(), rtol=1e-5
    )
    plain = AdditiveAngularMarginLoss(margin=0.0, scale=10.0)
    assert value > keras.ops.convert_to_numpy(plain(labels, cosines))


def test_threshold_rule_is_continuous_and_easy_margin():
    loss = AdditiveAngularMarginLoss(margin=0.5, scale=1.0)
    threshold = math.cos(math.pi - 0.5)
    cosines = np.array([[threshold + 1e-4], [threshold - 1e-4]], "float32")
    logits = keras.ops.convert_to_numpy(loss.logits([0, 0], cosines))[:, 0]
    np.testing.assert_allclose(logits, -1.0, atol=1e-3)
    easy = AdditiveAngularMarginLoss(margin=0.5, scale=1.0, easy_margin=True)
    cosines = np.array([[0.5], [-0.2]], "float32")
    logits = keras.ops.convert_to_numpy(easy.logits([0, 0], cosines))[:, 0]
    np.testing.assert_allclose(
        logits, [math.cos(math.acos(0.5) + 0.5), -0.2], atol=1e-5
    )


def test_gradient_is_finite_at_plus_minus_one():
    loss = AdditiveAngularMarginLoss(margin=0.2, scale=30.0)
    labels = np.array([0, 1, 2, 0])
    cosines = np.array(
        [[1.0, -1.0, 0.0], [1.0, -1.0, 0.5], [0.2, 1.0, -1.0], [0.3, 0.1, 0]],
        "float32",
    )
    value, gradient = value_and_gradient(lambda c: loss(labels, c), cosines)
    assert np.isfinite(value)
    assert np.isfinite(gradient).all()
    # Raising the target cosine lowers the loss, raising others raises it.
    assert gradient[3, 0] < 0 and gradient[1, 0] > 0


def test_margin_widens_the_angular_gap():
    """Trained with a margin, each sample's angle to its own class weight
    is smaller, relative to the nearest other class, than without."""
    rng = np.random.default_rng(0)
    centers = rng.normal(size=(4, 6)) * 1.5
    y = np.repeat(np.arange(4), 32)
    x = (centers[y] + rng.normal(size=(128, 6))).astype("float32")

    def angular_gap(margin):
        keras.utils.set_random_seed(0)
        inputs = keras.Input((6,))
        embedding = keras.layers.Dense(8, name="embedding")(inputs)
        model = keras.Model(inputs, CosineClassifier(4)(embedding))
        model.compile(
            optimizer=keras.optimizers.Adam(0.05),
            loss=AdditiveAngularMarginLoss(margin=margin, scale=10.0),
        )
        history = model.fit(x, y, epochs=8, batch_size=16, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
        angles = np.arccos(np.clip(model.predict(x, verbose=0), -1, 1))
        target = angles[np.arange(len(y)), y]
        nearest_other = np.where(np.eye(4)[y] > 0, np.inf, angles).min(1)
        assert (angles.argmin(1) == y).mean() > 0.9
        return np.median(nearest_other - target)

    assert angular_gap(0.3) > angular_gap(0.0) + 0.1


def test_serialization():
    loss = AdditiveAngularMarginLoss(margin=0.1, scale=20.0, easy_margin=True)
    restored = AdditiveAngularMarginLoss.from_config(loss.get_config())
    assert restored.get_config() == loss.get_config()
    restored = keras.losses.deserialize(keras.losses.serialize(loss))
    assert isinstance(restored, AdditiveAngularMarginLoss)
    assert (restored.margin, restored.scale) == (0.1, 20.0)


def test_bad_arguments():
    with pytest.raises(ValueError, match="margin"):
        AdditiveAngularMarginLoss(margin=-0.1)
    with pytest.raises(ValueError, match="margin"):
        AdditiveAngularMarginLoss(margin=2.0)
    with pytest.raises(TypeError, match="scale"):
        AdditiveAngularMarginLoss(scale="30")
    with pytest.raises(ValueError, match="scale"):
        AdditiveAngularMarginLoss(scale=0.0)
    with pytest.raises(TypeError, match="easy_margin"):
        AdditiveAngularMarginLoss(easy_margin=1)
