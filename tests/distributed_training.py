"""One epoch on 1 device and on 2 virtual CPU devices, same global batch
and initialization (tests/test_distributed_training.py).

`python -m tests.distributed_training OUT.npz`: on JAX with
`XLA_FLAGS=--xla_force_host_platform_device_count=2` under
`keras.distribution.DataParallel`; on TensorFlow under
`tf.distribute.MirroredStrategy` over 2 logical CPUs. Saves, per model,
the largest absolute weight difference and the two final losses.
"""

import contextlib
import functools
import sys

import keras
import numpy as np

import keras_acorl
from tests.resume_training import build
from tests.resume_training import data


def _build(kind):
    if kind != "fusion":
        return build(kind)
    keras.utils.set_random_seed(11)
    members = []
    for name, hidden in (("m0", 5), ("m1", 7)):
        inputs = keras.Input(shape=(6,))
        h = keras.layers.Dense(hidden, activation="relu")(inputs)
        members.append(keras.Model(inputs, keras.layers.Dense(3)(h), name=name))
    model = keras_acorl.FusionEnsemble(
        members, method="weighted_probs", weights="learn"
    )
    model.compile(
        optimizer=keras.optimizers.Adam(5e-2),
        loss="sparse_categorical_crossentropy",
    )
    return model


@functools.cache
def _mirrored_strategy():
    """One strategy for the whole process: every `MirroredStrategy` numbers
    its collectives from the same keys, so the all-reduces of a second one
    over the same devices fail with a collective shape mismatch (a
    TensorFlow limitation, not a model's)."""
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])


def _distributed():
    if keras.backend.backend() == "tensorflow":
        return _mirrored_strategy().scope()
    import jax

    assert len(jax.devices()) == 2, jax.devices()

    @contextlib.contextmanager
    def data_parallel():
        keras.distribution.set_distribution(
            keras.distribution.DataParallel(devices=jax.devices())
        )
        try:
            yield
        finally:
            keras.distribution.set_distribution(None)

    return data_parallel()


def _train(kind, scope):
    with scope:
        model = _build(kind)
        x, y = data()
        history = model.fit(
            x,
            None if kind == "meal" else y,
            epochs=1,
            batch_size=8,
            shuffle=False,
            callbacks=[keras_acorl.callbacks.GradientReversalScheduler()]
            if kind == "complementary"
            else [],
            verbose=0,
        )
    weights = [keras.ops.convert_to_numpy(w) for w in model.weights]
    return weights, history.history["loss"][-1]


def main(out):
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2
        )
    results = {}
    for kind in ["complementary", "meal", "fusion"]:
        single, single_loss = _train(kind, contextlib.nullcontext())
        spread, spread_loss = _train(kind, _distributed())
        # NaN anywhere makes the maximum NaN (and the test fail).
        results[f"{kind}/max_abs"] = float(
            np.max(
                np.concatenate(
                    [np.abs(a - b).ravel() for a, b in zip(single, spread)]
                )
            )
        )
        results[f"{kind}/loss"] = np.array([single_loss, spread_loss])
        print(kind, results[f"{kind}/max_abs"], single_loss, spread_loss)
    np.savez(out, **results)


if __name__ == "__main__":
    main(sys.argv[1])
