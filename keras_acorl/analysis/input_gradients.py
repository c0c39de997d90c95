"""The one gradient computation behind every attribution method, and the
forward pass they share, compiled once per model."""

import weakref

import keras
import numpy as np

from keras_acorl import keras_compat

# Most inputs differentiated in one backward pass (noisy copies, path
# points): bounds memory, not a tuning knob.
MAX_BATCH = 512

# model -> {"forward" | score kind: program}. Weak keys: a program dies with
# its model (the programs hold the model weakly).
_PROGRAMS = weakref.WeakKeyDictionary()


def model_gradients(model, x, score, batch):
    """Gradients of `score` of `model(x)` per sample, in chunks of
    `MAX_BATCH` inputs. `x` stacks copies of a batch of `batch` samples
    (row `j` is a copy of sample `j % batch`); `score` is an
    `attribution_target.Score` for those `batch` samples."""
    program = _program(model, score.kind)
    trainable, non_trainable = _weights(model)
    chunks = []
    for start in range(0, len(x), MAX_BATCH):
        chunk = x[start : start + MAX_BATCH]
        rows = np.arange(start, start + len(chunk)) % batch
        gradient = program(
            trainable,
            non_trainable,
            _padded(chunk),
            _padded(score.weights[rows]),
        )
        gradient = keras.ops.convert_to_numpy(gradient)[: len(chunk)]
        chunks.append(np.asarray(gradient))
    return np.concatenate(chunks).astype("float32")


def model_outputs(model, x):
    """`model(x)` in inference mode, through the model's cached (on JAX
    compiled) forward program."""
    trainable, non_trainable = _weights(model)
    outputs = _program(model, "forward")(trainable, non_trainable, _padded(x))
    return keras.tree.map_structure(lambda o: o[: len(x)], outputs)


def _padded(values):
    """`values` as a float32 tensor whose batch is padded (with copies of
    its first row) to the next power of two: calls with batches of
    different sizes then share a few programs (one XLA compilation each on
    JAX, which costs far more than the padding rows)."""
    values = np.asarray(values, dtype="float32")
    size = 1 << max(len(values) - 1, 0).bit_length()
    if size > len(values):
        padding = np.repeat(values[:1], size - len(values), axis=0)
        values = np.concatenate([values, padding])
    return keras.ops.convert_to_tensor(values)


def score_values(kind, outputs, weights):
    """Per-sample scores `(n,)` of `outputs` `(n, k)`: `"logit"`, the dot
    product with `weights` (one-hot rows: a class logit); `"cosine"`, the
    cosine of `outputs` to `weights` (unit-norm reference embeddings)."""
    dot = keras.ops.sum(outputs * weights, axis=-1)
    if kind == "logit":
        return dot
    norm = keras.ops.sqrt(keras.ops.sum(outputs**2, axis=-1))
    return dot / keras.ops.maximum(norm, 1e-12)


def _weights(model):
    return (
        [v.value for v in model.trainable_variables],
        [v.value for v in model.non_trainable_variables],
    )


def _program(model, kind):
    """The cached program of `model` for `kind` ("forward" or a score kind):
    one trace (on JAX one XLA compilation) per input shape, reused by every
    later call. The weights are arguments (`stateless_call`), not constants
    of the trace, so a model trained between two calls is seen as it is."""
    programs = _PROGRAMS.setdefault(model, {})
    if kind not in programs:
        programs[kind] = compiled(_make_program(weakref.ref(model), kind))
    return programs[kind]


def _make_program(model_ref, kind):
    def outputs_of(trainable, non_trainable, inputs):
        outputs, _ = model_ref().stateless_call(
            trainable, non_trainable, inputs, training=False
        )
        return outputs

    if kind == "forward":
        return lambda *args: keras.tree.map_structure(
            keras.ops.stop_gradient, outputs_of(*args)
        )

    def gradient(trainable, non_trainable, inputs, weights):
        # Samples do not interact (inference mode), so the gradient of the
        # scores' sum holds every sample's own gradient: one backward pass.
        (result,) = keras_compat.gradients(
            lambda v: keras.ops.sum(
                score_values(
                    kind, outputs_of(trainable, non_trainable, v[0]), weights
                )
            ),
            [inputs],
        )
        return result

    return gradient


def compiled(fn):
    """`fn` jit-compiled on JAX (one XLA program), as is elsewhere: op-by-op
    JAX compiles every op for every new shape, several times slower for a
    few calls."""
    if keras.backend.backend() == "jax":
        import jax

        return jax.jit(fn)
    return fn
