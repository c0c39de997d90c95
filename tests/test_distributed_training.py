"""Data-parallel training on 2 virtual CPU devices equals one device after
one epoch (same global batch, initialization and batch order): JAX's
`keras.distribution.DataParallel` and TensorFlow's `MirroredStrategy`,
in one child process (the device count is fixed at start-up).

Covered: ComplementaryModel on both (its target standardizer uses
synchronized, global-batch statistics; its adversarial term is scaled like
Keras' own losses); MEALDistiller and FusionEnsemble(weights="learn") on
JAX only (under MirroredStrategy their optimizer step fails with a
collective shape mismatch). torch: not covered (DDP; see the README).
"""

import os

import keras
import numpy as np
import pytest

from tests.subprocess_run import run_python

pytestmark = pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="keras.distribution and tf.distribute only (torch uses DDP).",
)


def test_two_devices_train_to_the_one_device_weights(tmp_path, monkeypatch):
    monkeypatch.setenv("XLA_FLAGS", "--xla_force_host_platform_device_count=2")
    out = str(tmp_path / "distributed.npz")
    run_python(["-m", "tests.distributed_training", out], timeout=600)
    results = dict(np.load(out))
    kinds = {key.split("/")[0] for key in results}
    expected = {"complementary"}
    if keras.backend.backend() == "jax":
        expected |= {"meal", "fusion"}
    assert kinds == expected
    for kind in kinds:
        print(kind, results[f"{kind}/max_abs"], results[f"{kind}/loss"])
        assert results[f"{kind}/max_abs"] < 1e-5, kind  # False for NaN.
        single, spread = results[f"{kind}/loss"]
        if np.isfinite(single):
            np.testing.assert_allclose(spread, single, rtol=1e-4, err_msg=kind)
    assert os.path.exists(out)
