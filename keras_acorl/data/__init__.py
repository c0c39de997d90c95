"""Data helpers of keras-acorl: frozen models' outputs computed once.

`ComplementaryModel`'s base representations are computed by the model
itself: `ComplementaryModel.precompute(x)`.
"""

from keras_acorl.data.teacher_outputs import precompute_teacher_outputs

__all__ = ["precompute_teacher_outputs"]
