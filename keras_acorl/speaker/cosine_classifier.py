import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.unit_normalize import unit_normalize


@keras.saving.register_keras_serializable(package="keras_acorl")
class CosineClassifier(keras.layers.Layer):
    """Cosine similarities between embeddings and one weight per class.

    The classification head of margin-based speaker training (AAM-softmax,
    ArcFace): both the embedding and each class's weight vector are
    L2-normalized, so the output is `cos(theta_j)` in `[-1, 1]` for every
    class `j`. Train it with `keras_acorl.speaker.AdditiveAngularMarginLoss`,
    which adds the margin and the scale; at test time the embeddings are
    compared by cosine similarity, the same geometry.

    Args:
        num_classes: int. Number of classes (training speakers).
        epsilon: float > 0. Smallest norm divided by (avoids dividing by
            zero).
            Defaults to `1e-12`.
        kernel_initializer: initializer of the `(dim, num_classes)` class
            weights. Defaults to `"glorot_uniform"`.
        **kwargs: Base layer keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.speaker import CosineClassifier

    head = CosineClassifier(num_classes=10)
    cosines = head(np.random.rand(4, 32).astype("float32"))
    cosines.shape  # (4, 10), values in [-1, 1]
    ```
    """

    def __init__(
        self,
        num_classes,
        epsilon=1e-12,
        kernel_initializer="glorot_uniform",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.num_classes = check_positive_int(num_classes, "num_classes")
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be > 0. Received: {epsilon!r}")
        self.epsilon = float(epsilon)
        self.kernel_initializer = keras.initializers.get(kernel_initializer)

    def build(self, input_shape):
        if len(input_shape) != 2 or input_shape[-1] is None:
            raise ValueError(
                "CosineClassifier expects embeddings of shape (batch, dim) "
                f"with a known dim. Received shape {tuple(input_shape)}."
            )
        self.kernel = self.add_weight(
            name="kernel",
            shape=(input_shape[-1], self.num_classes),
            initializer=self.kernel_initializer,
        )
        self.built = True

    def call(self, inputs):
        embeddings = unit_normalize(inputs, axis=-1, epsilon=self.epsilon)
        kernel = unit_normalize(self.kernel, axis=0, epsilon=self.epsilon)
        return keras.ops.matmul(embeddings, kernel)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "num_classes": self.num_classes,
                "epsilon": self.epsilon,
                "kernel_initializer": keras.initializers.serialize(
                    self.kernel_initializer
                ),
            }
        )
        return config
