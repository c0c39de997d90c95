import math

import keras
import numpy as np

from keras_acorl.argument_checks import check_positive_int


# Not `keras.ops.adaptive_average_pool` / `keras.layers.
# AdaptiveAveragePooling1D`: in Keras 3.15 their JAX implementation puts other
# bin edges than PyTorch for some sizes (e.g. 21 -> 7 and 9 -> 15 positions,
# off by up to 0.2 on inputs in [0, 1]), and on TensorFlow the op fails on
# NumPy inputs. MEAL's alignment is defined by PyTorch's bins, which this
# matrix reproduces exactly on every backend (tests/test_adaptive_pool_align).
def adaptive_pool_matrix(length, out_dim):
    """`(length, out_dim)` averaging matrix of PyTorch's adaptive average
    pooling: bin `i` averages positions `floor(i * L / n)` to
    `ceil((i + 1) * L / n) - 1`. Up-sampling (`out_dim > length`) repeats
    positions."""
    matrix = np.zeros((length, out_dim), dtype="float32")
    for i in range(out_dim):
        start = (i * length) // out_dim
        end = math.ceil((i + 1) * length / out_dim)
        matrix[start:end, i] = 1.0 / (end - start)
    return matrix


@keras.saving.register_keras_serializable(package="keras_acorl")
class AdaptivePoolAlign(keras.layers.Layer):
    """Parameter-free alignment of a block output to a fixed-size vector.

    MEAL's "adaptive pooling": a `(batch, ..., channels)` block output is
    flattened to `(batch, L, channels)` over its spatial/time positions,
    average-pooled along the positions to `out_dim` bins with PyTorch's
    adaptive pooling bin edges (up-sampling when `out_dim > L`), then
    averaged over channels, giving `(batch, out_dim)`. Any two
    architectures' block outputs become comparable. Rank-2 inputs
    `(batch, features)` are pooled along the features.

    The pooling is one matrix product with a constant averaging matrix, so
    it runs on every backend and exports cleanly.

    Args:
        out_dim: int. Length of the aligned vector.
        **kwargs: Base layer keyword arguments, such as `name`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.layers import AdaptivePoolAlign

    block = np.random.rand(2, 7, 7, 64).astype("float32")
    AdaptivePoolAlign(out_dim=16)(block).shape  # (2, 16)
    ```
    """

    def __init__(self, out_dim, **kwargs):
        super().__init__(**kwargs)
        check_positive_int(out_dim, "out_dim")
        self.out_dim = out_dim

    def build(self, input_shape):
        if len(input_shape) < 2:
            raise ValueError(
                "AdaptivePoolAlign expects inputs of rank >= 2, "
                f"(batch, ..., channels). Received shape {input_shape}."
            )
        positions = (
            input_shape[1:] if len(input_shape) == 2 else (input_shape[1:-1])
        )
        if any(size is None for size in positions):
            raise ValueError(
                "AdaptivePoolAlign needs known spatial/time sizes. "
                f"Received shape {input_shape}."
            )
        self.length = int(math.prod(positions))
        self._matrix = adaptive_pool_matrix(self.length, self.out_dim)
        self.built = True

    def call(self, inputs):
        if len(inputs.shape) == 2:
            positions = inputs
        else:
            flat = keras.ops.reshape(
                inputs, (-1, self.length, inputs.shape[-1])
            )
            positions = keras.ops.mean(flat, axis=-1)
        matrix = keras.ops.convert_to_tensor(self._matrix, positions.dtype)
        return keras.ops.matmul(positions, matrix)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.out_dim)

    def get_config(self):
        config = super().get_config()
        config.update({"out_dim": self.out_dim})
        return config
