"""Speaker verification with keras-acorl, in one place.

Audio input and features (`load_wav`, `log_mel_spectrogram`,
`LogMelFrontend`), corpus readers and the synthetic corpus, speaker layers
and models (`thin_resnet_se`, `small_ecapa_tdnn`), the AAM-softmax loss,
training (`train_speaker_classifier`, `train_speaker_alliance`), cosine
scoring of several systems at once (`score_systems`), score normalization
and fusion, and the verification error rates (EER, minDCF, DET curve)."""

from keras_acorl.speaker.additive_angular_margin_loss import (
    AdditiveAngularMarginLoss,
)
from keras_acorl.speaker.attentive_statistics_pooling import (
    AttentiveStatisticsPooling,
)
from keras_acorl.speaker.cosine_classifier import CosineClassifier
from keras_acorl.speaker.cosine_scoring import cosine_scores
from keras_acorl.speaker.cosine_scoring import l2_normalize
from keras_acorl.speaker.cosine_scoring import score_trials
from keras_acorl.speaker.cosine_scoring import trial_embeddings
from keras_acorl.speaker.det_plot import plot_det_curves
from keras_acorl.speaker.log_mel import log_mel_spectrogram
from keras_acorl.speaker.log_mel_corpus import LogMelCorpus
from keras_acorl.speaker.log_mel_frontend import LogMelFrontend
from keras_acorl.speaker.logistic_score_fusion import LogisticScoreFusion
from keras_acorl.speaker.resample import resample_waveform
from keras_acorl.speaker.score_fusion import fuse_scores
from keras_acorl.speaker.score_normalization import s_norm
from keras_acorl.speaker.score_normalization import speaker_cohort
from keras_acorl.speaker.se_res2_block import SERes2Block
from keras_acorl.speaker.small_ecapa_tdnn import small_ecapa_tdnn
from keras_acorl.speaker.speaker_classifier import speaker_classifier
from keras_acorl.speaker.speaker_classifier import speaker_encoder
from keras_acorl.speaker.speaker_crop_dataset import SpeakerCropDataset
from keras_acorl.speaker.speaker_training import compile_speaker_model
from keras_acorl.speaker.speaker_training import train_speaker_alliance
from keras_acorl.speaker.speaker_training import train_speaker_classifier
from keras_acorl.speaker.statistics_pooling import StatisticsPooling
from keras_acorl.speaker.synthetic_speakers import generate_speaker_corpus
from keras_acorl.speaker.system_scoring import score_systems
from keras_acorl.speaker.thin_resnet_se import thin_resnet_se
from keras_acorl.speaker.trial_list import read_trial_list
from keras_acorl.speaker.trial_list import write_trial_list
from keras_acorl.speaker.utterance_embeddings import embed_utterances
from keras_acorl.speaker.verification_metrics import det_curve
from keras_acorl.speaker.verification_metrics import equal_error_rate
from keras_acorl.speaker.verification_metrics import min_dcf
from keras_acorl.speaker.verification_metrics import verification_error_rates
from keras_acorl.speaker.voxceleb_corpus import VoxCelebCorpus
from keras_acorl.speaker.wav_io import load_wav
from keras_acorl.speaker.wav_io import write_wav

__all__ = [
    "AdditiveAngularMarginLoss",
    "AttentiveStatisticsPooling",
    "compile_speaker_model",
    "cosine_scores",
    "CosineClassifier",
    "det_curve",
    "embed_utterances",
    "equal_error_rate",
    "fuse_scores",
    "generate_speaker_corpus",
    "l2_normalize",
    "load_wav",
    "log_mel_spectrogram",
    "LogisticScoreFusion",
    "LogMelCorpus",
    "LogMelFrontend",
    "min_dcf",
    "plot_det_curves",
    "read_trial_list",
    "resample_waveform",
    "s_norm",
    "score_systems",
    "score_trials",
    "SERes2Block",
    "small_ecapa_tdnn",
    "speaker_classifier",
    "speaker_cohort",
    "speaker_encoder",
    "SpeakerCropDataset",
    "StatisticsPooling",
    "thin_resnet_se",
    "train_speaker_alliance",
    "train_speaker_classifier",
    "trial_embeddings",
    "verification_error_rates",
    "VoxCelebCorpus",
    "write_trial_list",
    "write_wav",
]
