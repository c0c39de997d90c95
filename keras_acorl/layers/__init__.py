"""Layers of keras-acorl."""

from keras_acorl.layers.adaptive_pool_align import AdaptivePoolAlign
from keras_acorl.layers.adversary import Adversary
from keras_acorl.layers.attentive_statistics_pooling import (
    AttentiveStatisticsPooling,
)
from keras_acorl.layers.cosine_classifier import CosineClassifier
from keras_acorl.layers.discriminator import Discriminator
from keras_acorl.layers.gradient_reversal import GradientReversal
from keras_acorl.layers.log_mel_frontend import LogMelFrontend
from keras_acorl.layers.se_res2_block import SERes2Block
from keras_acorl.layers.statistics_pooling import StatisticsPooling

__all__ = [
    "AdaptivePoolAlign",
    "Adversary",
    "Discriminator",
    "GradientReversal",
    "AttentiveStatisticsPooling",
    "CosineClassifier",
    "LogMelFrontend",
    "SERes2Block",
    "StatisticsPooling",
]
