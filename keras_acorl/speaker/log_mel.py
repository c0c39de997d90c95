"""Log-mel filterbank features of a waveform (numpy, with librosa)."""

import numpy as np


def log_mel_spectrogram(
    waveform,
    sample_rate=16000,
    num_mel_bins=80,
    frame_length=400,
    frame_step=160,
    fft_length=512,
    min_freq=20.0,
    max_freq=None,
    floor=1e-6,
    mean_normalize=True,
):
    """Log-mel filterbank energies of one utterance, `(frames, num_mel_bins)`.

    A Hann window of `frame_length` samples (25 ms at 16 kHz), centred in
    an FFT of `fft_length` samples, moves by `frame_step` samples (10 ms);
    the signal is reflect-padded by `fft_length // 2` at both ends (centred
    frames), so `frames = 1 + len(waveform) // frame_step`. The power
    spectrum goes through an HTK-scale triangular mel filterbank with peak
    1 (no area normalization) between `min_freq` and `max_freq`, then
    `log(mel_power + floor)`. With `mean_normalize` the mean over time of
    each mel bin is subtracted (cepstral mean normalization, per utterance:
    features never depend on other utterances of a batch).

    These settings match `keras_acorl.speaker.LogMelFrontend`, the in-graph
    version of this function, so a model trained on these features can
    take raw audio once exported.

    Args:
        waveform: 1D array of samples (floats in [-1, 1]).
        sample_rate: int. Sample rate of `waveform` in Hz. Defaults to
            `16000`.
        num_mel_bins: int. Number of mel bins. Defaults to `80`.
        frame_length: int. Window length in samples. Defaults to `400`.
        frame_step: int. Hop between frames in samples. Defaults to `160`.
        fft_length: int >= `frame_length`. FFT size. Defaults to `512`.
        min_freq: float. Lower edge of the filterbank in Hz. Defaults to
            `20.0`.
        max_freq: float or None. Upper edge in Hz; None for
            `sample_rate / 2`. Defaults to None.
        floor: float > 0. Added to the mel power before the log. Defaults
            to `1e-6`.
        mean_normalize: bool. Subtract the per-utterance mean over time.
            Defaults to True.

    Returns:
        float32 array of shape `(1 + len(waveform) // frame_step,
        num_mel_bins)`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import log_mel_spectrogram

    waveform = np.random.uniform(-0.1, 0.1, size=32000).astype("float32")
    log_mel_spectrogram(waveform).shape  # (201, 80)
    ```
    """
    try:
        import librosa
    except ImportError as error:  # pragma: no cover
        raise ImportError(
            "log_mel_spectrogram needs librosa: "
            "pip install 'keras-acorl[audio]'"
        ) from error
    waveform = np.asarray(waveform)
    if waveform.ndim != 1:
        raise ValueError(
            "`waveform` must be a 1D array of samples (one utterance). "
            f"Received shape {waveform.shape}."
        )
    if waveform.size == 0:
        raise ValueError("`waveform` must hold at least one sample.")
    check_frame_arguments(
        sample_rate, num_mel_bins, frame_length, frame_step, fft_length, floor
    )
    mel = librosa.feature.melspectrogram(
        y=waveform.astype("float32"),
        sr=sample_rate,
        n_fft=fft_length,
        hop_length=frame_step,
        win_length=frame_length,
        window="hann",
        center=True,
        pad_mode="reflect",
        power=2.0,
        n_mels=num_mel_bins,
        fmin=min_freq,
        fmax=max_freq,
        htk=True,
        norm=None,
    )
    features = np.log(mel.T + floor)
    if mean_normalize:
        features = features - features.mean(axis=0, keepdims=True)
    return features.astype("float32")


def check_frame_arguments(
    sample_rate, num_mel_bins, frame_length, frame_step, fft_length, floor
):
    """Shared argument checks of the log-mel function and layer."""
    for value, name in (
        (sample_rate, "sample_rate"),
        (num_mel_bins, "num_mel_bins"),
        (frame_length, "frame_length"),
        (frame_step, "frame_step"),
        (fft_length, "fft_length"),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(
                f"`{name}` must be a positive int. Received: {name}={value!r}"
            )
    if fft_length < frame_length:
        raise ValueError(
            "`fft_length` must be >= `frame_length`. Received: "
            f"fft_length={fft_length}, frame_length={frame_length}"
        )
    if not floor > 0:
        raise ValueError(f"`floor` must be > 0. Received: floor={floor!r}")
