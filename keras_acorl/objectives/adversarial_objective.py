import keras

from keras_acorl.layers.adversary import Adversary
from keras_acorl.losses.representation_losses import cosine_distance
from keras_acorl.losses.representation_losses import mean_squared_distance
from keras_acorl.objectives.complementarity_objective import (
    ComplementarityObjective,
)
from keras_acorl.objectives.target_standardizer import TargetStandardizer

DISTANCES = {"cosine": cosine_distance, "mse": mean_squared_distance}


@keras.saving.register_keras_serializable(package="keras_acorl")
class AdversarialObjective(ComplementarityObjective):
    """The paper's objective: adversaries behind a gradient reversal.

    ACoRL (Kang et al., 2024) as published: for each frozen base model `k`
    an adversary `A_k` predicts the base representation `v_k`, standardized
    per feature (`TargetStandardizer`), from the alliance representation
    `z` seen through the model's `GradientReversal`. The term added to the
    loss is `sum_k d(A_k(GRL(z)), standardize(v_k))` with `d` the model's
    `adversarial_loss` (`1 - cosine` or MSE): the adversaries descend it at
    full strength, the alliance ascends it with the factor
    `adversarial_weight * schedule(progress)`. `ComplementaryModel`'s
    `adversary`, `adversarial_loss` and `standardize_targets` configure it.

    Logs `adversarial_loss` (the term) and `adversary_fit_k`: `1 - d` for
    base model `k` (the mean cosine similarity, or `1 - MSE`).

    Measured on cluttered MNIST-5k against independent training (see the
    README): it makes the alliance less similar to the bases, at the cost
    of the alliance's own accuracy, without a fusion gain.

    Args:
        **kwargs: `keras.layers.Layer` keyword arguments, such as `name`.

    Example:

    ```python
    import keras
    import keras_acorl

    def dense(units):
        inputs = keras.Input(shape=(6,))
        return keras.Model(inputs, keras.layers.Dense(units)(inputs))

    objective = keras_acorl.objectives.AdversarialObjective()
    bases = [dense(5), dense(2)]
    _ = keras_acorl.ComplementaryModel(  # Builds one adversary per base model.
        bases, dense(4), keras.layers.Dense(5), objective=objective
    )
    objective.metric_names(2)
    # ['adversarial_loss', 'adversary_fit_0', 'adversary_fit_1']
    [adversary.output_layer.kernel.shape for adversary in objective.adversaries]
    # [(128, 5), (128, 2)]
    ```
    """

    objective_name = "adversarial"
    base_quantity = "representation"

    def setup(self, model, target_dims, alliance_dim, output_dim):
        self.distance = DISTANCES[model.adversarial_loss]
        self.target_standardizers = []
        if model.standardize_targets:
            for i, dim in enumerate(target_dims):
                layer = TargetStandardizer(name=f"target_standardizer_{i}")
                layer.build((None, dim))
                self.target_standardizers.append(layer)
        input_dim = alliance_dim + self.extra_adversary_inputs(output_dim)
        self.adversaries = []
        for i, dim in enumerate(target_dims):
            layer = make_adversary(model.adversary, dim, i)
            layer.build((None, input_dim))
            self.adversaries.append(layer)
        self.built = True

    def extra_adversary_inputs(self, output_dim):
        """Features the adversaries see besides `z` (0 here)."""
        return 0

    def adversary_inputs(self, reversed_representation, y, output):
        """What the adversaries see: `GRL(z)`."""
        return reversed_representation

    def metric_names(self, count):
        return ["adversarial_loss"] + [
            f"adversary_fit_{i}" for i in range(count)
        ]

    def adversarial_parts(
        self, targets, reversed_representation, y, output, training
    ):
        """`(standardized targets, adversary predictions)`."""
        if self.target_standardizers:
            targets = [
                layer(t, training=training)
                for layer, t in zip(self.target_standardizers, targets)
            ]
        inputs = self.adversary_inputs(reversed_representation, y, output)
        predictions = [
            adversary(inputs, training=training)
            for adversary in self.adversaries
        ]
        return targets, predictions

    def compute(
        self,
        targets,
        reversed_representation,
        y,
        output,
        training,
        **kwargs,
    ):
        targets, predictions = self.adversarial_parts(
            targets, reversed_representation, y, output, training
        )
        loss, fits = 0.0, []
        for target, prediction in zip(targets, predictions):
            term = keras.ops.mean(self.distance(target, prediction))
            loss = loss + term
            fits.append(1.0 - term)
        return loss, [loss] + fits


def make_adversary(adversary, dim, index):
    """The adversary for base model `index` (target size `dim`) from the
    model's `adversary` argument."""
    name = f"adversary_{index}"
    if adversary is None:
        return Adversary(dim, name=name)
    if isinstance(adversary, dict):
        return Adversary(dim, name=name, **adversary)
    if callable(adversary):
        layer = adversary(dim)
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(
                "The `adversary` callable must return a keras.layers.Layer "
                f"for target size {dim}. Received: {type(layer).__name__}"
            )
        return layer
    raise TypeError(
        "`adversary` must be None, a dict of Adversary keyword arguments or "
        "a callable `target_dim -> keras.layers.Layer`. "
        f"Received: {adversary!r}"
    )
