"""A training killed with SIGKILL mid-epoch resumes with
`keras.callbacks.BackupAndRestore` to the weights of an uninterrupted run:
`ComplementaryModel` (including the gradient-reversal schedule's step
counter) and `MEALDistiller` (including both optimizers' state).

BackupAndRestore saves at the end of each epoch and restores epoch
granularity (Keras 3.15 does not skip the batches of a partial epoch), so
the killed epoch is replayed from its start; with `shuffle=False` the
replay sees the same batches. Three child processes: kill the
ComplementaryModel; resume it, then kill the MEALDistiller; resume it.
"""

import json
import os
import signal

import numpy as np
import pytest

from tests import resume_training
from tests.subprocess_run import failure_message
from tests.subprocess_run import run_python

KILL_AT = 10  # Step 3 of the 4 of the third epoch.


def _run(jobs, folder, name):
    path = os.path.join(folder, f"{name}.json")
    with open(path, "w") as f:
        json.dump(jobs, f)
    return run_python(["-m", "tests.resume_training", path], check=False)


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    folder = str(tmp_path_factory.mktemp("resume"))
    job = {
        kind: {
            "model": kind,
            "backup": os.path.join(folder, f"{kind}_backup"),
            "out": os.path.join(folder, f"{kind}.npz"),
        }
        for kind in ("complementary", "meal")
    }
    killed = _run([dict(job["complementary"], kill_at=KILL_AT)], folder, "a")
    resumed_then_killed = _run(
        [job["complementary"], dict(job["meal"], kill_at=KILL_AT)],
        folder,
        "b",
    )
    finished = _run([job["meal"]], folder, "c")
    for process in (killed, resumed_then_killed):
        assert process.returncode == -signal.SIGKILL, failure_message(
            ["-m", "tests.resume_training"], process
        )
    assert finished.returncode == 0, failure_message(
        ["-m", "tests.resume_training"], finished
    )
    return {kind: dict(np.load(job[kind]["out"])) for kind in job}


@pytest.mark.parametrize("kind", ["complementary", "meal"])
def test_killed_training_resumes_to_the_uninterrupted_weights(
    resumed, kind, tmp_path
):
    expected = resume_training.train(kind, str(tmp_path / "backup"))
    actual = resumed[kind]
    assert sorted(actual) == sorted(expected)
    for key, value in expected.items():
        assert np.all(np.isfinite(value)), key  # NaN would equal NaN.
        np.testing.assert_allclose(actual[key], value, atol=1e-6, err_msg=key)
    # Step counters (optimizers; the gradient reversal schedule's position)
    # count the whole run, 3 epochs of 4 steps, not the replayed part.
    counters = [
        k
        for k in expected
        if k.endswith("/iteration")
        or k.endswith("gradient_reversal/iterations")
    ]
    assert len(counters) >= (2 if kind == "complementary" else 3)
    for key in counters:
        assert actual[key] == 12, key
