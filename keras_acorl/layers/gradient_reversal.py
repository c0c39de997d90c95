import math

import keras


@keras.saving.register_keras_serializable(package="keras_acorl")
class GradientReversal(keras.layers.Layer):
    """Identity in the forward pass, scaled negative gradient in the backward.

    The gradient reversal layer (GRL) of domain-adversarial training: layers
    after it minimise a loss while the layers before it receive
    `-scale * upstream` and so maximise it. This turns a min-max game into a
    single loss minimised by one optimizer step.

    `scale` lives in a non-trainable variable, so it can be changed during
    training (see `keras_acorl.callbacks.GradientReversalScheduler`) without
    retracing a compiled train step. The layer uses only `keras.ops` and
    works on every backend, under `jit_compile=True` too.

    Args:
        scale: float. Factor applied to the reversed gradient. `0.0` blocks
            the gradient; `1.0` reverses it unchanged. Defaults to `1.0`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.layers import GradientReversal

    inputs = keras.Input(shape=(4,))
    features = keras.layers.Dense(8)(inputs)
    reversed_features = GradientReversal(scale=0.5)(features)
    outputs = keras.layers.Dense(1)(reversed_features)
    model = keras.Model(inputs, outputs)
    model.predict(np.ones((2, 4)))  # Same as without the layer.
    ```
    """

    def __init__(self, scale=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)):
            raise TypeError(
                "`scale` must be a float, for example 1.0. "
                f"Received: scale={scale!r} of type {type(scale).__name__}"
            )
        if not math.isfinite(scale):
            raise ValueError(
                f"`scale` must be a finite float. Received: scale={scale}"
            )
        self.initial_scale = float(scale)
        self.supports_masking = True
        self.scale = self.add_weight(
            shape=(),
            initializer=keras.initializers.Constant(self.initial_scale),
            trainable=False,
            name="scale",
            dtype="float32",
        )

    def call(self, inputs):
        scale = keras.ops.cast(self.scale, inputs.dtype)
        held = keras.ops.stop_gradient(inputs)
        # Forward: `held + 0 == inputs`. Backward: only the second term
        # carries a gradient, `-scale * upstream`.
        return held - scale * (inputs - held)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.update({"scale": self.initial_scale})
        return config
