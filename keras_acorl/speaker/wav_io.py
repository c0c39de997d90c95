"""Reading and writing WAV files as float32 mono waveforms."""

import os

import numpy as np

from keras_acorl.speaker.resample import resample_waveform


def load_wav(path, sample_rate=16000):
    """Loads an audio file as a float32 mono waveform in [-1, 1].

    Multi-channel files are averaged to mono; files at another sample rate
    are resampled (`resample_waveform`, a scipy polyphase filter).

    Args:
        path: path of the audio file (any format libsndfile reads: WAV,
            FLAC, OGG...).
        sample_rate: int. The sample rate of the returned waveform. Defaults
            to 16000.

    Returns:
        A 1-D float32 NumPy array.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file cannot be decoded or has no samples; the
            message names the file.

    Example:

    ```python
    import os
    import tempfile

    import numpy as np

    from keras_acorl.speaker import load_wav
    from keras_acorl.speaker import write_wav

    path = os.path.join(tempfile.mkdtemp(), "tone.wav")
    tone = 0.5 * np.sin(np.arange(8000) * 0.1).astype("float32")
    write_wav(path, tone, sample_rate=8000)
    waveform = load_wav(path, sample_rate=16000)  # 16000 samples.
    ```
    """
    import soundfile

    sample_rate = _check_sample_rate(sample_rate)
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Audio file not found: '{path}'.")
    try:
        waveform, file_rate = soundfile.read(
            path, dtype="float32", always_2d=True
        )
    except (RuntimeError, soundfile.SoundFileError) as error:
        raise ValueError(
            f"Could not decode audio file '{path}': {error}"
        ) from error
    if waveform.shape[0] == 0:
        raise ValueError(f"Audio file '{path}' has no samples (it is empty).")
    waveform = (
        waveform.mean(axis=1) if waveform.shape[1] > 1 else waveform[:, 0]
    )
    waveform = resample_waveform(waveform, file_rate, sample_rate)
    return np.ascontiguousarray(waveform, dtype="float32")


def write_wav(path, waveform, sample_rate=16000):
    """Writes a waveform as a 16-bit PCM WAV file.

    Args:
        path: path of the file to write (parent folders are created).
        waveform: 1-D array-like of floats in [-1, 1] (mono), or 2-D
            `(samples, channels)`. Values outside [-1, 1] are clipped.
        sample_rate: int. Defaults to 16000.

    Returns:
        `path`.

    Example:

    ```python
    import os
    import tempfile

    import numpy as np

    from keras_acorl.speaker import write_wav

    path = os.path.join(tempfile.mkdtemp(), "silence.wav")
    write_wav(path, np.zeros(1600, dtype="float32"), sample_rate=16000)
    ```
    """
    import soundfile

    sample_rate = _check_sample_rate(sample_rate)
    waveform = np.asarray(waveform, dtype="float32")
    if waveform.ndim not in (1, 2) or waveform.shape[0] == 0:
        raise ValueError(
            "`waveform` must be a non-empty 1-D (samples,) or 2-D "
            f"(samples, channels) array. Received shape {waveform.shape}."
        )
    if not np.isfinite(waveform).all():
        raise ValueError("`waveform` contains NaN or infinite values.")
    path = os.fspath(path)
    parent = os.path.dirname(path)
    if parent:
        os.makedirs(parent, exist_ok=True)
    soundfile.write(
        path, np.clip(waveform, -1.0, 1.0), sample_rate, subtype="PCM_16"
    )
    return path


def _check_sample_rate(sample_rate):
    if isinstance(sample_rate, bool) or not isinstance(
        sample_rate, (int, np.integer)
    ):
        raise TypeError(
            f"`sample_rate` must be a positive int. Received: {sample_rate!r}"
        )
    if sample_rate < 1:
        raise ValueError(
            f"`sample_rate` must be a positive int. Received: {sample_rate}"
        )
    return int(sample_rate)
