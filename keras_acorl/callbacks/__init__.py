"""Callbacks of keras-acorl."""

from keras_acorl.callbacks.gradient_reversal_scheduler import (
    GradientReversalScheduler,
)

__all__ = ["GradientReversalScheduler"]
