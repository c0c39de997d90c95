import keras

from keras_acorl import argument_checks
from keras_acorl.layers.gradient_reversal import GradientReversal


@keras.saving.register_keras_serializable(package="keras_acorl")
class GradientReversalScheduler(keras.callbacks.Callback):
    """Sets `total_steps` of scheduled `GradientReversal` layers per `fit`.

    A `GradientReversal` layer with a `schedule` (and a
    `keras_acorl.ComplementaryModel` with a `gradient_reversal_schedule`)
    computes its scale inside the training step from its own step counter
    over `total_steps`. This callback fills in `total_steps` once, when
    `fit` begins: `total_steps` if given, else `epochs * steps_per_epoch`
    of that `fit` call. It does nothing per batch. Layers are found through
    the public `layers` of the model and of the models nested in it; a
    scheduled layer hidden inside a custom non-model layer needs
    `total_steps` passed to it directly.

    Because the step counter is a weight, a run resumed from
    `keras.callbacks.BackupAndRestore` (same `epochs`) continues the
    schedule where it stopped. The scale is logged by `ComplementaryModel`
    as `gradient_reversal_scale`.

    Args:
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
    reversal = keras_acorl.layers.GradientReversal(
        schedule=keras_acorl.schedules.DANNRamp(gamma=10.0)
    )
    model = keras.Model(inputs, keras.layers.Dense(1)(reversal(hidden)))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((32, 4)), np.ones((32, 1)), epochs=2, verbose=0,
              callbacks=[keras_acorl.callbacks.GradientReversalScheduler()])
    reversal.total_steps  # 2 epochs * 1 step
    ```
    """

    def __init__(self, total_steps=None):
        super().__init__()
        if callable(total_steps):
            raise TypeError(
                "GradientReversalScheduler takes `total_steps`, not a "
                "schedule: pass the schedule to the layer "
                "(`GradientReversal(schedule=...)`) or the model "
                "(`ComplementaryModel(gradient_reversal_schedule=...)`). "
                f"Received: {total_steps!r}"
            )
        if total_steps is not None:
            total_steps = argument_checks.check_positive_int(
                total_steps, "total_steps"
            )
        self.total_steps = total_steps

    def on_train_begin(self, logs=None):
        layers = [
            layer
            for layer in _gradient_reversal_layers(self.model)
            if layer.schedule is not None
        ]
        if not layers:
            raise ValueError(
                "GradientReversalScheduler found no GradientReversal layer "
                f"with a `schedule` in the model '{self.model.name}'."
            )
        total = self.total_steps
        if total is None:
            steps = self.params.get("steps")
            if not steps:
                raise ValueError(
                    "GradientReversalScheduler cannot infer `total_steps`: "
                    "the dataset's length is unknown. Pass `total_steps` "
                    "(epochs * steps per epoch)."
                )
            total = self.params["epochs"] * steps
        for layer in layers:
            layer.total_steps = total

    def get_config(self):
        return {"total_steps": self.total_steps}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


def _gradient_reversal_layers(layer, found=None):
    """Every `GradientReversal` in `layer` and, recursively, in the public
    `layers` of the models inside it (each once)."""
    found = [] if found is None else found
    if isinstance(layer, GradientReversal):
        if not any(layer is seen for seen in found):
            found.append(layer)
    for sublayer in getattr(layer, "layers", None) or ():
        _gradient_reversal_layers(sublayer, found)
    return found
