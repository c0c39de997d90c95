import math

import keras


@keras.saving.register_keras_serializable(package="keras_acorl")
class AdditiveAngularMarginLoss(keras.losses.Loss):
    """Additive angular margin softmax loss (AAM-softmax, ArcFace).

    Takes integer labels and the cosines `cos(theta_j)` of a
    `keras_acorl.speaker.CosineClassifier`. The target class's angle gets a
    margin `m`, all logits are scaled by `s`, then softmax cross-entropy:

    `L = -log(exp(s cos(theta_y + m)) / (exp(s cos(theta_y + m)) +
    sum_{j != y} exp(s cos(theta_j))))`

    `cos(theta + m)` is only monotonic in `theta` up to `theta = pi - m`.
    Beyond it (target cosine below `cos(pi - m)`) the target logit is
    `cos(theta) - (1 - cos(m))` as in WeSpeaker, which joins
    `cos(theta + m)` continuously at `theta = pi - m`; with `easy_margin`
    the margin applies only where `cos(theta) > 0` (ArcFace's option).
    The sine is computed as `sqrt(max(1 - cos^2, epsilon))`, so the
    gradient stays finite at `cos = +-1`. With `margin=0` this is softmax
    cross-entropy on `scale * cosines`.

    Args:
        margin: float in `[0, pi/2)`. Additive angular margin `m` in
            radians. Defaults to `0.2`.
        scale: float > 0. Scale `s` of the logits. Defaults to `30.0`.
        easy_margin: bool. Apply the margin only to positive target
            cosines. Defaults to False.
        epsilon: float > 0. Floor of `1 - cos^2` under the square root.
            Defaults to `1e-7`.
        reduction: see `keras.losses.Loss`. Defaults to
            `"sum_over_batch_size"`.
        name: string. Defaults to `"additive_angular_margin_loss"`.
        **kwargs: other `keras.losses.Loss` keyword arguments (`dtype`).

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.speaker import CosineClassifier
    from keras_acorl.speaker import AdditiveAngularMarginLoss

    inputs = keras.Input(shape=(16,))
    embedding = keras.layers.Dense(8, name="embedding")(inputs)
    model = keras.Model(inputs, CosineClassifier(4)(embedding))
    model.compile(
        optimizer="adam", loss=AdditiveAngularMarginLoss(margin=0.2, scale=30.0)
    )
    x = np.random.rand(32, 16).astype("float32")
    y = np.random.randint(0, 4, size=(32,))
    model.fit(x, y, epochs=1, verbose=0)
    ```
    """

    def __init__(
        self,
        margin=0.2,
        scale=30.0,
        easy_margin=False,
        epsilon=1e-7,
        reduction="sum_over_batch_size",
        name="additive_angular_margin_loss",
        **kwargs,
    ):
        super().__init__(name=name, reduction=reduction, **kwargs)
        for value, argument in ((margin, "margin"), (scale, "scale")):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(
                    f"`{argument}` must be a float. Received: {value!r}"
                )
        if not 0.0 <= margin < math.pi / 2:
            raise ValueError(
                "`margin` must be in [0, pi/2) radians. "
                f"Received: margin={margin}"
            )
        if not scale > 0:
            raise ValueError(f"`scale` must be > 0. Received: scale={scale}")
        if not isinstance(easy_margin, bool):
            raise TypeError(
                f"`easy_margin` must be a bool. Received: {easy_margin!r}"
            )
        if not epsilon > 0:
            raise ValueError(f"`epsilon` must be > 0. Received: {epsilon!r}")
        self.margin = float(margin)
        self.scale = float(scale)
        self.easy_margin = easy_margin
        self.epsilon = float(epsilon)

    def logits(self, y_true, y_pred):
        """The scaled logits the cross-entropy sees: `s cos(theta_y + m)`
        for the target class (with the threshold rule), `s cos(theta_j)`
        for the others. `y_true`: integer labels `(batch,)` or
        `(batch, 1)`; `y_pred`: cosines `(batch, num_classes)`."""
        cosines = keras.ops.clip(
            keras.ops.convert_to_tensor(y_pred, dtype=self.dtype), -1.0, 1.0
        )
        labels = _flat_labels(y_true)
        one_hot = keras.ops.one_hot(
            labels, keras.ops.shape(cosines)[-1], dtype=cosines.dtype
        )
        sines = keras.ops.sqrt(
            keras.ops.maximum(1.0 - keras.ops.square(cosines), self.epsilon)
        )
        m = self.margin
        shifted = cosines * math.cos(m) - sines * math.sin(m)
        if self.easy_margin:
            shifted = keras.ops.where(cosines > 0.0, shifted, cosines)
        else:
            shifted = keras.ops.where(
                cosines > math.cos(math.pi - m),
                shifted,
                cosines - (1.0 - math.cos(m)),
            )
        targets = one_hot * shifted + (1.0 - one_hot) * cosines
        return self.scale * targets

    def call(self, y_true, y_pred):
        labels = _flat_labels(y_true)
        return keras.losses.sparse_categorical_crossentropy(
            labels, self.logits(labels, y_pred), from_logits=True
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "margin": self.margin,
                "scale": self.scale,
                "easy_margin": self.easy_margin,
                "epsilon": self.epsilon,
            }
        )
        return config


def _flat_labels(y_true):
    labels = keras.ops.convert_to_tensor(y_true)
    if len(labels.shape) == 2 and labels.shape[-1] == 1:
        labels = keras.ops.squeeze(labels, axis=-1)
    return keras.ops.cast(labels, "int32")
