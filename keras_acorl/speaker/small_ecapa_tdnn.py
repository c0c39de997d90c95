"""A small ECAPA-TDNN for speaker embeddings."""

import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.argument_checks import check_positive_int_tuple
from keras_acorl.speaker.attentive_statistics_pooling import (
    AttentiveStatisticsPooling,
)
from keras_acorl.speaker.se_res2_block import SERes2Block
from keras_acorl.speaker.speaker_inputs import speaker_inputs


def small_ecapa_tdnn(
    num_mel_bins=80,
    channels=96,
    dilations=(2, 3, 4),
    scale=4,
    se_channels=32,
    attention_channels=64,
    embedding_dim=128,
    frontend=False,
    sample_rate=16000,
    name="small_ecapa_tdnn",
):
    """A small ECAPA-TDNN: log-mels to a speaker embedding.

    The architecture of Desplanques et al. (2020) at a small width:
    a `Conv1D(kernel 5)-ReLU-BN` over the mel bins as channels, one
    `keras_acorl.speaker.SERes2Block` per entry of `dilations`, multi-layer
    feature aggregation (the blocks' outputs concatenated and mixed by a
    `Conv1D(1)-ReLU-BN`), `keras_acorl.speaker.AttentiveStatisticsPooling`
    with global context, batch normalization and a linear
    `Dense(embedding_dim)` named `"embedding"`, the model's output. The
    number of frames may vary (time axis None).

    A different family from `thin_resnet_se` (1D convolutions over time
    with dilations instead of 2D convolutions over time and frequency),
    sized for a CPU: the defaults have about 0.37M parameters (the paper's
    model: 6M to 15M). Train with `speaker_classifier` and
    `keras_acorl.speaker.AdditiveAngularMarginLoss`.

    Args:
        num_mel_bins: int. Mel bins of the features. Defaults to `80`.
        channels: int, divisible by `scale`. Channels of the blocks.
            Defaults to `96`.
        dilations: tuple of ints. Dilation of each SE-Res2 block. Defaults
            to `(2, 3, 4)`.
        scale: int >= 2. Res2 channel groups. Defaults to `4`.
        se_channels: int. Squeeze-excitation bottleneck. Defaults to `32`.
        attention_channels: int. Hidden size of the attentive pooling.
            Defaults to `64`.
        embedding_dim: int. Size of the embedding. Defaults to `128`.
        frontend: bool. If True, the model takes raw waveforms
            `(batch, samples)` and computes the features with a
            `keras_acorl.speaker.LogMelFrontend` named `"log_mel"`; if
            False it takes features `(batch, frames, num_mel_bins)`.
            Defaults to False.
        sample_rate: int. Sample rate of the waveforms (with `frontend`).
            Defaults to `16000`.
        name: string. Name of the model. Defaults to `"small_ecapa_tdnn"`.

    Returns:
        A functional `keras.Model` mapping features (or waveforms) to
        embeddings `(batch, embedding_dim)`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import small_ecapa_tdnn

    encoder = small_ecapa_tdnn(channels=16, se_channels=4, embedding_dim=32)
    features = np.random.rand(2, 120, 80).astype("float32")
    encoder.predict(features, verbose=0).shape  # (2, 32)
    ```
    """
    check_positive_int(channels, "channels")
    dilations = check_positive_int_tuple(dilations, "dilations")
    check_positive_int(attention_channels, "attention_channels")
    check_positive_int(embedding_dim, "embedding_dim")
    inputs, features = speaker_inputs(num_mel_bins, frontend, sample_rate)

    x = keras.layers.Conv1D(
        channels, 5, padding="same", activation="relu", name="stem_conv"
    )(features)
    x = keras.layers.BatchNormalization(momentum=0.9, name="stem_bn")(x)
    block_outputs = []
    for i, dilation in enumerate(dilations):
        x = SERes2Block(
            channels,
            kernel_size=3,
            dilation=dilation,
            scale=scale,
            se_channels=se_channels,
            name=f"block_{i}",
        )(x)
        block_outputs.append(x)
    if len(block_outputs) > 1:
        x = keras.layers.Concatenate(name="aggregation")(block_outputs)
    x = keras.layers.Conv1D(
        len(dilations) * channels, 1, activation="relu", name="mfa_conv"
    )(x)
    x = keras.layers.BatchNormalization(momentum=0.9, name="mfa_bn")(x)
    x = AttentiveStatisticsPooling(attention_channels, name="pooling")(x)
    x = keras.layers.BatchNormalization(momentum=0.9, name="pooling_bn")(x)
    outputs = keras.layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(inputs, outputs, name=name)
