"""Complementarity objectives of `keras_acorl.ComplementaryModel`.

`ComplementaryModel(objective=...)` takes one of the names below or an
instance. Each adds a term to the task loss whose strength is the model's
`adversarial_weight` (times its schedule's factor); weight 0 trains an
independent model.

- `"adversarial"` (`AdversarialObjective`, the default): the paper's
  method, adversaries behind a gradient reversal try to predict the base
  representations;
- `"conditional"` (`ConditionalAdversarialObjective`): the same, the
  adversaries also see the label;
- `"independence"` (`IndependenceObjective`): a penalty on the batch linear
  CKA with the base representations;
- `"ensemble"` (`EnsembleObjective`): the loss of the prediction fused with
  the base models' outputs;
- `"input_gradient"` (`InputGradientObjective`): the squared cosine of the
  input gradients (local independence).
"""

from keras_acorl.objectives.adversarial_objective import AdversarialObjective
from keras_acorl.objectives.complementarity_objective import (
    ComplementarityObjective,
)
from keras_acorl.objectives.complementarity_objective import get
from keras_acorl.objectives.conditional_adversarial_objective import (
    ConditionalAdversarialObjective,
)
from keras_acorl.objectives.ensemble_objective import EnsembleObjective
from keras_acorl.objectives.independence_objective import IndependenceObjective
from keras_acorl.objectives.input_gradient_objective import (
    InputGradientObjective,
)
from keras_acorl.objectives.target_standardizer import TargetStandardizer

OBJECTIVES = {
    cls.objective_name: cls
    for cls in (
        AdversarialObjective,
        ConditionalAdversarialObjective,
        IndependenceObjective,
        EnsembleObjective,
        InputGradientObjective,
    )
}

__all__ = [
    "OBJECTIVES",
    "AdversarialObjective",
    "ComplementarityObjective",
    "ConditionalAdversarialObjective",
    "EnsembleObjective",
    "IndependenceObjective",
    "InputGradientObjective",
    "TargetStandardizer",
    "get",
]
