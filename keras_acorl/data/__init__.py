"""Data helpers of keras-acorl: frozen models' outputs computed once."""

from keras_acorl.data.base_representations import (
    precompute_base_representations,
)
from keras_acorl.data.teacher_outputs import precompute_teacher_outputs

__all__ = ["precompute_base_representations", "precompute_teacher_outputs"]
