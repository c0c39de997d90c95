import keras


def weighted_statistics(inputs, weights=None, epsilon=1e-7):
    """Weighted mean and standard deviation over axis 1 (time).

    `weights` (same shape as `inputs`, or broadcastable to it) must sum to
    1 over axis 1; None means uniform weights. The variance is clamped at
    `epsilon` before the square root, so the gradient stays finite for
    constant inputs. Returns `(mean, std)`, each `(batch, channels)`.
    """
    if weights is None:
        mean = keras.ops.mean(inputs, axis=1)
        second = keras.ops.mean(keras.ops.square(inputs), axis=1)
    else:
        mean = keras.ops.sum(weights * inputs, axis=1)
        second = keras.ops.sum(weights * keras.ops.square(inputs), axis=1)
    variance = keras.ops.maximum(second - keras.ops.square(mean), epsilon)
    return mean, keras.ops.sqrt(variance)


def check_sequence_shape(layer, input_shape):
    if len(input_shape) != 3 or input_shape[-1] is None:
        raise ValueError(
            f"{type(layer).__name__} expects inputs of shape (batch, frames, "
            "channels) with a known number of channels. Received shape "
            f"{tuple(input_shape)}."
        )


@keras.saving.register_keras_serializable(package="keras_acorl")
class StatisticsPooling(keras.layers.Layer):
    """Mean and standard deviation over time: `(batch, frames, channels)` to
    `(batch, 2 * channels)`.

    The temporal statistics pooling of x-vector and ResNet speaker
    embeddings (WeSpeaker's "TSTP"): per utterance, the mean over frames
    of each channel, then the standard deviation. The number of frames
    may vary between batches (time axis None).

    Args:
        epsilon: float > 0. Floor of the variance before the square root.
            Defaults to `1e-7`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import StatisticsPooling

    frames = np.random.rand(2, 50, 16).astype("float32")
    StatisticsPooling()(frames).shape  # (2, 32)
    ```
    """

    def __init__(self, epsilon=1e-7, **kwargs):
        super().__init__(**kwargs)
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be > 0. Received: {epsilon!r}")
        self.epsilon = float(epsilon)

    def build(self, input_shape):
        check_sequence_shape(self, input_shape)
        self.built = True

    def call(self, inputs):
        mean, std = weighted_statistics(inputs, epsilon=self.epsilon)
        return keras.ops.concatenate([mean, std], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update({"epsilon": self.epsilon})
        return config
