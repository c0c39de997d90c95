"""The stratified train/test split shared by the dataset loaders."""

import numpy as np


def check_test_fraction(test_fraction):
    """Raises a `ValueError` naming `test_fraction` unless it is in (0, 1)."""
    if isinstance(test_fraction, bool) or not isinstance(
        test_fraction, (int, float, np.floating)
    ):
        raise ValueError(
            "`test_fraction` must be a float strictly between 0 and 1. "
            f"Received: test_fraction={test_fraction!r}"
        )
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(
            "`test_fraction` must be strictly between 0 and 1. "
            f"Received: test_fraction={test_fraction}"
        )
    return float(test_fraction)


def stratified_split(x, y, test_fraction, seed):
    """Splits `(x, y)` so each class is split in the same proportion.

    Within every class, `round(test_fraction * count)` samples (at least one
    when the class has two or more) go to the test split; the rest to the
    train split. Both splits are shuffled. The split depends only on `y`,
    `test_fraction` and `seed`.

    Args:
        x: array with `len(y)` samples on its first axis.
        y: 1-D integer array of labels.
        test_fraction: float in (0, 1).
        seed: int seed of the shuffle.

    Returns:
        `((x_train, y_train), (x_test, y_test))`.
    """
    test_fraction = check_test_fraction(test_fraction)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(
            f"`x` and `y` must have the same number of samples. Received "
            f"{len(x)} and {len(y)}."
        )
    rng = np.random.default_rng(seed)
    train_parts, test_parts = [], []
    for label in np.unique(y):
        indices = rng.permutation(np.flatnonzero(y == label))
        count = len(indices)
        n_test = int(round(test_fraction * count))
        if count >= 2:
            n_test = min(max(n_test, 1), count - 1)
        test_parts.append(indices[:n_test])
        train_parts.append(indices[n_test:])
    train = rng.permutation(np.concatenate(train_parts))
    test = rng.permutation(np.concatenate(test_parts))
    return (x[train], y[train]), (x[test], y[test])
