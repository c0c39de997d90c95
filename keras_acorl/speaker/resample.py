"""Sample-rate conversion of waveforms."""

import functools
import math

import numpy as np


def resample_waveform(waveform, orig_sr, target_sr):
    """Resamples a 1-D waveform with a polyphase filter (scipy).

    Args:
        waveform: 1-D array-like of floats.
        orig_sr: int. Its sample rate.
        target_sr: int. The wanted sample rate.

    Returns:
        A 1-D float32 array of `ceil(len(waveform) * target_sr / orig_sr)`
        samples (the input itself, as float32, when the rates are equal).

    Example:

    ```python
    import numpy as np

    from keras_acorl.speaker import resample_waveform

    waveform = np.zeros(22050, dtype="float32")  # 1 s at 22.05 kHz.
    print(resample_waveform(waveform, 22050, 16000).shape)  # (16000,)
    ```
    """
    from scipy import signal

    waveform = np.asarray(waveform, dtype="float32")
    if waveform.ndim != 1:
        raise ValueError(
            f"`waveform` must be 1-D. Received shape {waveform.shape}."
        )
    for name, rate in (("orig_sr", orig_sr), ("target_sr", target_sr)):
        if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)):
            raise TypeError(
                f"`{name}` must be a positive int. Received {rate!r}"
            )
        if rate < 1:
            raise ValueError(
                f"`{name}` must be a positive int. Received {rate}"
            )
    if orig_sr == target_sr:
        return waveform
    divisor = math.gcd(int(orig_sr), int(target_sr))
    up, down = int(target_sr) // divisor, int(orig_sr) // divisor
    resampled = signal.resample_poly(
        waveform.astype("float64"), up, down, window=_filter(up, down)
    )
    return resampled.astype("float32")


@functools.lru_cache(maxsize=16)
def _filter(up, down):
    """scipy's default `resample_poly` filter, designed once per rate pair
    (designing it costs more than filtering a few seconds of audio)."""
    from scipy import signal

    half_length = 10 * max(up, down)
    return signal.firwin(
        2 * half_length + 1, 1.0 / max(up, down), window=("kaiser", 5.0)
    )
