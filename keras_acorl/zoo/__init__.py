"""Small ready-made models for examples and tests."""

from keras_acorl.zoo.small_cnn import small_cnn
from keras_acorl.zoo.small_cnn import split_encoder_head
from keras_acorl.zoo.small_ecapa_tdnn import small_ecapa_tdnn
from keras_acorl.zoo.speaker_classifier import speaker_classifier
from keras_acorl.zoo.thin_resnet_se import thin_resnet_se

__all__ = [
    "small_cnn",
    "split_encoder_head",
    "small_ecapa_tdnn",
    "speaker_classifier",
    "thin_resnet_se",
]
