import keras
import numpy as np
import pytest

from keras_acorl.speaker import LogMelFrontend
from keras_acorl.speaker import log_mel_spectrogram
from tests.helpers import run_serialization_test


def chirp(samples, seed=0):
    """A gliding tone in noise, at 16 kHz."""
    rng = np.random.default_rng(seed)
    t = np.arange(samples) / 16000.0
    tone = 0.3 * np.sin(2 * np.pi * (200.0 + 300.0 * t) * t)
    return (tone + 0.02 * rng.normal(size=samples)).astype("float32")


def test_log_mel_spectrogram_frames_and_mean_normalization():
    waveform = chirp(16000)
    features = log_mel_spectrogram(waveform)
    assert features.shape == (101, 80)
    assert features.dtype == np.float32
    np.testing.assert_allclose(features.mean(axis=0), 0.0, atol=1e-4)
    raw = log_mel_spectrogram(waveform, mean_normalize=False)
    np.testing.assert_allclose(raw - raw.mean(axis=0), features, atol=1e-4)
    # Gain shifts the log-mels by 2 log(gain); normalization removes it.
    louder = log_mel_spectrogram(3.0 * waveform, mean_normalize=False)
    busy = raw[:, 10:] > -5.0  # Mel bins well above the floor.
    np.testing.assert_allclose(
        (louder - raw)[:, 10:][busy], 2 * np.log(3.0), atol=1e-3
    )
    assert log_mel_spectrogram(waveform[:1000], frame_step=100).shape == (
        11,
        80,
    )


def test_frontend_matches_log_mel_spectrogram():
    samples = 12345  # Not a multiple of the frame step.
    waveforms = np.stack([chirp(samples, 0), 0.1 * chirp(samples, 1)])
    actual = keras.ops.convert_to_numpy(LogMelFrontend()(waveforms))
    assert actual.shape == (2, 1 + samples // 160, 80)
    for waveform, features in zip(waveforms, actual):
        expected = log_mel_spectrogram(waveform)
        assert np.corrcoef(expected.ravel(), features.ravel())[0, 1] > 0.999
        assert np.abs(expected - features).mean() < 0.01


def test_frontend_normalizes_per_utterance():
    a, b = chirp(3200, 0), 5.0 * chirp(3200, 1)
    frontend = LogMelFrontend(num_mel_bins=40)
    together = keras.ops.convert_to_numpy(frontend(np.stack([a, b])))
    alone = keras.ops.convert_to_numpy(frontend(a[None]))
    np.testing.assert_allclose(together[0], alone[0], atol=1e-4)
    np.testing.assert_allclose(together.mean(axis=1), 0.0, atol=1e-4)
    raw = LogMelFrontend(num_mel_bins=40, mean_normalize=False)
    raw = keras.ops.convert_to_numpy(raw(a[None]))
    np.testing.assert_allclose(raw - raw.mean(axis=1), alone, atol=1e-4)


def test_frontend_serialization_and_symbolic_shape():
    # Saving inside a model: tests/test_speaker_zoo.py (waveform input).
    run_serialization_test(
        LogMelFrontend(sample_rate=8000, num_mel_bins=40, max_freq=3800.0)
    )
    features = LogMelFrontend()(keras.Input(shape=(None,)))
    assert tuple(features.shape) == (None, None, 80)
    assert LogMelFrontend().compute_output_shape((2, 3200)) == (2, 21, 80)


def test_bad_arguments():
    with pytest.raises(ValueError, match="fft_length"):
        LogMelFrontend(frame_length=600, fft_length=512)
    with pytest.raises(ValueError, match="num_mel_bins"):
        log_mel_spectrogram(chirp(800), num_mel_bins=0)
    with pytest.raises(ValueError, match="floor"):
        LogMelFrontend(floor=0.0)
    with pytest.raises(TypeError, match="mean_normalize"):
        LogMelFrontend(mean_normalize="yes")
    with pytest.raises(ValueError, match="1D array"):
        log_mel_spectrogram(np.zeros((2, 800), "float32"))
    with pytest.raises(ValueError, match=r"\(batch, samples\)"):
        LogMelFrontend()(np.zeros((2, 800, 1), "float32"))
    # Too short to reflect fft_length // 2 samples at each end: JAX's
    # gather would clamp the positions and return numbers.
    with pytest.raises(ValueError, match="longer than fft_length // 2 = 256"):
        LogMelFrontend()(np.zeros((1, 256), "float32"))
    assert LogMelFrontend()(np.zeros((1, 257), "float32")).shape == (1, 2, 80)
