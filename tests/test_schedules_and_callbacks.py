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


def _model_with_grl():
    inputs = keras.Input(shape=(2,))
    inner_in = keras.Input(shape=(2,))
    inner = keras.Model(
        inner_in, keras_acorl.layers.GradientReversal(name="nested")(inner_in)
    )
    hidden = keras_acorl.layers.GradientReversal(name="top")(inner(inputs))
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile(optimizer="sgd", loss="mse")
    return model


class _Recorder(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.values = []

    def on_train_batch_end(self, batch, logs=None):
        for name in ("top", "nested"):
            layer = (
                self.model.get_layer(name)
                if name == "top"
                else (self.model.layers[1].get_layer(name))
            )
            if keras.backend.backend() == "jax":
                self.model.jax_state_sync()
            self.values.append(
                (name, float(keras.ops.convert_to_numpy(layer.scale)))
            )


def test_scheduler_sets_every_layer_from_global_progress():
    model = _model_with_grl()
    recorder = _Recorder()
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(DANNRamp())
    model.fit(
        np.ones((8, 2)),
        np.ones((8, 1)),
        batch_size=2,
        epochs=2,
        verbose=0,
        callbacks=[scheduler, recorder],
    )
    expected = [DANNRamp()(step / 8) for step in range(8)]
    top = [v for name, v in recorder.values if name == "top"]
    nested = [v for name, v in recorder.values if name == "nested"]
    np.testing.assert_allclose(top, expected, rtol=1e-6)
    np.testing.assert_allclose(nested, expected, rtol=1e-6)


def test_scheduler_total_steps_overrides_fit_length():
    model = _model_with_grl()
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(
        lambda p: p, total_steps=100
    )
    history = model.fit(
        np.ones((8, 2)),
        np.ones((8, 1)),
        batch_size=2,
        epochs=1,
        verbose=0,
        callbacks=[scheduler],
    )
    assert history.history["gradient_reversal_scale"] == [pytest.approx(0.03)]


def test_scheduler_errors():
    with pytest.raises(TypeError, match="schedule"):
        keras_acorl.callbacks.GradientReversalScheduler(0.5)
    with pytest.raises(ValueError, match="total_steps"):
        keras_acorl.callbacks.GradientReversalScheduler(DANNRamp(), 0)
    inputs = keras.Input(shape=(2,))
    plain = keras.Model(inputs, keras.layers.Dense(1)(inputs))
    plain.compile(optimizer="sgd", loss="mse")
    with pytest.raises(ValueError, match="no GradientReversal"):
        plain.fit(
            np.ones((4, 2)),
            np.ones((4, 1)),
            verbose=0,
            callbacks=[
                keras_acorl.callbacks.GradientReversalScheduler(DANNRamp())
            ],
        )


def test_scheduler_needs_total_steps_for_unknown_length():

    model = _model_with_grl()
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(DANNRamp())
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
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(
        DANNRamp(gamma=4.0), total_steps=50
    )
    restored = keras_acorl.callbacks.GradientReversalScheduler.from_config(
        scheduler.get_config()
    )
    assert restored.total_steps == 50
    assert restored.schedule.get_config() == DANNRamp(gamma=4.0).get_config()
