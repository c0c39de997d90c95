import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.speaker.statistics_pooling import check_sequence_shape
from keras_acorl.speaker.statistics_pooling import weighted_statistics


@keras.saving.register_keras_serializable(package="keras_acorl")
class AttentiveStatisticsPooling(keras.layers.Layer):
    """Attention-weighted mean and standard deviation over time (ECAPA).

    Channel- and context-dependent statistics pooling of ECAPA-TDNN
    (Desplanques et al., 2020): a small network scores every frame of every
    channel, `a = softmax_t(W2 tanh(W1 [h_t, mean(h), std(h)] + b1) + b2)`,
    and the layer returns the weighted mean `sum_t a_t h_t` and weighted
    standard deviation `sqrt(sum_t a_t h_t^2 - mean^2)` of each channel.
    With `global_context` the scorer also sees the utterance's plain mean
    and standard deviation. With uniform attention this is plain
    statistics pooling (`StatisticsPooling`). All statistics are per
    utterance; the number of frames may vary between batches.

    Args:
        attention_channels: int. Hidden size of the scorer. Defaults to
            `128`.
        global_context: bool. Feed the utterance mean and std to the
            scorer. Defaults to True.
        epsilon: float > 0. Floor of the variance before the square root.
            Defaults to `1e-7`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Input shape: `(batch, frames, channels)`.

    Output shape: `(batch, 2 * channels)`: weighted means, then weighted
    standard deviations.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import AttentiveStatisticsPooling

    frames = np.random.rand(2, 50, 16).astype("float32")
    AttentiveStatisticsPooling(attention_channels=8)(frames).shape  # (2, 32)
    ```
    """

    def __init__(
        self,
        attention_channels=128,
        global_context=True,
        epsilon=1e-7,
        **kwargs,
    ):
        super().__init__(**kwargs)
        check_positive_int(attention_channels, "attention_channels")
        if not isinstance(global_context, bool):
            raise TypeError(
                f"`global_context` must be a bool. Received: {global_context!r}"
            )
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be > 0. Received: {epsilon!r}")
        self.attention_channels = attention_channels
        self.global_context = global_context
        self.epsilon = float(epsilon)
        self.hidden = keras.layers.Dense(
            attention_channels,
            activation="tanh",
            name="attention_hidden",
            dtype=self.dtype_policy,
        )
        self.scores = None

    def build(self, input_shape):
        check_sequence_shape(self, input_shape)
        channels = input_shape[-1]
        context = 3 * channels if self.global_context else channels
        self.hidden.build((input_shape[0], input_shape[1], context))
        self.scores = keras.layers.Dense(
            channels, name="attention_scores", dtype=self.dtype_policy
        )
        self.scores.build(
            (input_shape[0], input_shape[1], self.attention_channels)
        )
        self.built = True

    def call(self, inputs):
        context = inputs
        if self.global_context:
            mean, std = weighted_statistics(inputs, epsilon=self.epsilon)
            # Broadcast the utterance statistics over its frames.
            zeros = keras.ops.zeros_like(inputs)
            context = keras.ops.concatenate(
                [
                    inputs,
                    zeros + keras.ops.expand_dims(mean, 1),
                    zeros + keras.ops.expand_dims(std, 1),
                ],
                axis=-1,
            )
        weights = keras.ops.softmax(self.scores(self.hidden(context)), axis=1)
        mean, std = weighted_statistics(inputs, weights, self.epsilon)
        return keras.ops.concatenate([mean, std], axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 2 * input_shape[-1])

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "attention_channels": self.attention_channels,
                "global_context": self.global_context,
                "epsilon": self.epsilon,
            }
        )
        return config
