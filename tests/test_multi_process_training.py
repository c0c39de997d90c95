"""Two processes on 127.0.0.1 train to the weights of one process: the
same global batch, initialization and batch order, one epoch of
`ComplementaryModel` (tests/multi_process_training.py is one worker).

JAX: `keras.distribution.initialize` + `DataParallel` over both processes
(gloo collectives on CPU). TensorFlow: not covered: Keras 3.15's `fit`
under `tf.distribute.MultiWorkerMirroredStrategy` fails before the first
step (its symbolic build calls `strategy.reduce` on the whole `(x, y)`
batch, and the multi-worker strategy reduces single tensors only). torch:
Keras' `fit` has no multi-process path (DDP needs a hand-written loop; see
guides/distributed_training.py).
"""

import socket

import keras
import numpy as np
import pytest

from tests import multi_process_training
from tests.subprocess_run import failure_message
from tests.subprocess_run import run_pythons

pytestmark = pytest.mark.skipif(
    keras.backend.backend() != "jax",
    reason={
        "tensorflow": "Keras 3.15 fit fails under MultiWorkerMirroredStrategy "
        "(strategy.reduce on the (x, y) batch in the symbolic build).",
        "torch": "Keras' fit has no multi-process path on torch (DDP needs "
        "a hand-written loop).",
    }.get(keras.backend.backend(), "JAX only."),
)


def _free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_two_processes_train_to_the_one_process_weights(tmp_path):
    coordinator = f"127.0.0.1:{_free_port()}"
    outs = [str(tmp_path / f"worker_{i}.npz") for i in range(2)]
    args = [
        ["-m", "tests.multi_process_training", str(i), coordinator, outs[i]]
        for i in range(2)
    ]
    results = run_pythons(args, timeout=600)
    for arguments, result in zip(args, results):
        if result.returncode == 3 and "SKIP:" in result.stdout:
            pytest.skip(result.stdout.split("SKIP:")[-1].strip())
        if result.returncode != 0:
            pytest.fail(failure_message(arguments, result), pytrace=False)
    single = multi_process_training.train()
    initial = [
        keras.ops.convert_to_numpy(w)
        for w in multi_process_training.build("complementary").weights
    ]
    for out in outs:
        with np.load(out) as stored:
            worker = [stored[f"arr_{i}"] for i in range(len(stored.files))]
        assert len(worker) == len(single)
        for a, b in zip(single, worker):
            np.testing.assert_allclose(b, a, atol=1e-5, rtol=0)
    # The epoch moved the weights by far more than the tolerance.
    moved = max(float(np.max(np.abs(a - b))) for a, b in zip(single, initial))
    assert moved > 1e-2, moved
