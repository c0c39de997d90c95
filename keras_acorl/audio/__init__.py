"""Audio: WAV input/output, resampling and log-mel features."""

from keras_acorl.audio.log_mel import log_mel_spectrogram
from keras_acorl.audio.resample import resample_waveform
from keras_acorl.audio.wav_io import load_wav
from keras_acorl.audio.wav_io import write_wav

__all__ = [
    "load_wav",
    "log_mel_spectrogram",
    "resample_waveform",
    "write_wav",
]
