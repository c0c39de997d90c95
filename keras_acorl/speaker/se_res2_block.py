import keras

from keras_acorl.argument_checks import check_positive_int


@keras.saving.register_keras_serializable(package="keras_acorl")
class SERes2Block(keras.layers.Layer):
    """The SE-Res2Net block of ECAPA-TDNN, on `(batch, frames, channels)`.

    `Conv1D(1) -> Res2 dilated convolutions -> Conv1D(1) ->
    squeeze-excitation`, plus a residual connection (Desplanques et al.,
    2020). Each convolution is followed by ReLU and batch normalization.
    The Res2 part splits the channels into `scale` groups: the first
    passes unchanged, group `i` goes through a dilated `Conv1D` after the
    previous group's output is added to it, which mixes several receptive
    fields in one block. The squeeze-excitation rescales channels by
    `sigmoid(W2 relu(W1 mean_t(h)))`, a per-utterance average over time.
    The number of frames may vary (time axis None).

    Args:
        channels: int, divisible by `scale`. Output channels.
        kernel_size: int. Kernel size of the Res2 convolutions. Defaults to
            `3`.
        dilation: int. Dilation rate of the Res2 convolutions. Defaults to
            `1`.
        scale: int >= 2. Number of Res2 channel groups. Defaults to `4`.
        se_channels: int. Bottleneck width of the squeeze-excitation.
            Defaults to `32`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import SERes2Block

    block = SERes2Block(channels=16, dilation=2, scale=4, se_channels=4)
    block(np.random.rand(2, 30, 16).astype("float32")).shape  # (2, 30, 16)
    ```
    """

    def __init__(
        self,
        channels,
        kernel_size=3,
        dilation=1,
        scale=4,
        se_channels=32,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int(channels, "channels")
        check_positive_int(kernel_size, "kernel_size")
        check_positive_int(dilation, "dilation")
        check_positive_int(se_channels, "se_channels")
        check_positive_int(scale, "scale")
        if scale < 2 or channels % scale:
            raise ValueError(
                "`scale` must be >= 2 and divide `channels`. Received: "
                f"scale={scale}, channels={channels}"
            )
        self.channels = channels
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.scale = scale
        self.se_channels = se_channels
        width = channels // scale

        def unit(filters, kernel, rate, name):
            return [
                keras.layers.Conv1D(
                    filters,
                    kernel,
                    padding="same",
                    dilation_rate=rate,
                    activation="relu",
                    name=f"{name}_conv",
                    dtype=self.dtype_policy,
                ),
                keras.layers.BatchNormalization(
                    momentum=0.9, name=f"{name}_bn", dtype=self.dtype_policy
                ),
            ]

        self.reduce = unit(channels, 1, 1, "reduce")
        self.res2 = [
            unit(width, kernel_size, dilation, f"res2_{i}")
            for i in range(scale - 1)
        ]
        self.expand = unit(channels, 1, 1, "expand")
        self.se_reduce = keras.layers.Dense(
            se_channels,
            activation="relu",
            name="se_reduce",
            dtype=self.dtype_policy,
        )
        self.se_expand = keras.layers.Dense(
            channels,
            activation="sigmoid",
            name="se_expand",
            dtype=self.dtype_policy,
        )
        self.shortcut = None

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise ValueError(
                "SERes2Block expects inputs of shape (batch, frames, "
                "channels) with known channels. Received shape "
                f"{tuple(input_shape)}."
            )
        batch, frames, channels = input_shape
        _build_unit(self.reduce, input_shape)
        width = self.channels // self.scale
        for unit in self.res2:
            _build_unit(unit, (batch, frames, width))
        _build_unit(self.expand, (batch, frames, self.channels))
        self.se_reduce.build((batch, self.channels))
        self.se_expand.build((batch, self.se_channels))
        if channels != self.channels:
            self.shortcut = keras.layers.Conv1D(
                self.channels, 1, name="shortcut", dtype=self.dtype_policy
            )
            self.shortcut.build(input_shape)
        self.built = True

    def call(self, inputs, training=None):
        x = _run_unit(self.reduce, inputs, training)
        groups = keras.ops.split(x, self.scale, axis=-1)
        outputs = [groups[0]]
        previous = None
        for group, unit in zip(groups[1:], self.res2):
            if previous is not None:
                group = group + previous
            previous = _run_unit(unit, group, training)
            outputs.append(previous)
        x = _run_unit(
            self.expand, keras.ops.concatenate(outputs, axis=-1), training
        )
        gate = self.se_expand(self.se_reduce(keras.ops.mean(x, axis=1)))
        x = x * keras.ops.expand_dims(gate, 1)
        residual = inputs if self.shortcut is None else self.shortcut(inputs)
        return x + residual

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.channels)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "channels": self.channels,
                "kernel_size": self.kernel_size,
                "dilation": self.dilation,
                "scale": self.scale,
                "se_channels": self.se_channels,
            }
        )
        return config


def _build_unit(unit, input_shape):
    conv, norm = unit
    conv.build(input_shape)
    norm.build(conv.compute_output_shape(input_shape))


def _run_unit(unit, x, training):
    conv, norm = unit
    return norm(conv(x), training=training)
