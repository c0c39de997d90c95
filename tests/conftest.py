import os
import tempfile

import pytest

# JAX: one compilation cache for the whole run, child processes included
# (they inherit the environment). Many tests compile the same small
# programs; in a cold run on tests/test_complementary_model.py this cut
# the CPU time by about a fifth. Set before Keras imports JAX.
if "JAX_COMPILATION_CACHE_DIR" not in os.environ:
    os.environ["JAX_COMPILATION_CACHE_DIR"] = tempfile.mkdtemp(
        prefix="keras-acorl-jax-cache-"
    )
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_COMPILE_TIME_SECS", "0")
    os.environ.setdefault("JAX_PERSISTENT_CACHE_MIN_ENTRY_SIZE_BYTES", "0")

# Detailed assert messages in the shared helpers too (before they load).
pytest.register_assert_rewrite("tests.helpers", "tests.test_case")

import keras  # noqa: E402
import numpy as np  # noqa: E402

# Quick mode for guides and CLI jobs executed by the suite.
os.environ.setdefault("KERAS_ACORL_QUICK", "1")


def pytest_configure(config):
    # `make test` runs the whole suite on its first backend and
    # `-m "not backend_free"` on the others.
    config.addinivalue_line(
        "markers",
        "backend_free: the test does not depend on KERAS_BACKEND (NumPy "
        "only); `make test` runs it on the first backend only.",
    )


@pytest.fixture(autouse=True)
def _seed_everything():
    keras.utils.set_random_seed(1337)
    np.random.seed(1337)
    yield
    # Without the full garbage collection (about 0.6 s per test here).
    keras.backend.clear_session(free_memory=False)
