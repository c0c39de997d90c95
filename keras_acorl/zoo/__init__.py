"""Small ready-made models for examples and tests."""

from keras_acorl.zoo.application_classifier import application_classifier
from keras_acorl.zoo.backbone_classifier import backbone_classifier
from keras_acorl.zoo.resnet_classifier import resnet_classifier
from keras_acorl.zoo.small_cnn import small_cnn
from keras_acorl.zoo.small_cnn import split_encoder_head
from keras_acorl.zoo.small_ecapa_tdnn import small_ecapa_tdnn
from keras_acorl.zoo.speaker_classifier import speaker_classifier
from keras_acorl.zoo.thin_resnet_se import thin_resnet_se

__all__ = [
    "application_classifier",
    "backbone_classifier",
    "resnet_classifier",
    "small_cnn",
    "small_ecapa_tdnn",
    "speaker_classifier",
    "split_encoder_head",
    "thin_resnet_se",
]
