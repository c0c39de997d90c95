"""Losses of keras-acorl."""

from keras_acorl.losses.representation_losses import cosine_distance
from keras_acorl.losses.representation_losses import mean_squared_distance

__all__ = ["cosine_distance", "mean_squared_distance"]
