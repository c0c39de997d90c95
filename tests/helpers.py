"""Shared test helpers: one place for checks every class goes through."""

import os

import keras
import numpy as np


def assert_allclose(actual, desired, atol=1e-5, rtol=1e-5):
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(actual),
        keras.ops.convert_to_numpy(desired),
        atol=atol,
        rtol=rtol,
    )


def weights_snapshot(model):
    """Copies of every variable value of `model`, keyed by path."""
    return {v.path: keras.ops.convert_to_numpy(v).copy() for v in model.weights}


def assert_weights_unchanged(before, model):
    after = weights_snapshot(model)
    assert set(before) == set(after)
    for path, value in before.items():
        np.testing.assert_array_equal(value, after[path], err_msg=path)


def run_model_saving_test(model, x, tmp_path, name="model.keras", atol=1e-6):
    """Saves `model` as `.keras`, loads it, compares predictions and the
    trainable / non-trainable split. Returns the restored model."""
    path = os.path.join(str(tmp_path), name)
    expected = model.predict(x, verbose=0)
    model.save(path)
    restored = keras.saving.load_model(path)
    assert type(restored) is type(model)
    actual = restored.predict(x, verbose=0)
    keras.tree.map_structure(
        lambda a, b: np.testing.assert_allclose(a, b, atol=atol),
        expected,
        actual,
    )
    assert len(restored.trainable_weights) == len(model.trainable_weights)
    assert len(restored.non_trainable_weights) == len(
        model.non_trainable_weights
    )
    return restored


def run_serialization_test(obj):
    """Round-trips `obj` through `get_config`/`from_config` and checks the
    config is stable."""
    config = obj.get_config()
    restored = obj.__class__.from_config(config)
    assert restored.get_config() == config
    return restored


def value_and_gradient(fn, x, jit=False):
    """`(fn(x), d sum(fn(x) * upstream) / dx)` with `upstream` = ones, on the
    current backend, optionally compiled (tf.function with XLA, jax.jit)."""
    backend = keras.backend.backend()
    x = np.asarray(x, dtype="float32")
    if backend == "tensorflow":
        import tensorflow as tf

        def step(t):
            with tf.GradientTape() as tape:
                tape.watch(t)
                y = fn(t)
            return y, tape.gradient(y, t)

        if jit:
            step = tf.function(step, jit_compile=True)
        y, g = step(tf.constant(x))
    elif backend == "jax":
        import jax

        def step(t):
            y, vjp = jax.vjp(fn, t)
            return y, vjp(jax.numpy.ones_like(y))[0]

        if jit:
            step = jax.jit(step)
        y, g = step(x)
    else:
        import torch

        t = torch.tensor(x, requires_grad=True)
        y = fn(t)
        y.backward(torch.ones_like(y))
        g = t.grad
    return keras.ops.convert_to_numpy(y), keras.ops.convert_to_numpy(g)
