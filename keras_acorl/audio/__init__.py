"""Audio features for speaker models."""

from keras_acorl.audio.log_mel import log_mel_spectrogram

__all__ = [
    "log_mel_spectrogram",
]
