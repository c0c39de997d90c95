"""One worker of a 2-process data-parallel training on 127.0.0.1
(tests/test_multi_process_training.py), JAX backend.

`python -m tests.multi_process_training PROCESS_ID COORDINATOR OUT.npz`
(`COORDINATOR`: `127.0.0.1:PORT`, served by process 0):
`keras.distribution.initialize` forms the cluster (`jax.distributed`,
gloo collectives on CPU) and `keras.distribution.DataParallel` spans both
processes' devices. Each worker feeds its half of every global batch (Keras
assembles the global batch from the processes' local batches), trains the
tests' tiny `ComplementaryModel` for one epoch and saves its weights.

Exit status 3 with a `SKIP:` line: the platform cannot form the cluster;
the test then skips with that reason.
"""

import sys

import keras
import numpy as np

import keras_acorl
from tests.resume_training import build
from tests.resume_training import data

PROCESSES = 2
GLOBAL_BATCH = 8


def local_part(array, process_id):
    """Process `process_id`'s rows of every global batch, in order (the
    global batch is the processes' local batches concatenated)."""
    local = GLOBAL_BATCH // PROCESSES
    steps = len(array) // GLOBAL_BATCH
    shaped = array.reshape(steps, PROCESSES, local, *array.shape[1:])
    return shaped[:, process_id].reshape(-1, *array.shape[1:])


def _join_cluster(process_id, coordinator):
    import jax

    try:
        keras.distribution.initialize(coordinator, PROCESSES, process_id)
    except Exception as error:  # Platform-specific (sockets, gloo).
        print(f"SKIP: jax.distributed.initialize failed: {error!r}")
        sys.exit(3)
    if jax.process_count() != PROCESSES:
        print(f"SKIP: JAX formed {jax.process_count()} processes, not 2.")
        sys.exit(3)
    keras.distribution.set_distribution(
        # Each worker passes its own rows (already split).
        keras.distribution.DataParallel(
            devices=jax.devices(), auto_shard_dataset=False
        )
    )


def train(process_id=None, coordinator=None):
    """One epoch of `ComplementaryModel`, on the whole data in this process
    when `process_id` is None, else as that worker of the cluster. Returns
    the weights (NumPy)."""
    x, y = data()
    batch_size = GLOBAL_BATCH
    if process_id is not None:
        _join_cluster(process_id, coordinator)
        x, y = local_part(x, process_id), local_part(y, process_id)
        batch_size = GLOBAL_BATCH // PROCESSES
    model = build("complementary")
    model.fit(
        x,
        y,
        epochs=1,
        batch_size=batch_size,
        shuffle=False,
        callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
        verbose=0,
    )
    return [keras.ops.convert_to_numpy(w) for w in model.weights]


def main(process_id, coordinator, out):
    np.savez(out, *train(int(process_id), coordinator))


if __name__ == "__main__":
    main(*sys.argv[1:])
