import keras

from keras_acorl.objectives.complementarity_objective import (
    ComplementarityObjective,
)
from keras_acorl.objectives.complementarity_objective import check_positive_real
from keras_acorl.objectives.complementarity_objective import check_task_outputs
from keras_acorl.objectives.conditional_adversarial_objective import (
    one_hot_labels,
)


@keras.saving.register_keras_serializable(package="keras_acorl")
class EnsembleObjective(ComplementarityObjective):
    """The loss of the fused prediction: train the alliance for the ensemble.

    The alliance minimizes, besides its own task loss, the cross-entropy of
    the prediction it makes together with the frozen base models:
    `factor * CE(y, mean(softmax(o), softmax(b_1), ..., softmax(b_K)))`,
    with `o` the alliance's output, `b_k` base model `k`'s output and
    `factor = adversarial_weight * schedule(progress)`. This is the
    `"mean_probs"` fusion of `keras_acorl.FusionEnsemble`, so the term
    targets the samples the ensemble gets wrong (joint errors), not the
    representations. The base outputs come from `base_representation`,
    which must give each base model's task output (None, the default, does)
    with the alliance output's size; they may be precomputed
    (`model.precompute(x)`) in-sample, out-of-fold or on a split the bases
    never saw. Labels are sparse class indices, or one-hot / soft rows.
    Outputs that are cosines (a `keras_acorl.speaker.CosineClassifier`
    head, e.g. speaker models trained with the AAM-softmax loss) become
    logits with `logit_scale` (the loss's `scale`): a softmax of raw
    cosines in [-1, 1] is nearly uniform.

    Logs `objective_loss` (the weighted term) and `fused_loss` (the
    unweighted cross-entropy of the fused prediction).

    Args:
        from_logits: bool. Whether the alliance's and the base models'
            outputs are logits (True) or probabilities. Defaults to True.
        logit_scale: real number > 0. With `from_logits=True`, the
            outputs are multiplied by it before the softmax. Defaults to
            `1.0`.
        **kwargs: `keras.layers.Layer` keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.objectives import EnsembleObjective

    objective = EnsembleObjective(from_logits=False)  # Outputs: probabilities.
    # ComplementaryModel calls `setup` with its own sizes; one base model here.
    objective.setup(model=None, target_dims=[2], alliance_dim=4, output_dim=2)
    alliance = np.array([[0.8, 0.2]], "float32")
    base = np.array([[0.4, 0.6]], "float32")
    loss, (term, fused_loss) = objective.compute(
        targets=[base], output=alliance, factor=0.5, y=np.array([0])
    )
    float(fused_loss)  # 0.5108: -log(0.6), the fused probability of class 0.
    float(loss)  # 0.2554: factor * fused_loss.
    ```
    """

    objective_name = "ensemble"
    base_quantity = "output"

    def __init__(self, from_logits=True, logit_scale=1.0, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(from_logits, bool):
            raise TypeError(
                "`from_logits` must be a bool. Received: "
                f"from_logits={from_logits!r}"
            )
        self.from_logits = from_logits
        self.logit_scale = check_positive_real(logit_scale, "logit_scale")

    def setup(self, model, target_dims, alliance_dim, output_dim):
        check_task_outputs(
            "ensemble",
            "fuses the base models' task outputs with the alliance's",
            target_dims,
            output_dim,
        )
        self.num_classes = output_dim
        self.built = True

    def metric_names(self, count):
        return ["objective_loss", "fused_loss"]

    def probabilities(self, outputs):
        outputs = keras.ops.cast(outputs, "float32")
        if self.from_logits:
            return keras.ops.softmax(self.logit_scale * outputs, axis=-1)
        return outputs

    def compute(self, targets, output, factor, y, **kwargs):
        fused = self.probabilities(output)
        for t in targets:
            fused = fused + self.probabilities(t)
        fused = fused / float(len(targets) + 1)
        labels = one_hot_labels(y, self.num_classes)
        fused_loss = keras.ops.mean(
            keras.losses.categorical_crossentropy(labels, fused)
        )
        loss = factor * fused_loss
        return loss, [loss, fused_loss]

    def get_config(self):
        config = super().get_config()
        config["from_logits"] = self.from_logits
        config["logit_scale"] = self.logit_scale
        return config
