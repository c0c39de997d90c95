import numbers

import keras

from keras_acorl import argument_checks


@keras.saving.register_keras_serializable(package="keras_acorl")
class DANNRamp:
    """The gradient reversal ramp of domain-adversarial training (DANN).

    Maps training progress `p` in `[0, 1]` to
    `low + (high - low) * (2 / (1 + exp(-gamma * p)) - 1)`: `low` at the
    start, close to `high` at the end. Start low so the task is learnt before
    the adversarial push dominates. Progress outside `[0, 1]` is clipped.

    It is computed with `keras.ops` (as `tanh(gamma * p / 2)`, the same
    function), so it runs inside a traced training step on a scalar tensor
    (`keras_acorl.layers.GradientReversal(schedule=...)`,
    `keras_acorl.ComplementaryModel(gradient_reversal_schedule=...)`) and
    returns a tensor there; on a Python or NumPy number it returns a float.

    Args:
        gamma: real number > 0. Steepness of the ramp. Defaults to `10.0`.
        low: real number. Value at `p = 0`. Defaults to `0.0`.
        high: real number. Value approached at `p = 1`. Defaults to `1.0`.

    Example:

    ```python
    import keras
    from keras_acorl.schedules import DANNRamp

    ramp = DANNRamp(gamma=10.0)
    ramp(0.0)  # 0.0
    ramp(0.5)  # 0.9866...
    ramp(keras.ops.convert_to_tensor(0.5))  # A scalar tensor, 0.9866...
    ```
    """

    def __init__(self, gamma=10.0, low=0.0, high=1.0):
        self.gamma = argument_checks.check_real(gamma, "gamma")
        if self.gamma <= 0:
            raise ValueError(f"`gamma` must be > 0. Received: gamma={gamma}")
        self.low = argument_checks.check_real(low, "low")
        self.high = argument_checks.check_real(high, "high")

    def __call__(self, progress):
        p = keras.ops.clip(keras.ops.cast(progress, "float32"), 0.0, 1.0)
        ramp = keras.ops.tanh(self.gamma * p / 2.0)
        value = self.low + (self.high - self.low) * ramp
        if isinstance(progress, numbers.Real):
            return float(keras.ops.convert_to_numpy(value))
        return value

    def get_config(self):
        return {"gamma": self.gamma, "low": self.low, "high": self.high}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
