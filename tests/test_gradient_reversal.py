import keras
import numpy as np
import pytest

from keras_acorl.layers import GradientReversal
from keras_acorl.schedules import DANNRamp
from tests.helpers import run_model_saving_test
from tests.helpers import run_serialization_test
from tests.helpers import value_and_gradient
from tests.test_case import run_layer_test


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


def _grl_model(scale, **kwargs):
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
    hidden = GradientReversal(scale=scale, name="grl", **kwargs)(first(inputs))
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


def _jit():
    return keras.backend.backend() != "torch"


def _fit_one_sample_steps(model, steps, **kwargs):
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=_MeanOutput(),
        jit_compile=_jit(),
    )
    return model.fit(
        np.ones((steps, 1), "float32"),
        np.zeros((steps, 1)),
        batch_size=1,
        epochs=1,
        verbose=0,
        shuffle=False,
        **kwargs,
    )


def _kernel(model, name):
    kernel = model.get_layer(name).kernel
    return float(keras.ops.convert_to_numpy(kernel)[0, 0])


def _reference_weights(factors, scale=1.0):
    """w1, w2 of `_grl_model` after one SGD(0.1) step per factor on x = 1:
    dloss/dw2 = w1 and, through the layer, dloss/dw1 = -factor * w2."""
    w1, w2 = 1.0, 3.0
    for factor in factors:
        w1, w2 = w1 + 0.1 * scale * factor * w2, w2 - 0.1 * w1
    return w1, w2


def _step_schedule(progress):
    return keras.ops.where(progress < 0.5, 0.0, 1.0)


@pytest.mark.parametrize(
    "schedule, reference",
    [
        (_step_schedule, lambda p: 0.0 if p < 0.5 else 1.0),
        (DANNRamp(gamma=5.0), DANNRamp(gamma=5.0)),
    ],
)
def test_scheduled_scale_is_computed_in_the_compiled_step(schedule, reference):
    # Every step sees `scale * schedule(step / total_steps)`, computed in the
    # jit-compiled step from the layer's counter: nothing assigns per batch.
    model = _grl_model(0.5, schedule=schedule, total_steps=6)
    _fit_one_sample_steps(model, 6)
    w1_ref, w2_ref = _reference_weights(
        [reference(step / 6) for step in range(6)], scale=0.5
    )
    np.testing.assert_allclose(_kernel(model, "first"), w1_ref, rtol=1e-5)
    np.testing.assert_allclose(_kernel(model, "second"), w2_ref, rtol=1e-5)
    layer = model.get_layer("grl")
    assert int(keras.ops.convert_to_numpy(layer.iterations)) == 6
    # A second fit continues the schedule from the counter (progress >= 1:
    # the last factor), in the already compiled step.
    before = _kernel(model, "first"), _kernel(model, "second")
    _fit_one_sample_steps(model, 1)
    w1 = before[0] + 0.1 * 0.5 * reference(1.0) * before[1]
    np.testing.assert_allclose(_kernel(model, "first"), w1, rtol=1e-5)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("step", [0, 3, 10])
def test_gradient_at_a_step_of_the_schedule(jit, step):
    ramp = DANNRamp()
    layer = GradientReversal(scale=2.0, schedule=ramp, total_steps=10)
    layer.iterations.assign(step)
    x = np.random.randn(3, 5).astype("float32")
    y, grad = value_and_gradient(layer, x, jit=jit)
    np.testing.assert_allclose(y, x, rtol=1e-6)
    np.testing.assert_allclose(
        grad, np.full_like(x, -2.0 * ramp(step / 10)), rtol=1e-6
    )


def test_counter_advances_in_training_calls_only():
    layer = GradientReversal(schedule=DANNRamp(), total_steps=4)
    x = np.ones((2, 3), "float32")
    layer(x)
    layer(x, training=False)
    assert int(keras.ops.convert_to_numpy(layer.iterations)) == 0
    layer(x, training=True)
    layer(x, training=True)
    assert int(keras.ops.convert_to_numpy(layer.iterations)) == 2
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.schedule_value()),
        DANNRamp()(0.5),
        rtol=1e-6,
    )
    # Without a schedule the factor is `scale` and nothing counts.
    constant = GradientReversal(scale=0.3)
    constant(x, training=True)
    assert int(keras.ops.convert_to_numpy(constant.iterations)) == 0
    assert float(keras.ops.convert_to_numpy(constant.schedule_value())) == 1.0


def test_training_a_schedule_without_total_steps_names_it():
    model = _grl_model(1.0, schedule=DANNRamp())
    with pytest.raises(ValueError, match="total_steps"):
        _fit_one_sample_steps(model, 2)


def test_scale_set_between_fits_is_used_without_retracing():
    model = _grl_model(1.0)
    _fit_one_sample_steps(model, 1)
    model.get_layer("grl").scale = np.float32(0.25)
    before = _kernel(model, "first"), _kernel(model, "second")
    _fit_one_sample_steps(model, 1)
    np.testing.assert_allclose(
        _kernel(model, "first"), before[0] + 0.1 * 0.25 * before[1], rtol=1e-5
    )


def test_scale_is_a_non_trainable_variable():
    layer = GradientReversal(scale=0.3)
    assert layer.trainable_weights == []
    assert len(layer.non_trainable_weights) == 3
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.scale_variable), 0.3
    )
    assert layer.scale == pytest.approx(0.3)


def test_serialization_and_model_saving(tmp_path):
    run_serialization_test(GradientReversal(scale=0.7, name="grl"))
    restored = run_serialization_test(
        GradientReversal(schedule=DANNRamp(gamma=3.0), total_steps=20)
    )
    assert restored.schedule.gamma == 3.0 and restored.total_steps == 20
    inputs = keras.Input(shape=(1,))
    layer = GradientReversal(schedule=DANNRamp(), total_steps=9, name="grl")
    model = keras.Model(inputs, keras.layers.Dense(1)(layer(inputs)))
    layer.scale = 0.9
    layer.iterations.assign(5)
    restored = run_model_saving_test(model, np.ones((2, 1)), tmp_path)
    restored_layer = restored.get_layer("grl")
    assert restored_layer.scale == pytest.approx(0.9)
    assert restored_layer.total_steps == 9
    assert int(keras.ops.convert_to_numpy(restored_layer.iterations)) == 5


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], True])
def test_bad_scale_type(bad):
    with pytest.raises(TypeError, match="scale"):
        GradientReversal(scale=bad)
    layer = GradientReversal()
    with pytest.raises(TypeError, match="scale"):
        layer.scale = bad


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_bad_scale_value(bad):
    with pytest.raises(ValueError, match="scale"):
        GradientReversal(scale=bad)


def test_bad_schedule_and_total_steps():
    with pytest.raises(TypeError, match="schedule"):
        GradientReversal(schedule=0.5)
    with pytest.raises(ValueError, match="total_steps"):
        GradientReversal(schedule=DANNRamp(), total_steps=0)
    with pytest.raises(TypeError, match="total_steps"):
        GradientReversal(schedule=DANNRamp(), total_steps=2.5)


def test_numpy_scalars_are_accepted():
    assert GradientReversal(scale=np.float32(0.5)).scale == 0.5
    assert GradientReversal(scale=np.int64(2)).scale == 2.0


@pytest.mark.parametrize(
    "init_kwargs",
    [
        {"scale": 0.5},
        {"scale": 2.0, "schedule": DANNRamp(), "total_steps": 10},
    ],
)
def test_gradient_reversal_layer(init_kwargs):
    # Identity forward at any rank; three non-trainable weights (scale,
    # iterations, total_steps) and no trainable one.
    x = np.random.randn(2, 3, 4).astype("float32")
    run_layer_test(
        GradientReversal,
        init_kwargs,
        x,
        expected_output_shape=(2, 3, 4),
        expected_output_data=x,
        expected_num_non_trainable_weights=3,
    )
