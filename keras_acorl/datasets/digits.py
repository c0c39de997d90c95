"""scikit-learn's 8x8 digits (1797 images), offline."""

import numpy as np
import sklearn.datasets

from keras_acorl.datasets.splits import check_test_fraction
from keras_acorl.datasets.splits import stratified_split


def load_digits(test_fraction=0.2, seed=0):
    """Loads scikit-learn's 1797 8x8 digits, split train/test, offline.

    Each class is split in the same proportion (a stratified split); the
    split is deterministic for a `seed`.

    Args:
        test_fraction: float in (0, 1). Fraction of each class that goes to
            the test split. Defaults to `0.2`.
        seed: int. Seed of the split and of the shuffle of both splits.
            Defaults to `0`.

    Returns:
        `((x_train, y_train), (x_test, y_test))`: images as `float32` in
        `[0, 1]` of shape `(n, 8, 8, 1)`, labels as `int32` in `[0, 9]`.

    Example:

    ```python
    from keras_acorl.datasets import load_digits

    (x_train, y_train), (x_test, y_test) = load_digits()
    x_train.shape  # (1437, 8, 8, 1)
    ```
    """
    check_test_fraction(test_fraction)
    digits = sklearn.datasets.load_digits()
    # Pixel values are integers in [0, 16].
    x = (digits.images / 16.0).reshape(-1, 8, 8, 1).astype("float32")
    y = np.asarray(digits.target, dtype="int32")
    return stratified_split(x, y, test_fraction, seed)
