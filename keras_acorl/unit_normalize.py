"""L2 normalization with a finite gradient at the zero vector."""

import keras


def unit_normalize(x, axis=-1, epsilon=1e-12):
    """`x / max(|x|, epsilon)` along `axis`, differentiable everywhere.

    The forward value is that of `keras.ops.normalize(x, axis, order=2,
    epsilon=epsilon)`. Not that op itself: it computes `min(rsqrt(|x|^2),
    1 / epsilon)`, whose gradient at an all-zero vector is NaN on JAX and
    torch and about 1e11 on TensorFlow (the `rsqrt` branch is infinite
    there, and `0 * inf` is not 0). A ReLU embedding or representation is
    all zero for some samples, and one NaN turns every weight into NaN.
    Clamping the squared norm first keeps the gradient at 0 finite
    (`1 / epsilon` times the upstream gradient).

    Args:
        x: tensor.
        axis: int. Axis along which the vectors lie. Defaults to `-1`.
        epsilon: float > 0. Smallest norm divided by. Defaults to `1e-12`.

    Returns:
        A tensor of the shape and dtype of `x`.
    """
    x = keras.ops.convert_to_tensor(x)
    # In at least float32: epsilon**2 underflows to 0 and 1 / epsilon
    # overflows in float16 and bfloat16.
    wide = keras.ops.cast(x, keras.backend.result_type(x.dtype, "float32"))
    squared = keras.ops.sum(keras.ops.square(wide), axis=axis, keepdims=True)
    inverse = keras.ops.rsqrt(keras.ops.maximum(squared, epsilon * epsilon))
    return keras.ops.cast(wide * inverse, x.dtype)
