"""Layers of keras-acorl."""

from keras_acorl.layers.adaptive_pool_align import AdaptivePoolAlign
from keras_acorl.layers.adversary import Adversary
from keras_acorl.layers.discriminator import Discriminator
from keras_acorl.layers.gradient_reversal import GradientReversal

__all__ = [
    "AdaptivePoolAlign",
    "Adversary",
    "Discriminator",
    "GradientReversal",
]
