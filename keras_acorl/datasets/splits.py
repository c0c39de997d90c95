"""The stratified train/test split shared by the dataset loaders."""

import numbers

import numpy as np
from sklearn.model_selection import train_test_split

from keras_acorl.argument_checks import check_seed


def check_test_fraction(test_fraction, argument="test_fraction"):
    """Raises a `ValueError` naming `argument` unless `test_fraction` is a
    number in (0, 1)."""
    if isinstance(test_fraction, bool) or not isinstance(
        test_fraction, numbers.Real
    ):
        raise ValueError(
            f"`{argument}` must be a float strictly between 0 and 1. "
            f"Received: {argument}={test_fraction!r}"
        )
    if not 0.0 < float(test_fraction) < 1.0:
        raise ValueError(
            f"`{argument}` must be strictly between 0 and 1. "
            f"Received: {argument}={test_fraction}"
        )
    return float(test_fraction)


def stratified_split(x, y, test_fraction, seed, argument="test_fraction"):
    """Splits `(x, y)` so each class is split in the same proportion.

    `sklearn.model_selection.train_test_split(..., stratify=y)`: the test
    split gets `ceil(test_fraction * len(y))` samples, shared among the
    classes in proportion to their sizes (each class within one sample of
    `test_fraction * count`); the rest go to the train split. Both splits
    are shuffled. The split depends only on `y`, `test_fraction` and
    `seed`.

    Args:
        x: array with `len(y)` samples on its first axis.
        y: 1-D integer array of labels; every class needs two samples or
            more.
        test_fraction: float in (0, 1).
        seed: int seed of the shuffle.
        argument: name of `test_fraction` in error messages.

    Returns:
        `((x_train, y_train), (x_test, y_test))`.
    """
    test_fraction = check_test_fraction(test_fraction, argument)
    seed = check_seed(seed)
    y = np.asarray(y)
    if len(x) != len(y):
        raise ValueError(
            f"`x` and `y` must have the same number of samples. Received "
            f"{len(x)} and {len(y)}."
        )
    labels, counts = np.unique(y, return_counts=True)
    if counts.min() < 2:
        smallest = labels[counts.argmin()].item()
        raise ValueError(
            f"`{argument}`: a stratified split needs at least 2 samples of "
            "every class, so that both splits hold every class. "
            f"Received {counts.min()} of class {smallest!r} (class counts: "
            f"{dict(zip(labels.tolist(), counts.tolist()))})."
        )
    try:
        train, test = train_test_split(
            np.arange(len(y)),
            test_size=test_fraction,
            random_state=seed,
            stratify=y,
        )
    except ValueError as error:
        # E.g. fewer test samples than classes.
        raise ValueError(
            f"`{argument}`={test_fraction} cannot split {len(y)} samples of "
            f"{len(labels)} classes: {error}"
        ) from None
    return (x[train], y[train]), (x[test], y[test])
