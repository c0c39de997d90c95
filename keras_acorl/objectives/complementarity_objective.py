"""The interface every complementarity objective of ComplementaryModel has."""

import keras

from keras_acorl import argument_checks


@keras.saving.register_keras_serializable(package="keras_acorl")
class ComplementarityObjective(keras.layers.Layer):
    """Base class of what `keras_acorl.ComplementaryModel` adds to the task
    loss to make the alliance complement the frozen base models.

    An objective is a `keras.layers.Layer` so that the layers it owns (the
    adversaries of `AdversarialObjective`, ...) are tracked, trained and
    saved with the model. The model builds it once (`setup`) and calls
    `compute` in every training and evaluation step with the quantities one
    forward pass of the alliance gives. The model's `adversarial_weight`
    `w` and its schedule's factor `s` set the strength of every objective:
    an objective with an adversary receives them as the factor of the
    `GradientReversal` in front of it (`reversed_representation`); any other
    objective multiplies its penalty by `factor = w * s`. With
    `adversarial_weight=0` every objective trains an independent model.

    Subclasses set the class attributes

    - `objective_name`: the string `ComplementaryModel(objective=...)`
      accepts;
    - `base_quantity`: `"representation"` (the base representation chosen
      by `base_representation`) or `"output"` (the base models' task
      outputs: then `base_representation` must give them, None does);

    and implement `setup(model, target_dims, alliance_dim, output_dim)`
    (create the sub-layers; called once by the model), `metric_names(count)`
    (the names of the values `compute` returns: the first is the term added
    to the loss) and `compute(...)`.

    `compute` receives, as keyword arguments: `model` (the
    `ComplementaryModel`), `inputs` (the model inputs), `targets` (one
    `(batch, dim)` tensor per base model, from the live base models or from
    `model.precompute`, without gradient), `representation` (the alliance's
    pooled representation `z`), `reversed_representation` (`z` behind the
    model's `GradientReversal`), `output` (the alliance's task output),
    `factor` (`w * s`, a float32 scalar tensor), `y` (the labels) and
    `training`. It returns `(loss_term, [metric values])`.

    Args:
        **kwargs: `keras.layers.Layer` keyword arguments, such as `name`.
    """

    objective_name = None
    base_quantity = "representation"

    def setup(self, model, target_dims, alliance_dim, output_dim):
        """Creates and builds the objective's sub-layers; called once by the
        model. `target_dims`: the size of each base quantity;
        `alliance_dim`: the size of `z`; `output_dim`: the size of the task
        output."""
        self.built = True

    def metric_names(self, count):
        """The names of the values `compute` returns for `count` base
        models; the first is the term added to the loss."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement `metric_names`."
        )

    def compute(self, **kwargs):
        raise NotImplementedError(
            f"{type(self).__name__} does not implement `compute`."
        )

    def build(self, input_shape=None):
        # Built by `setup`: the objective is never called on a tensor.
        self.built = True


def check_task_outputs(objective, why, target_dims, output_dim):
    """Objectives that compare task outputs: each base quantity must be
    that base model's output, of the alliance's output size."""
    for i, dim in enumerate(target_dims):
        if dim != output_dim:
            raise ValueError(
                f"objective={objective!r} {why}: `base_representation` must "
                f"give base model {i}'s output ({output_dim} values, like "
                "the alliance's output; None gives the model's output). "
                f"Received a representation of size {dim}."
            )


def check_positive_real(value, argument):
    """`value` as a float if it is a finite real number > 0."""
    value = argument_checks.check_real(value, argument)
    if value <= 0:
        raise ValueError(
            f"`{argument}` must be > 0. Received: {argument}={value}"
        )
    return value


def get(identifier):
    """The objective for `ComplementaryModel(objective=identifier)`: a new
    instance for a name in `OBJECTIVES`, the object itself for a
    `ComplementarityObjective`."""
    from keras_acorl.objectives import OBJECTIVES

    if isinstance(identifier, ComplementarityObjective):
        return identifier
    if isinstance(identifier, str):
        if identifier not in OBJECTIVES:
            raise ValueError(
                f"Unknown `objective`: {identifier!r}. Expected one of "
                f"{sorted(OBJECTIVES)} or a keras_acorl.objectives."
                "ComplementarityObjective."
            )
        return OBJECTIVES[identifier]()
    raise TypeError(
        "`objective` must be a name (one of "
        f"{sorted(OBJECTIVES)}) or a keras_acorl.objectives."
        f"ComplementarityObjective. Received: {identifier!r} of type "
        f"{type(identifier).__name__}"
    )
