import keras

from keras_acorl.argument_checks import check_positive_int


@keras.saving.register_keras_serializable(package="keras_acorl")
class Discriminator(keras.layers.Layer):
    """MEAL's per-tap discriminator: is this vector a teacher's or the
    student's?

    For an input of size `d`: `Dense(d // reduction, relu)`,
    `Dense(d // reduction**2, relu)`, `Dense(2)` giving two logits
    (class 0 = student, class 1 = teacher). MEAL uses `reduction=2`
    (d/2, d/4); MEAL V2 on 1000 logits uses `reduction=8` (125, 15). The
    reference code ends with a ReLU on the logits, which can die (the loss
    then sticks at ln 2): it is off by default and kept as `final_relu`.
    Hidden widths never drop below 1.

    Args:
        reduction: int >= 1. Width divisor between layers. Defaults to `2`.
        final_relu: bool. Apply the reference code's ReLU to the logits.
            Defaults to False.
        **kwargs: Base layer keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.layers import Discriminator

    Discriminator(reduction=2)(np.ones((4, 16), "float32")).shape  # (4, 2)
    ```
    """

    def __init__(self, reduction=2, final_relu=False, **kwargs):
        super().__init__(**kwargs)
        check_positive_int(reduction, "reduction")
        if not isinstance(final_relu, bool):
            raise TypeError(
                f"`final_relu` must be a bool. Received: {final_relu!r}"
            )
        self.reduction = reduction
        self.final_relu = final_relu

    def build(self, input_shape):
        dim = input_shape[-1]
        if len(input_shape) != 2 or dim is None:
            raise ValueError(
                "Discriminator expects inputs of shape (batch, features) "
                f"with a known feature size. Received: {input_shape}"
            )
        widths = (
            max(dim // self.reduction, 1),
            max(dim // self.reduction**2, 1),
        )
        self.hidden_layers = [
            keras.layers.Dense(
                w,
                activation="relu",
                name=f"hidden_{i}",
                dtype=self.dtype_policy,
            )
            for i, w in enumerate(widths)
        ]
        self.logits_layer = keras.layers.Dense(
            2,
            activation="relu" if self.final_relu else None,
            name="logits",
            dtype=self.dtype_policy,
        )
        shape = input_shape
        for layer in [*self.hidden_layers, self.logits_layer]:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.built = True

    def call(self, inputs):
        x = inputs
        for layer in self.hidden_layers:
            x = layer(x)
        return self.logits_layer(x)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2)

    def get_config(self):
        config = super().get_config()
        config.update(
            {"reduction": self.reduction, "final_relu": self.final_relu}
        )
        return config
