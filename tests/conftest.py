import os

import keras
import numpy as np
import pytest

# Quick mode for guides and CLI jobs executed by the suite.
os.environ.setdefault("KERAS_ACORL_QUICK", "1")


@pytest.fixture(autouse=True)
def _seed_everything():
    keras.utils.set_random_seed(1337)
    np.random.seed(1337)
    yield
    keras.backend.clear_session()
