"""The one gradient computation behind every attribution method."""

import keras
import numpy as np

from keras_acorl import keras_compat

# Most inputs differentiated in one backward pass (noisy copies, path
# points): bounds memory, not a tuning knob.
MAX_BATCH = 512


def model_gradients(model, x, score, batch):
    """Gradients of `score(model(x), rows)` per sample, in chunks of
    `MAX_BATCH` inputs. `x` stacks copies of a batch of `batch` samples
    (row `j` is a copy of sample `j % batch`)."""
    chunks = []
    for start in range(0, len(x), MAX_BATCH):
        chunk = x[start : start + MAX_BATCH]
        rows = np.arange(start, start + len(chunk)) % batch
        chunks.append(
            input_gradients(
                lambda v, rows=rows: score(model(v, training=False), rows),
                chunk,
            )
        )
    return np.concatenate(chunks)


def input_gradients(score_fn, inputs):
    """Per-sample gradients of a per-sample score with respect to its input.

    `score_fn` maps a batch of inputs to one score per sample (shape
    `(batch,)`). Samples do not interact (inference mode), so the gradient of
    the scores' sum holds every sample's own gradient: one backward pass for
    the whole batch (jit-compiled on JAX). The backend-specific part
    (`tf.GradientTape`, `jax.grad`, `torch.autograd.grad`) is
    `keras_acorl.keras_compat.gradients`.

    Args:
        score_fn: callable, tensor `(batch, ...)` -> tensor `(batch,)`.
        inputs: array `(batch, ...)`.

    Returns:
        NumPy `float32` array of the shape of `inputs`.
    """
    inputs = keras.ops.convert_to_tensor(inputs, dtype="float32")

    def gradient_of(values):
        (gradient,) = keras_compat.gradients(
            lambda v: keras.ops.sum(score_fn(v[0])), [values]
        )
        return gradient

    gradient = compiled(gradient_of)(inputs)
    return np.asarray(keras.ops.convert_to_numpy(gradient), dtype="float32")


def compiled(fn):
    """`fn` jit-compiled on JAX (one XLA program; the weights it reads
    become constants), as is elsewhere: op-by-op JAX compiles every op for
    every new shape, several times slower for a few calls."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn)
    return fn
