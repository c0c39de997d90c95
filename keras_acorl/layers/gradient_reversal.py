import keras

from keras_acorl import argument_checks


@keras.saving.register_keras_serializable(package="keras_acorl")
class GradientReversal(keras.layers.Layer):
    """Identity in the forward pass, scaled negative gradient in the backward.

    The gradient reversal layer (GRL) of domain-adversarial training: layers
    after it minimise a loss while the layers before it receive
    `-scale * schedule(progress) * upstream` and so maximise it. This turns
    a min-max game into a single loss minimised by one optimizer step.

    Without a `schedule` the factor is `scale`. With one, the layer counts
    its training calls in the non-trainable variable `iterations` and the
    factor is `scale * schedule(iterations / total_steps)`, computed inside
    the traced step: no callback assigns anything per batch, a compiled
    step never sees a stale value, and a run resumed from
    `keras.callbacks.BackupAndRestore` continues the schedule (the counter
    is a weight, so it is restored with the others). The counter advances
    once per call with `training=True`: call a scheduled layer once per
    training step. It keeps counting across `fit` calls (a second `fit`
    continues the ramp); assign `layer.iterations.assign(0)` to restart.

    `scale` and `total_steps` are non-trainable variables behind validating
    properties: set `layer.scale = 0.5` between two `fit` calls and the next
    one uses it without retracing. Change them with the properties, not by
    assigning the variables. The schedule is fixed at construction. The
    layer uses only `keras.ops` and works on every backend, under
    `jit_compile=True` too.

    Args:
        scale: real number. Factor applied to the reversed gradient. `0.0`
            blocks the gradient; `1.0` reverses it unchanged. Defaults to
            `1.0`.
        schedule: None or a callable `progress -> factor` on scalar tensors
            (`progress` in `[0, 1]`, float32), for example
            `keras_acorl.schedules.DANNRamp()`. It must be a registered
            serializable object for the layer to be saved. Defaults to None.
        total_steps: None or a positive int: the training steps over which
            progress goes from 0 to 1. Needed before training with a
            schedule; `keras_acorl.callbacks.GradientReversalScheduler()`
            sets it from `fit`'s epochs and steps. Defaults to None.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.layers import GradientReversal
    from keras_acorl.schedules import DANNRamp

    inputs = keras.Input(shape=(4,))
    features = keras.layers.Dense(8)(inputs)
    reversal = GradientReversal(scale=0.5, schedule=DANNRamp(), total_steps=8)
    outputs = keras.layers.Dense(1)(reversal(features))
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.ones((16, 4)), np.ones((16, 1)), batch_size=4, epochs=2,
              verbose=0)
    int(keras.ops.convert_to_numpy(reversal.iterations))  # 8
    ```
    """

    def __init__(self, scale=1.0, schedule=None, total_steps=None, **kwargs):
        super().__init__(**kwargs)
        scale = argument_checks.check_real(scale, "scale")
        argument_checks.check_schedule(schedule, "schedule")
        self.supports_masking = True
        self.schedule = schedule
        self.scale_variable, self.iterations, self.total_steps_variable = [
            self.add_weight(
                shape=(),
                initializer=keras.initializers.Constant(value),
                trainable=False,
                name=name,
                dtype=dtype,
            )
            for name, value, dtype in (
                ("scale", scale, "float32"),
                ("iterations", 0, "int32"),
                ("total_steps", 0, "int32"),
            )
        ]
        self._scale = scale
        self._total_steps = None
        self.total_steps = total_steps

    @property
    def scale(self):
        """The factor of the reversed gradient (a float)."""
        return self._scale

    @scale.setter
    def scale(self, value):
        value = argument_checks.check_real(value, "scale")
        self.scale_variable.assign(value)
        self._scale = value

    @property
    def total_steps(self):
        """Steps over which the schedule's progress goes from 0 to 1."""
        return self._total_steps

    @total_steps.setter
    def total_steps(self, value):
        if value is not None:
            value = argument_checks.check_positive_int(value, "total_steps")
        self.total_steps_variable.assign(0 if value is None else value)
        self._total_steps = value

    def schedule_value(self):
        """The schedule's factor at the current step, a float32 scalar
        tensor (1.0 without a schedule). Progress is clipped to `[0, 1]`."""
        if self.schedule is None:
            return keras.ops.ones((), dtype="float32")
        steps = keras.ops.cast(self.iterations, "float32")
        total = keras.ops.maximum(
            keras.ops.cast(self.total_steps_variable, "float32"), 1.0
        )
        progress = keras.ops.clip(steps / total, 0.0, 1.0)
        return keras.ops.cast(self.schedule(progress), "float32")

    def call(self, inputs, training=None):
        factor = self.scale_variable * self.schedule_value()
        if training and self.schedule is not None:
            if self._total_steps is None:
                raise ValueError(
                    f"GradientReversal '{self.name}' has a schedule but no "
                    "`total_steps`. Pass `total_steps` (epochs * steps per "
                    "epoch), set `layer.total_steps`, or fit with "
                    "`keras_acorl.callbacks.GradientReversalScheduler()`."
                )
            self.iterations.assign_add(1)
        factor = keras.ops.cast(factor, inputs.dtype)
        held = keras.ops.stop_gradient(inputs)
        # Forward: `held + 0 == inputs`. Backward: only the second term
        # carries a gradient, `-factor * upstream`.
        return held - factor * (inputs - held)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "scale": self.scale,
                "schedule": (
                    None
                    if self.schedule is None
                    else keras.saving.serialize_keras_object(self.schedule)
                ),
                "total_steps": self.total_steps,
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        if config.get("schedule") is not None:
            config["schedule"] = keras.saving.deserialize_keras_object(
                config["schedule"], custom_objects=custom_objects
            )
        return cls(**config)
