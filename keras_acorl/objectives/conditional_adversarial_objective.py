import keras

from keras_acorl.objectives.adversarial_objective import AdversarialObjective


@keras.saving.register_keras_serializable(package="keras_acorl")
class ConditionalAdversarialObjective(AdversarialObjective):
    """Adversaries that also see the label: remove only what is beyond it.

    As `AdversarialObjective`, but each adversary predicts the standardized
    base representation from `[GRL(z), one_hot(y)]`. What the class alone
    tells about `v_k` the adversary gets from the label, so the reversed
    gradient pushes `z` away only from the base information beyond the
    class: the alliance is not asked to forget the class evidence it needs
    for the task. Labels are sparse class indices, or one-hot / soft rows
    of the task output's size.

    Logs `adversarial_loss` and `adversary_fit_k` as `AdversarialObjective`.
    `forward_with_adversaries` needs `y` with this objective.

    Args:
        **kwargs: `keras.layers.Layer` keyword arguments, such as `name`.

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    inputs = keras.Input(shape=(6,))
    base = keras.Model(inputs, keras.layers.Dense(2)(inputs))
    alliance = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    objective = keras_acorl.objectives.ConditionalAdversarialObjective()
    _ = keras_acorl.ComplementaryModel(
        [base], alliance, keras.layers.Dense(3), objective=objective
    )
    reversed_z = np.zeros((2, 4), "float32")  # GRL(z) for a batch of two.
    objective.adversary_inputs(reversed_z, y=np.array([2, 0]), output=None)
    # array([[0., 0., 0., 0., 0., 0., 1.], [0., 0., 0., 0., 1., 0., 0.]])
    objective.adversaries[0].hidden_layers[0].kernel.shape  # (7, 128)
    ```
    """

    objective_name = "conditional"

    def setup(self, model, target_dims, alliance_dim, output_dim):
        self.num_classes = output_dim
        super().setup(model, target_dims, alliance_dim, output_dim)

    def extra_adversary_inputs(self, output_dim):
        return output_dim

    def adversary_inputs(self, reversed_representation, y, output):
        if y is None:
            raise ValueError(
                "objective='conditional' needs the labels `y`: its "
                "adversaries see them. Received: y=None"
            )
        labels = one_hot_labels(y, self.num_classes)
        labels = keras.ops.cast(labels, reversed_representation.dtype)
        return keras.ops.concatenate([reversed_representation, labels], -1)


def one_hot_labels(y, num_classes):
    """`(batch, num_classes)` rows from sparse labels (`(batch,)` or
    `(batch, 1)` integers) or one-hot / soft rows, without gradient."""
    y = keras.ops.convert_to_tensor(y)
    if len(y.shape) == 2 and y.shape[-1] == num_classes and num_classes > 1:
        return keras.ops.stop_gradient(keras.ops.cast(y, "float32"))
    y = keras.ops.reshape(y, (-1,))
    return keras.ops.one_hot(keras.ops.cast(y, "int32"), num_classes)
