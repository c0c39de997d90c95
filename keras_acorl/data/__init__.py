"""Data helpers of keras-acorl."""

from keras_acorl.data.teacher_outputs import precompute_teacher_outputs

__all__ = ["precompute_teacher_outputs"]
