"""Losses of keras-acorl."""

from keras_acorl.losses.representation_losses import cosine_distance
from keras_acorl.losses.representation_losses import mean_squared_distance
from keras_acorl.losses.similarity_losses import SIMILARITIES
from keras_acorl.losses.similarity_losses import kl_divergence
from keras_acorl.losses.similarity_losses import l1_distance
from keras_acorl.losses.similarity_losses import l1_soft_distance
from keras_acorl.losses.similarity_losses import l2_distance
from keras_acorl.losses.similarity_losses import l2_soft_distance
from keras_acorl.losses.similarity_losses import soft_cross_entropy

__all__ = [
    "SIMILARITIES",
    "cosine_distance",
    "kl_divergence",
    "l1_distance",
    "l1_soft_distance",
    "l2_distance",
    "l2_soft_distance",
    "mean_squared_distance",
    "soft_cross_entropy",
]
