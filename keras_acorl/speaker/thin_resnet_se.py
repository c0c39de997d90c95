"""A thin ResNet with squeeze-excitation for speaker embeddings."""

import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.argument_checks import check_positive_int_tuple
from keras_acorl.speaker.speaker_inputs import speaker_inputs
from keras_acorl.speaker.statistics_pooling import StatisticsPooling


def thin_resnet_se(
    num_mel_bins=80,
    channels=(8, 16, 32, 64),
    blocks_per_stage=(1, 1, 1, 1),
    embedding_dim=128,
    se_ratio=4,
    frontend=False,
    sample_rate=16000,
    name="thin_resnet_se",
):
    """A small ResNet with squeeze-excitation: log-mels to an embedding.

    The log-mel features `(frames, num_mel_bins)` are treated as a
    one-channel image. A `Conv2D(3x3)-BN-ReLU` stem is followed by one
    stage per entry of `channels`, each of `blocks_per_stage` basic
    residual blocks (`Conv-BN-ReLU-Conv-BN`, squeeze-excitation, identity
    or projection shortcut, ReLU); every stage after the first halves
    time and frequency, its projection shortcut being ResNet-D's (2x2
    average pooling, then a stride-1 1x1 convolution). The remaining
    frequency bins and channels are flattened per frame, pooled over time
    into mean and standard deviation
    (`keras_acorl.speaker.StatisticsPooling`, per utterance) and projected
    by a linear `Dense(embedding_dim)` named `"embedding"`, the model's
    output. The number of frames may vary (time axis None).

    The family of WeSpeaker's ResNet-34 speaker models, shrunk to run on a
    CPU: the defaults have about 0.25M parameters. Train with
    `speaker_classifier` and `keras_acorl.speaker.AdditiveAngularMarginLoss`.

    Args:
        num_mel_bins: int. Mel bins of the features. Defaults to `80`.
        channels: tuple of ints. Channels of each stage. Defaults to
            `(8, 16, 32, 64)`.
        blocks_per_stage: tuple of ints, as long as `channels`. Residual
            blocks per stage. Defaults to `(1, 1, 1, 1)`.
        embedding_dim: int. Size of the embedding. Defaults to `128`.
        se_ratio: int. Channel reduction of the squeeze-excitation.
            Defaults to `4`.
        frontend: bool. If True, the model takes raw waveforms
            `(batch, samples)` and computes the features with a
            `keras_acorl.speaker.LogMelFrontend` named `"log_mel"`; if
            False it takes features `(batch, frames, num_mel_bins)`.
            Defaults to False.
        sample_rate: int. Sample rate of the waveforms (with `frontend`).
            Defaults to `16000`.
        name: string. Name of the model. Defaults to `"thin_resnet_se"`.

    Returns:
        A functional `keras.Model` mapping features (or waveforms) to
        embeddings `(batch, embedding_dim)`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import thin_resnet_se

    encoder = thin_resnet_se(channels=(8, 8, 8, 8), embedding_dim=32)
    features = np.random.rand(2, 120, 80).astype("float32")
    encoder.predict(features, verbose=0).shape  # (2, 32)
    ```
    """
    channels = check_positive_int_tuple(channels, "channels")
    blocks_per_stage = check_positive_int_tuple(
        blocks_per_stage, "blocks_per_stage"
    )
    if len(blocks_per_stage) != len(channels):
        raise ValueError(
            "`blocks_per_stage` must have one entry per stage in "
            f"`channels`. Received: channels={channels}, "
            f"blocks_per_stage={blocks_per_stage}"
        )
    check_positive_int(embedding_dim, "embedding_dim")
    check_positive_int(se_ratio, "se_ratio")
    inputs, features = speaker_inputs(num_mel_bins, frontend, sample_rate)

    x = keras.layers.Reshape((-1, num_mel_bins, 1), name="to_image")(features)
    x = _conv_bn(x, channels[0], 3, 1, "stem")
    x = keras.layers.ReLU(name="stem_relu")(x)
    frequencies = num_mel_bins
    for stage, (filters, blocks) in enumerate(zip(channels, blocks_per_stage)):
        for block in range(blocks):
            stride = 2 if stage > 0 and block == 0 else 1
            if stride == 2:
                frequencies = -(-frequencies // 2)
            x = _se_basic_block(
                x, filters, stride, se_ratio, f"stage{stage}_block{block}"
            )
    x = keras.layers.Reshape(
        (-1, frequencies * channels[-1]), name="to_frames"
    )(x)
    x = StatisticsPooling(name="statistics_pooling")(x)
    outputs = keras.layers.Dense(embedding_dim, name="embedding")(x)
    return keras.Model(inputs, outputs, name=name)


def _conv_bn(x, filters, kernel_size, stride, name):
    x = keras.layers.Conv2D(
        filters,
        kernel_size,
        strides=stride,
        padding="same",
        use_bias=False,
        name=f"{name}_conv",
    )(x)
    return keras.layers.BatchNormalization(momentum=0.9, name=f"{name}_bn")(x)


def _projection_shortcut(x, filters, stride, name):
    if stride != 1:
        # ResNet-D's shortcut (He et al., 2019, "Bag of Tricks"): average
        # pooling, then a stride-1 1x1 convolution. It sees every input
        # position (a strided 1x1 convolution drops three in four), and it
        # avoids a oneDNN AVX-512 kernel fault: training a strided 1x1
        # `Conv2D` with 4 or 8 channels aborts TensorFlow and segfaults
        # PyTorch on AMD EPYC CPUs (tests/test_speaker_zoo.py).
        x = keras.layers.AveragePooling2D(
            stride, strides=stride, padding="same", name=f"{name}_pool"
        )(x)
    return _conv_bn(x, filters, 1, 1, name)


def _se_basic_block(x, filters, stride, se_ratio, name):
    shortcut = x
    if stride != 1 or x.shape[-1] != filters:
        shortcut = _projection_shortcut(x, filters, stride, f"{name}_shortcut")
    h = _conv_bn(x, filters, 3, stride, f"{name}_a")
    h = keras.layers.ReLU(name=f"{name}_a_relu")(h)
    h = _conv_bn(h, filters, 3, 1, f"{name}_b")
    # Squeeze-excitation: channel gates from the utterance-level average.
    gate = keras.layers.GlobalAveragePooling2D(
        keepdims=True, name=f"{name}_se_pool"
    )(h)
    gate = keras.layers.Dense(
        max(1, filters // se_ratio), activation="relu", name=f"{name}_se_reduce"
    )(gate)
    gate = keras.layers.Dense(
        filters, activation="sigmoid", name=f"{name}_se_expand"
    )(gate)
    h = keras.layers.Multiply(name=f"{name}_se_scale")([h, gate])
    h = keras.layers.Add(name=f"{name}_add")([h, shortcut])
    return keras.layers.ReLU(name=f"{name}_relu")(h)
