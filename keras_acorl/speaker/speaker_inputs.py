"""The input of the speaker models: log-mel features or raw waveforms."""

import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.speaker.log_mel_frontend import LogMelFrontend


def speaker_inputs(num_mel_bins, frontend, sample_rate):
    """`(inputs, features)` of a speaker model.

    Without `frontend`, `inputs` is `keras.Input((None, num_mel_bins))`
    named `"features"` (e.g. from `keras_acorl.speaker.log_mel_spectrogram`)
    and `features` is the same tensor. With `frontend`, `inputs` is a raw
    waveform `keras.Input((None,))` named `"waveform"` and `features` the
    output of a `LogMelFrontend` named `"log_mel"`. The time axis is None.
    """
    check_positive_int(num_mel_bins, "num_mel_bins")
    if not isinstance(frontend, bool):
        raise TypeError(f"`frontend` must be a bool. Received: {frontend!r}")
    if not frontend:
        inputs = keras.Input(shape=(None, num_mel_bins), name="features")
        return inputs, inputs
    check_positive_int(sample_rate, "sample_rate")
    inputs = keras.Input(shape=(None,), name="waveform")
    features = LogMelFrontend(
        sample_rate=sample_rate, num_mel_bins=num_mel_bins, name="log_mel"
    )(inputs)
    return inputs, features
