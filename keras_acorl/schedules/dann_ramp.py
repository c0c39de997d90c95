import math

import keras


@keras.saving.register_keras_serializable(package="keras_acorl")
class DANNRamp:
    """The gradient reversal ramp of domain-adversarial training (DANN).

    Maps training progress `p` in `[0, 1]` to
    `low + (high - low) * (2 / (1 + exp(-gamma * p)) - 1)`: `low` at the
    start, close to `high` at the end. Start low so the task is learnt before
    the adversarial push dominates. Progress outside `[0, 1]` is clipped.

    Args:
        gamma: float > 0. Steepness of the ramp. Defaults to `10.0`.
        low: float. Value at `p = 0`. Defaults to `0.0`.
        high: float. Value approached at `p = 1`. Defaults to `1.0`.

    Example:

    ```python
    from keras_acorl.schedules import DANNRamp

    ramp = DANNRamp(gamma=10.0)
    ramp(0.0)  # 0.0
    ramp(0.5)  # 0.9866...
    ```
    """

    def __init__(self, gamma=10.0, low=0.0, high=1.0):
        for name, value in (("gamma", gamma), ("low", low), ("high", high)):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TypeError(
                    f"`{name}` must be a float. Received: {name}={value!r}"
                )
        if gamma <= 0:
            raise ValueError(f"`gamma` must be > 0. Received: gamma={gamma}")
        self.gamma = float(gamma)
        self.low = float(low)
        self.high = float(high)

    def __call__(self, progress):
        progress = min(max(float(progress), 0.0), 1.0)
        ramp = 2.0 / (1.0 + math.exp(-self.gamma * progress)) - 1.0
        return self.low + (self.high - self.low) * ramp

    def get_config(self):
        return {"gamma": self.gamma, "low": self.low, "high": self.high}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
