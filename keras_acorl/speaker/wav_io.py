"""Reading and writing WAV files as float32 mono waveforms."""

import os

import numpy as np

from keras_acorl import argument_checks
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

    sample_rate = check_sample_rate(sample_rate)
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"Audio file not found: '{path}'.")
    _check_wav_complete(path)
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

    sample_rate = check_sample_rate(sample_rate)
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


def check_sample_rate(sample_rate):
    """`sample_rate` must be a positive int (in Hz); returns it."""
    return argument_checks.check_positive_int(sample_rate, "sample_rate")


def _check_wav_complete(path):
    """Raises a `ValueError` naming `path` when a RIFF/WAVE file ends inside
    its data chunk (libsndfile then reads the samples present, silently).
    Streaming writers that leave the size at 0 or 0xFFFFFFFF are let
    through; other formats are left to libsndfile."""
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        header = f.read(12)
        if len(header) < 12 or header[:4] != b"RIFF" or header[8:] != b"WAVE":
            return
        offset = 12
        while offset + 8 <= size:
            f.seek(offset)
            chunk = f.read(8)
            declared = int.from_bytes(chunk[4:], "little")
            if chunk[:4] == b"data":
                present = size - offset - 8
                if declared not in (0, 0xFFFFFFFF) and declared > present:
                    raise ValueError(
                        f"WAV file '{path}' is truncated: its data chunk "
                        f"declares {declared} bytes but only {present} are "
                        "present. Re-create or re-download the file."
                    )
                return
            offset += 8 + declared + (declared % 2)
