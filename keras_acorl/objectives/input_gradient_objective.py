import keras

from keras_acorl import keras_compat
from keras_acorl.objectives.complementarity_objective import (
    ComplementarityObjective,
)
from keras_acorl.objectives.complementarity_objective import check_positive_real
from keras_acorl.objectives.complementarity_objective import check_task_outputs
from keras_acorl.objectives.conditional_adversarial_objective import (
    one_hot_labels,
)


@keras.saving.register_keras_serializable(package="keras_acorl")
class InputGradientObjective(ComplementarityObjective):
    """Local independence: different input gradients from the base models.

    Local independence training (Ross, Pan, Doshi-Velez, AAAI 2020) for a
    new model trained next to frozen ones: the term added to the loss is
    `factor * sum_k mean_i cos(g_i, h_ik)^2`, with `g_i` the gradient with
    respect to the input of the alliance's output for sample `i`'s label,
    `h_ik` the same for base model `k` (its output given by
    `base_representation`; None, the default, takes the task output) and
    `factor = adversarial_weight * schedule(progress)`. The alliance learns
    to use evidence the base models are locally insensitive to, which is
    what the paper's attribution analysis says differs between them.

    The gradients are computed with the models in inference mode (batch
    norm with moving statistics, no dropout) by double backpropagation
    (`keras_acorl.keras_compat.gradients`): a step costs about three
    forward-backward passes of the alliance, and the base models run on
    the inputs even when the batch is precomputed (their outputs alone do
    not give their gradients). Inputs are one tensor (not a dict).

    Logs `objective_loss` (the weighted term) and `gradient_cosine_k`: the
    mean squared cosine with base model `k`.

    Args:
        epsilon: real number > 0 that keeps the cosine defined for a zero
            gradient. Defaults to `1e-8`.
        **kwargs: `keras.layers.Layer` keyword arguments, such as `name`.

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    inputs = keras.Input(shape=(8,))
    base = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    hidden = keras.layers.Dense(4, activation="tanh")(inputs)
    model = keras_acorl.ComplementaryModel(
        [base], keras.Model(inputs, hidden), keras.layers.Dense(3),
        objective="input_gradient", adversarial_weight=1.0,
    )
    model.compile(optimizer="adam", loss=keras.losses.CategoricalCrossentropy())
    x = np.random.rand(64, 8).astype("float32")
    y = keras.utils.to_categorical(x.argmax(axis=1) % 3, 3)  # One-hot labels.
    history = model.fit(x, y, batch_size=32, verbose=0)
    sorted(history.history)
    # ['gradient_cosine_0', 'gradient_reversal_scale', 'loss', 'objective_loss']
    ```
    """

    objective_name = "input_gradient"
    base_quantity = "output"

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = check_positive_real(epsilon, "epsilon")

    def setup(self, model, target_dims, alliance_dim, output_dim):
        check_task_outputs(
            "input_gradient",
            "compares the gradients of the label's output",
            target_dims,
            output_dim,
        )
        self.num_classes = output_dim
        self.built = True

    def metric_names(self, count):
        return ["objective_loss"] + [
            f"gradient_cosine_{i}" for i in range(count)
        ]

    def compute(self, model, inputs, factor, y, **kwargs):
        if isinstance(inputs, (dict, list, tuple)):
            raise ValueError(
                "objective='input_gradient' needs the inputs as one tensor. "
                f"Received: {type(inputs).__name__}"
            )
        labels = one_hot_labels(y, self.num_classes)

        def label_output(network):
            def fn(x):
                outputs = network(x, training=False)
                if isinstance(outputs, (list, tuple)):
                    outputs = outputs[0]
                outputs = keras.ops.cast(outputs, "float32")
                return keras.ops.sum(outputs * labels)

            return fn

        alliance = _flat(input_gradient(label_output(model.network), inputs))
        cosines = []
        for extractor in model.base_extractors:
            base = _flat(
                input_gradient(
                    label_output(extractor), inputs, create_graph=False
                )
            )
            cosine = keras.ops.sum(alliance * base, axis=-1) / (
                keras.ops.sqrt(
                    keras.ops.sum(keras.ops.square(alliance), axis=-1)
                    * keras.ops.sum(keras.ops.square(base), axis=-1)
                    + self.epsilon
                )
            )
            cosines.append(keras.ops.mean(keras.ops.square(cosine)))
        penalty = cosines[0]
        for c in cosines[1:]:
            penalty = penalty + c
        loss = factor * penalty
        return loss, [loss] + cosines

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        return config


def _flat(gradient):
    gradient = keras.ops.cast(gradient, "float32")
    return keras.ops.reshape(gradient, (keras.ops.shape(gradient)[0], -1))


def input_gradient(fn, x, create_graph=True):
    """The gradient of the scalar `fn(x)` with respect to the tensor `x`
    (differentiable with `create_graph=True`)."""
    (gradient,) = keras_compat.gradients(
        lambda values: fn(values[0]), [x], create_graph=create_graph
    )
    return gradient
