import keras

from keras_acorl.keras_compat import assign_during_fit
from keras_acorl.keras_compat import find_layers
from keras_acorl.layers.gradient_reversal import GradientReversal


@keras.saving.register_keras_serializable(package="keras_acorl")
class GradientReversalScheduler(keras.callbacks.Callback):
    """Sets the scale of every `GradientReversal` layer before each batch.

    The scale is `schedule(progress)` where progress is the global step over
    `total_steps`, in `[0, 1]`. The global step is `epoch * steps_per_epoch +
    batch`, so a run resumed from `keras.callbacks.BackupAndRestore` at an
    epoch boundary continues the schedule where it stopped. The current scale
    is logged as `gradient_reversal_scale`.

    Args:
        schedule: callable `progress -> float`, for example
            `keras_acorl.schedules.DANNRamp()`.
        total_steps: int or None. Steps over which progress goes from 0 to 1.
            None: `epochs * steps_per_epoch` of the `fit` call, which needs a
            dataset of known length.

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(8)(inputs)
    hidden = keras_acorl.layers.GradientReversal()(hidden)
    model = keras.Model(inputs, keras.layers.Dense(1)(hidden))
    model.compile(optimizer="sgd", loss="mse")
    scheduler = keras_acorl.callbacks.GradientReversalScheduler(
        keras_acorl.schedules.DANNRamp(gamma=10.0)
    )
    model.fit(np.ones((32, 4)), np.ones((32, 1)), epochs=2, verbose=0,
              callbacks=[scheduler])
    ```
    """

    def __init__(self, schedule, total_steps=None):
        super().__init__()
        if not callable(schedule):
            raise TypeError(
                "`schedule` must be a callable `progress -> float`, e.g. "
                f"keras_acorl.schedules.DANNRamp(). Received: {schedule!r}"
            )
        if total_steps is not None and (
            isinstance(total_steps, bool)
            or not isinstance(total_steps, int)
            or total_steps < 1
        ):
            raise ValueError(
                "`total_steps` must be a positive int or None. "
                f"Received: {total_steps!r}"
            )
        self.schedule = schedule
        self.total_steps = total_steps
        self._epoch = 0
        self._value = None

    def on_train_begin(self, logs=None):
        self._value = None
        self._layers = find_layers(self.model, GradientReversal)
        if not self._layers:
            raise ValueError(
                "GradientReversalScheduler found no GradientReversal layer in "
                f"the model '{self.model.name}'."
            )
        self._steps_per_epoch = self.params.get("steps")
        self._total = self.total_steps
        if self._total is None:
            if not self._steps_per_epoch:
                raise ValueError(
                    "GradientReversalScheduler cannot infer `total_steps`: "
                    "the dataset's length is unknown. Pass `total_steps` "
                    "(epochs * steps per epoch)."
                )
            self._total = self.params["epochs"] * self._steps_per_epoch
        self._batches_seen = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_begin(self, batch, logs=None):
        if self._steps_per_epoch:
            step = self._epoch * self._steps_per_epoch + batch
        else:
            step = self._batches_seen
        self._batches_seen += 1
        value = float(self.schedule(step / self._total))
        if value != self._value:
            scales = [layer.scale for layer in self._layers]
            assign_during_fit(self.model, scales, value)
            self._value = value

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None and self._value is not None:
            logs["gradient_reversal_scale"] = self._value

    def get_config(self):
        return {
            "schedule": keras.saving.serialize_keras_object(self.schedule),
            "total_steps": self.total_steps,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["schedule"] = keras.saving.deserialize_keras_object(
            config["schedule"]
        )
        return cls(**config)
