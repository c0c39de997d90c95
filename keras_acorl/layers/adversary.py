import keras

from keras_acorl.argument_checks import check_positive_int


@keras.saving.register_keras_serializable(package="keras_acorl")
class Adversary(keras.layers.Layer):
    """A small MLP that predicts a base model's representation.

    The default adversary of `keras_acorl.ComplementaryModel`: `Dense` layers
    with `activation`, then a linear `Dense(output_dim)`. It has no batch
    normalization on purpose: batch statistics would let the adversary and
    the model it plays against exchange information through the batch.

    Args:
        output_dim: int. Size of the representation to predict.
        hidden_units: tuple of ints. Widths of the hidden layers. Defaults to
            `(128,)`.
        activation: Activation of the hidden layers. Defaults to `"relu"`.
        **kwargs: Base layer keyword arguments, such as `name` and `dtype`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.layers import Adversary

    adversary = Adversary(output_dim=32)
    adversary(np.ones((4, 16))).shape  # (4, 32)
    ```
    """

    def __init__(
        self, output_dim, hidden_units=(128,), activation="relu", **kwargs
    ):
        super().__init__(**kwargs)
        check_positive_int(output_dim, "output_dim")
        hidden_units = tuple(hidden_units)
        if not all(isinstance(u, int) and u > 0 for u in hidden_units):
            raise ValueError(
                "`hidden_units` must be positive ints. "
                f"Received: {hidden_units}"
            )
        self.output_dim = output_dim
        self.hidden_units = hidden_units
        self.activation = activation
        self.hidden_layers = [
            keras.layers.Dense(
                units,
                activation=activation,
                name=f"hidden_{i}",
                dtype=self.dtype_policy,
            )
            for i, units in enumerate(hidden_units)
        ]
        self.output_layer = keras.layers.Dense(
            output_dim, name="prediction", dtype=self.dtype_policy
        )

    def build(self, input_shape):
        shape = input_shape
        for layer in self.hidden_layers:
            layer.build(shape)
            shape = layer.compute_output_shape(shape)
        self.output_layer.build(shape)
        self.built = True

    def call(self, inputs):
        x = inputs
        for layer in self.hidden_layers:
            x = layer(x)
        return self.output_layer(x)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.output_dim)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "output_dim": self.output_dim,
                "hidden_units": list(self.hidden_units),
                "activation": keras.activations.serialize(
                    keras.activations.get(self.activation)
                ),
            }
        )
        return config
