"""Audio: WAV input/output and resampling."""

from keras_acorl.audio.resample import resample_waveform
from keras_acorl.audio.wav_io import load_wav
from keras_acorl.audio.wav_io import write_wav

__all__ = ["load_wav", "resample_waveform", "write_wav"]
