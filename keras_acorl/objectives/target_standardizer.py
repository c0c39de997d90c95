import keras

from keras_acorl import keras_compat
from keras_acorl.objectives.complementarity_objective import check_positive_real


@keras.saving.register_keras_serializable(package="keras_acorl")
class TargetStandardizer(keras.layers.Layer):
    """Standardizes features with statistics of every sample seen so far.

    The base representations an adversary predicts come from frozen models,
    so their distribution never changes: their mean and variance are best
    estimated from all the samples seen in training, not from one batch.
    In training the layer adds the batch to running per-feature statistics
    (count, mean and variance, combined exactly as in Chan et al.'s
    parallel algorithm, so every sample counts once whatever the batch
    size) and standardizes the batch with the updated statistics. Outside
    training it uses the stored statistics and changes nothing.

    Unlike `keras.layers.BatchNormalization`, a batch of one sample neither
    turns the targets into zeros (after the first step) nor drags the
    variance toward 0, and the first steps already use the statistics of
    the data seen so far. Before any training the layer is the identity.
    After one epoch the statistics are those of the training set.

    Args:
        epsilon: real number > 0 added to the variance. Defaults to `1e-6`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.objectives import TargetStandardizer

    layer = TargetStandardizer()
    x = np.array([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]], "float32")
    _ = layer(x[:2], training=True)
    _ = layer(x[2:], training=True)  # A batch of one sample.
    np.round(np.asarray(layer.mean), 3)  # array([ 3., 30.], dtype=float32)
    ```
    """

    def __init__(self, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.epsilon = check_positive_real(epsilon, "epsilon")

    def build(self, input_shape):
        dim = input_shape[-1]
        self.count = self.add_weight(
            shape=(),
            initializer="zeros",
            trainable=False,
            name="count",
            aggregation="only_first_replica",
        )
        self.mean = self.add_weight(
            shape=(dim,),
            initializer="zeros",
            trainable=False,
            name="mean",
            aggregation="only_first_replica",
        )
        self.variance = self.add_weight(
            shape=(dim,),
            initializer="ones",
            trainable=False,
            name="variance",
            aggregation="only_first_replica",
        )
        self.built = True

    def call(self, inputs, training=None):
        x = keras.ops.cast(inputs, "float32")
        mean, variance = self.mean, self.variance
        if training:
            # Moments of the global batch: under tf.distribute each replica
            # sees a slice of it, and the replicas must agree.
            batch = keras_compat.sum_over_replicas(
                keras.ops.cast(keras.ops.shape(x)[0], "float32")
            )
            batch_mean = (
                keras_compat.sum_over_replicas(keras.ops.sum(x, axis=0)) / batch
            )
            batch_variance = (
                keras_compat.sum_over_replicas(
                    keras.ops.sum(keras.ops.square(x - batch_mean), axis=0)
                )
                / batch
            )
            count = self.count + batch
            delta = batch_mean - mean
            mean = mean + delta * (batch / count)
            variance = (
                self.variance * self.count
                + batch_variance * batch
                + keras.ops.square(delta) * (self.count * batch / count)
            ) / count
            self.count.assign(count)
            self.mean.assign(mean)
            self.variance.assign(variance)
        outputs = (x - mean) / keras.ops.sqrt(variance + self.epsilon)
        return keras.ops.cast(outputs, inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config["epsilon"] = self.epsilon
        return config
