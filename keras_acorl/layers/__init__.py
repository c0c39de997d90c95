"""Layers of keras-acorl."""

from keras_acorl.layers.adversary import Adversary
from keras_acorl.layers.gradient_reversal import GradientReversal

__all__ = ["Adversary", "GradientReversal"]
