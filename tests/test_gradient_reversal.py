import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.layers import GradientReversal
from tests.helpers import run_model_saving_test
from tests.helpers import run_serialization_test
from tests.helpers import value_and_gradient


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("scale", [1.0, 0.5, 0.0, 2.0])
def test_forward_is_identity_and_gradient_is_reversed(jit, scale):
    layer = GradientReversal(scale=scale)
    x = np.random.randn(3, 5).astype("float32")
    upstream = np.arange(15, dtype="float32").reshape(3, 5) - 7.0

    def fn(t):
        return layer(t) * keras.ops.convert_to_tensor(upstream)

    y, grad = value_and_gradient(fn, x, jit=jit)
    np.testing.assert_allclose(y, x * upstream, rtol=1e-6)
    np.testing.assert_allclose(grad, -scale * upstream, rtol=1e-6, atol=0)


def _grl_model(scale):
    inputs = keras.Input(shape=(1,))
    first = keras.layers.Dense(
        1, use_bias=False, kernel_initializer="ones", name="first"
    )
    second = keras.layers.Dense(
        1,
        use_bias=False,
        kernel_initializer=keras.initializers.Constant(3.0),
        name="second",
    )
    hidden = GradientReversal(scale=scale, name="grl")(first(inputs))
    return keras.Model(inputs, second(hidden))


class _MeanOutput(keras.losses.Loss):
    def call(self, y_true, y_pred):
        return keras.ops.mean(y_pred, axis=-1)


@pytest.mark.parametrize("scale", [1.0, 0.25])
def test_one_sgd_step_moves_weights_before_the_layer_uphill(scale):
    # loss = w2 * grl(w1 * x); dloss/dw2 = w1 * x, through the layer the
    # gradient reaching w1 is -scale * w2 * x.
    model = _grl_model(scale)
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=_MeanOutput(),
        jit_compile=keras.backend.backend() != "torch",
    )
    x = np.full((4, 1), 2.0, dtype="float32")
    model.fit(
        x, np.zeros((4, 1)), batch_size=4, epochs=1, verbose=0, shuffle=False
    )
    w1 = float(
        keras.ops.convert_to_numpy(model.get_layer("first").kernel)[0, 0]
    )
    w2 = float(
        keras.ops.convert_to_numpy(model.get_layer("second").kernel)[0, 0]
    )
    np.testing.assert_allclose(w1, 1.0 + 0.1 * scale * 3.0 * 2.0, rtol=1e-6)
    np.testing.assert_allclose(w2, 3.0 - 0.1 * 1.0 * 2.0, rtol=1e-6)


def test_scale_changes_during_jit_fit_without_retracing_stale_values():
    # Schedule: scale 0 for the first 3 steps (w1 frozen), 1 afterwards.
    model = _grl_model(1.0)
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=_MeanOutput(),
        jit_compile=keras.backend.backend() != "torch",
    )
    x = np.full((6, 1), 1.0, dtype="float32")
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(
        lambda p: 0.0 if p < 0.5 else 1.0
    )
    history = model.fit(
        x,
        np.zeros((6, 1)),
        batch_size=1,
        epochs=1,
        verbose=0,
        shuffle=False,
        callbacks=[scheduler],
    )
    w1 = float(
        keras.ops.convert_to_numpy(model.get_layer("first").kernel)[0, 0]
    )
    # Steps 3..5 each add 0.1 * w2 (w2 decreases by 0.1 * w1 every step).
    w1_ref, w2_ref = 1.0, 3.0
    for step in range(6):
        scale = 0.0 if step / 6 < 0.5 else 1.0
        w1_ref, w2_ref = w1_ref + 0.1 * scale * w2_ref, w2_ref - 0.1 * w1_ref
    np.testing.assert_allclose(w1, w1_ref, rtol=1e-5)
    assert history.history["gradient_reversal_scale"] == [1.0]
    scale = float(keras.ops.convert_to_numpy(model.get_layer("grl").scale))
    assert scale == 1.0


def test_scale_is_a_non_trainable_variable():
    layer = GradientReversal(scale=0.3)
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 1
    np.testing.assert_allclose(keras.ops.convert_to_numpy(layer.scale), 0.3)


def test_serialization_and_model_saving(tmp_path):
    run_serialization_test(GradientReversal(scale=0.7, name="grl"))
    model = _grl_model(0.5)
    model.get_layer("grl").scale.assign(0.9)
    restored = run_model_saving_test(model, np.ones((2, 1)), tmp_path)
    value = keras.ops.convert_to_numpy(restored.get_layer("grl").scale)
    np.testing.assert_allclose(value, 0.9)


@pytest.mark.parametrize("bad", ["1.0", None, [1.0]])
def test_bad_scale_type(bad):
    with pytest.raises(TypeError, match="scale"):
        GradientReversal(scale=bad)


def test_bad_scale_value():
    with pytest.raises(ValueError, match="scale"):
        GradientReversal(scale=float("nan"))
