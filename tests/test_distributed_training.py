"""Data-parallel training on 2 virtual CPU devices equals one device after
one epoch (same global batch, initialization and batch order): JAX's
`keras.distribution.DataParallel` and TensorFlow's `MirroredStrategy`,
in one child process (the device count is fixed at start-up).

Covered on both: ComplementaryModel (its target standardizer uses
synchronized, global-batch statistics; its adversarial term is scaled like
Keras' own losses), MEALDistiller with `"alternating"` discriminators (the
look-ahead's loss is scaled too: the optimizer sums the replicas'
gradients) and FusionEnsemble(weights="learn"). torch: not covered (DDP;
see the README).
"""

import os

import keras
import numpy as np
import pytest

from keras_acorl.models import input_checks
from tests.subprocess_run import run_python


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="keras.distribution and tf.distribute only (torch uses DDP).",
)
def test_two_devices_train_to_the_one_device_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
    out = str(tmp_path / "distributed.npz")
    run_python(["-m", "tests.distributed_training", out], timeout=600)
    results = dict(np.load(out))
    kinds = {key.split("/")[0] for key in results}
    assert kinds == {"complementary", "meal", "fusion"}
    for kind in kinds:
        print(kind, results[f"{kind}/max_abs"], results[f"{kind}/loss"])
        assert results[f"{kind}/max_abs"] < 1e-5, kind  # False for NaN.
        single, spread = results[f"{kind}/loss"]
        if np.isfinite(single):
            np.testing.assert_allclose(spread, single, rtol=1e-4, err_msg=kind)
    assert os.path.exists(out)


@pytest.mark.backend_free
def test_a_tf_distribute_dataset_passes_the_input_checks():
    # Its `cardinality` is a number, not a method (`fit` under
    # MultiWorkerMirroredStrategy takes such datasets).
    import tensorflow as tf

    strategy = tf.distribute.OneDeviceStrategy("/cpu:0")
    batches = tf.data.Dataset.from_tensor_slices(np.zeros((4, 6))).batch(2)
    input_checks.check_data(
        None, "fit", strategy.experimental_distribute_dataset(batches)
    )
    with pytest.raises(ValueError, match=r"`x` given to `fit\(\)` is empty"):
        input_checks.check_data(
            None,
            "fit",
            strategy.experimental_distribute_dataset(batches.take(0)),
        )
