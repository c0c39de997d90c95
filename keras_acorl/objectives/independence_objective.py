import keras

from keras_acorl.objectives.complementarity_objective import (
    ComplementarityObjective,
)
from keras_acorl.objectives.complementarity_objective import check_positive_real


@keras.saving.register_keras_serializable(package="keras_acorl")
class IndependenceObjective(ComplementarityObjective):
    """A linear-CKA penalty between the alliance and the base models.

    No adversary, no gradient reversal: the term added to the loss is
    `factor * sum_k CKA(z, v_k)` with `CKA` the linear centered kernel
    alignment (Kornblith et al., ICML 2019) of the alliance representation
    `z` and the base representation `v_k` over the batch, and `factor =
    adversarial_weight * schedule(progress)`. CKA is in `[0, 1]`, invariant
    to rotations and isotropic scaling of either representation, and
    differentiable, so the alliance descends it directly. It is the
    normalized HSIC with linear kernels. On a batch it is biased upwards
    when the batch is smaller than the representations are wide; use
    batches of 64 or more.

    Logs `objective_loss` (the weighted term) and `cka_k`, the batch CKA
    with base model `k`.

    Args:
        epsilon: real number > 0 added to CKA's denominator (a constant
            representation then has CKA 0). Defaults to `1e-8`.
        **kwargs: `keras.layers.Layer` keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.objectives import IndependenceObjective

    objective = IndependenceObjective()
    z = np.random.rand(64, 4).astype("float32")
    loss, (term, cka) = objective.compute(
        targets=[3.0 * z + 1.0], representation=z, factor=0.5
    )
    float(cka)  # 1.0: CKA ignores isotropic scaling and shifts.
    float(loss)  # 0.5: factor * CKA.
    objective.metric_names(2)  # ['objective_loss', 'cka_0', 'cka_1']
    ```
    """

    objective_name = "independence"
    base_quantity = "representation"

    def __init__(self, epsilon=1e-8, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = check_positive_real(epsilon, "epsilon")

    def metric_names(self, count):
        return ["objective_loss"] + [f"cka_{i}" for i in range(count)]

    def compute(self, targets, representation, factor, **kwargs):
        similarities = [
            batch_linear_cka(representation, t, self.epsilon) for t in targets
        ]
        penalty = similarities[0]
        for s in similarities[1:]:
            penalty = penalty + s
        loss = factor * penalty
        return loss, [loss] + similarities

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        return config


def batch_linear_cka(a, b, epsilon=1e-8):
    """Linear CKA of the `(batch, features)` tensors `a` and `b`, a
    differentiable scalar (`keras.ops`); the NumPy version for evaluation
    is `keras_acorl.analysis.linear_cka`. `epsilon` keeps the norms
    differentiable at 0 (a constant representation gives 0)."""
    ops = keras.ops
    a = ops.cast(a, "float32")
    b = ops.cast(b, "float32")
    a = a - ops.mean(a, axis=0, keepdims=True)
    b = b - ops.mean(b, axis=0, keepdims=True)

    def squared_norm(m, n):
        return ops.sum(ops.square(ops.matmul(ops.transpose(m), n)))

    norms = ops.sqrt(squared_norm(a, a) + epsilon) * ops.sqrt(
        squared_norm(b, b) + epsilon
    )
    return squared_norm(b, a) / norms
