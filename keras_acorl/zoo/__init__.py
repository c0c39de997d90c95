"""Small ready-made models for examples and tests."""

from keras_acorl.zoo.application_classifier import application_classifier
from keras_acorl.zoo.backbone_classifier import backbone_classifier
from keras_acorl.zoo.resnet_classifier import resnet_classifier
from keras_acorl.zoo.small_cnn import small_cnn
from keras_acorl.zoo.split_encoder_head import split_encoder_head

__all__ = [
    "application_classifier",
    "backbone_classifier",
    "resnet_classifier",
    "small_cnn",
    "split_encoder_head",
]
