"""Small ready-made models for examples and tests."""

from keras_acorl.zoo.small_cnn import small_cnn
from keras_acorl.zoo.small_cnn import split_encoder_head

__all__ = ["small_cnn", "split_encoder_head"]
