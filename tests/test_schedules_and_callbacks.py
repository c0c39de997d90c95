import math

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.schedules import DANNRamp


def test_dann_ramp_values():
    ramp = DANNRamp()
    assert ramp(0.0) == 0.0
    for p in (0.1, 0.25, 0.5, 1.0):
        assert ramp(p) == pytest.approx(2.0 / (1.0 + math.exp(-10 * p)) - 1)
    assert ramp(0.5) == pytest.approx(0.986614298)
    assert ramp(-1.0) == 0.0 and ramp(2.0) == ramp(1.0)
    shifted = DANNRamp(gamma=5.0, low=0.1, high=0.6)
    assert shifted(0.0) == pytest.approx(0.1)
    expected = 0.1 + 0.5 * (2.0 / (1.0 + math.exp(-2.5)) - 1.0)
    assert shifted(0.5) == pytest.approx(expected)


def test_dann_ramp_is_monotonic_and_serializable():
    ramp = DANNRamp(gamma=3.0, high=2.0)
    values = [ramp(p) for p in np.linspace(0, 1, 50)]
    assert all(b > a for a, b in zip(values, values[1:]))
    restored = keras.saving.deserialize_keras_object(
        keras.saving.serialize_keras_object(ramp)
    )
    assert isinstance(restored, DANNRamp)
    assert restored.get_config() == ramp.get_config()


@pytest.mark.parametrize("gamma", [0.0, -1.0])
def test_dann_ramp_rejects_non_positive_gamma(gamma):
    with pytest.raises(ValueError, match="gamma"):
        DANNRamp(gamma=gamma)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(gamma=True), TypeError, "gamma"),
        (dict(low="0"), TypeError, "low"),
        (dict(high=float("nan")), ValueError, "high"),
        (dict(gamma=float("inf")), ValueError, "gamma"),
    ],
)
def test_dann_ramp_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        DANNRamp(**kwargs)


def test_dann_ramp_on_tensors_and_numpy_scalars():
    ramp = DANNRamp(gamma=np.float32(4.0), high=np.int64(2))
    progress = np.array([0.0, 0.3, 1.0, 1.5], "float32")
    expected = [
        2.0 * (2.0 / (1.0 + math.exp(-4.0 * min(p, 1.0))) - 1.0)
        for p in progress
    ]
    values = keras.ops.convert_to_numpy(
        ramp(keras.ops.convert_to_tensor(progress))
    )
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-7)
    assert isinstance(ramp(np.float32(0.3)), float)
    assert ramp(np.float32(0.3)) == pytest.approx(expected[1], rel=1e-6)


def _model_with_grl(**kwargs):
    inputs = keras.Input(shape=(2,))
    inner_in = keras.Input(shape=(2,))
    inner = keras.Model(
        inner_in,
        keras_acorl.layers.GradientReversal(schedule=DANNRamp(), name="nested")(
            inner_in
        ),
    )
    hidden = keras_acorl.layers.GradientReversal(
        schedule=DANNRamp(), name="top"
    )(inner(inputs))
    unscheduled = keras_acorl.layers.GradientReversal(name="constant")(hidden)
    model = keras.Model(inputs, keras.layers.Dense(1)(unscheduled))
    model.compile(optimizer="sgd", loss="mse", **kwargs)
    return model


def _layers(model):
    return model.get_layer("top"), model.layers[1].get_layer("nested")


def test_scheduler_sets_total_steps_of_every_scheduled_layer_once():
    model = _model_with_grl()
    model.fit(
        np.ones((8, 2)),
        np.ones((8, 1)),
        batch_size=2,
        epochs=2,
        verbose=0,
        callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
    )
    for layer in _layers(model):
        assert layer.total_steps == 8
        assert int(keras.ops.convert_to_numpy(layer.iterations)) == 8
    assert model.get_layer("constant").total_steps is None
    # Nothing happens per batch: the scale is computed in the step.
    scheduler = keras_acorl.callbacks.GradientReversalScheduler
    callback = keras.callbacks.Callback
    for hook in (
        "on_train_batch_begin",
        "on_train_batch_end",
        "on_batch_begin",
        "on_batch_end",
        "on_epoch_begin",
        "on_epoch_end",
    ):
        assert getattr(scheduler, hook) is getattr(callback, hook), hook


def test_scheduler_total_steps_overrides_fit_length():
    model = _model_with_grl()
    model.fit(
        np.ones((8, 2)),
        np.ones((8, 1)),
        batch_size=2,
        epochs=1,
        verbose=0,
        callbacks=[
            keras_acorl.callbacks.GradientReversalScheduler(total_steps=100)
        ],
    )
    for layer in _layers(model):
        assert layer.total_steps == 100
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(layer.schedule_value()),
            DANNRamp()(0.04),
            rtol=1e-6,
        )


def test_scheduler_errors():
    with pytest.raises(TypeError, match="schedule"):
        keras_acorl.callbacks.GradientReversalScheduler(DANNRamp())
    with pytest.raises(ValueError, match="total_steps"):
        keras_acorl.callbacks.GradientReversalScheduler(0)
    inputs = keras.Input(shape=(2,))
    hidden = keras_acorl.layers.GradientReversal()(inputs)
    plain = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    plain.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="no GradientReversal"):
        plain.fit(
            np.ones((4, 2)),
            np.ones((4, 1)),
            verbose=0,
            callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
        )


def test_scheduler_needs_total_steps_for_unknown_length():
    model = _model_with_grl()
    scheduler = keras_acorl.callbacks.GradientReversalScheduler()
    with pytest.raises(ValueError, match="total_steps"):
        model.fit(_Unsized(), epochs=1, verbose=0, callbacks=[scheduler])


class _Unsized(keras.utils.PyDataset):
    def __init__(self):
        super().__init__()

    @property
    def num_batches(self):
        return None

    def __getitem__(self, index):
        if index >= 3:
            raise IndexError
        return np.ones((2, 2), "float32"), np.ones((2, 1), "float32")


def test_scheduler_config_round_trip():
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(total_steps=50)
    restored = keras_acorl.callbacks.GradientReversalScheduler.from_config(
        scheduler.get_config()
    )
    assert restored.total_steps == 50
