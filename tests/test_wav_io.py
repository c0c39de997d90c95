"""WAV reading (mono, resampling, errors) and writing."""

import numpy as np
import pytest
import soundfile

from keras_acorl.speaker import load_wav
from keras_acorl.speaker import resample_waveform
from keras_acorl.speaker import write_wav

pytestmark = pytest.mark.backend_free


def tone(seconds, rate, frequency=440.0):
    t = np.arange(int(seconds * rate)) / rate
    return (0.5 * np.sin(2 * np.pi * frequency * t)).astype("float32")


def test_round_trip_is_pcm16_float32_mono(tmp_path):
    waveform = tone(0.5, 16000)
    path = write_wav(tmp_path / "a" / "tone.wav", waveform, 16000)
    assert soundfile.info(path).subtype == "PCM_16"
    loaded = load_wav(path)
    assert loaded.dtype == np.float32 and loaded.shape == waveform.shape
    np.testing.assert_allclose(loaded, waveform, atol=1 / 32768 + 1e-6)
    assert np.abs(loaded).max() <= 1.0


def test_stereo_is_averaged(tmp_path):
    left, right = tone(0.2, 16000), np.zeros(3200, dtype="float32")
    path = tmp_path / "stereo.wav"
    soundfile.write(path, np.stack([left, right], axis=1), 16000)
    np.testing.assert_allclose(load_wav(path), left / 2, atol=1e-4)


def test_other_rates_are_resampled(tmp_path):
    for rate in (8000, 22050, 44100):
        path = tmp_path / f"tone_{rate}.wav"
        soundfile.write(path, tone(0.5, rate, frequency=300.0), rate)
        loaded = load_wav(path, sample_rate=16000)
        assert loaded.shape == (int(np.ceil(int(0.5 * rate) * 16000 / rate)),)
        # The same 300 Hz tone as one made at 16 kHz, away from the edges.
        np.testing.assert_allclose(
            loaded[400:-400], tone(0.5, 16000, 300.0)[400:-400], atol=0.02
        )
        resampled = resample_waveform(np.ones(rate, "float32"), rate, 16000)
        assert resampled.shape == (16000,)


def test_corrupt_and_empty_files_name_the_file(tmp_path):
    corrupt = tmp_path / "corrupt.wav"
    corrupt.write_bytes(b"RIFF\x00\x00not a wave file at all")
    with pytest.raises(ValueError, match="Could not decode.*corrupt.wav"):
        load_wav(corrupt)
    empty = tmp_path / "empty.wav"
    soundfile.write(empty, np.zeros(0, dtype="float32"), 16000)
    with pytest.raises(ValueError, match="empty.wav' has no samples"):
        load_wav(empty)
    with pytest.raises(FileNotFoundError, match="nowhere.wav"):
        load_wav(tmp_path / "nowhere.wav")
    with pytest.raises(ValueError, match="`waveform`.*shape \\(0,\\)"):
        write_wav(tmp_path / "x.wav", np.zeros(0))
    with pytest.raises(TypeError, match="`sample_rate`"):
        load_wav(corrupt, sample_rate=16000.0)
