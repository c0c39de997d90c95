import numpy as np
import pytest

from keras_acorl.analysis import cka_matrix
from keras_acorl.analysis import linear_cka
from keras_acorl.analysis import linear_probe_r2

# NumPy only: run once, not once per backend.
pytestmark = pytest.mark.backend_free


def _hsic_cka(a, b):
    """Brute-force CKA from the HSIC definition with linear kernels."""
    n = a.shape[0]
    k = a @ a.T
    l_ = b @ b.T
    h = np.eye(n) - np.ones((n, n)) / n
    khlh = np.trace(k @ h @ l_ @ h)
    khkh = np.trace(k @ h @ k @ h)
    lhlh = np.trace(l_ @ h @ l_ @ h)
    return khlh / np.sqrt(khkh * lhlh)


def _closed_form_probe_r2(train_x, train_y, test_x, test_y, l2=1e-3):
    """The documented probe in closed form: ridge on centered data with the
    penalty `l2 * n * mean(centered source ** 2)`, pooled held-out R²."""
    x_mean, y_mean = train_x.mean(axis=0), train_y.mean(axis=0)
    x = train_x - x_mean
    n, d = x.shape
    penalty = l2 * n * np.mean(x**2)
    weights = np.linalg.solve(
        x.T @ x + penalty * np.eye(d), x.T @ (train_y - y_mean)
    )
    prediction = (test_x - x_mean) @ weights + y_mean
    sse = np.sum((test_y - prediction) ** 2)
    sst = np.sum((test_y - test_y.mean(axis=0)) ** 2)
    return 1.0 - sse / sst


def _rotation(rng, d):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return q


def test_cka_of_rotated_scaled_copy_is_one():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(200, 12)) + 5.0  # Offset: centering matters.
    b = 3.5 * a @ _rotation(rng, 12) - 2.0
    assert linear_cka(a, b) == pytest.approx(1.0, abs=1e-10)
    assert linear_cka(a, a) == pytest.approx(1.0, abs=1e-10)
    # Different widths: a rotation into a wider space (zero-padded).
    wide = np.concatenate([a, np.zeros((200, 4))], axis=1) @ _rotation(rng, 16)
    assert linear_cka(a, wide) == pytest.approx(1.0, abs=1e-10)


def test_cka_of_independent_features_is_near_zero():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(5000, 8))
    b = rng.normal(size=(5000, 8))
    # For independent isotropic features, CKA is about d / n.
    assert linear_cka(a, b) == pytest.approx(8 / 5000, rel=0.5)


def test_cka_is_not_invariant_to_anisotropic_scaling():
    rng = np.random.default_rng(2)
    a = rng.normal(size=(300, 6))
    scale = np.array([10.0, 1.0, 1.0, 0.1, 0.1, 0.1])
    b = a * scale
    value = linear_cka(a, b)
    assert value == pytest.approx(_hsic_cka(a, b), rel=1e-10)
    # Population value for isotropic `a`: sum(s^2) / sqrt(d * sum(s^4)).
    expected = np.sum(scale**2) / np.sqrt(6 * np.sum(scale**4))
    assert value == pytest.approx(expected, abs=0.05)


def test_cka_matches_hsic_formula_and_is_symmetric():
    rng = np.random.default_rng(3)
    a = rng.normal(size=(60, 7))
    b = np.tanh(a @ rng.normal(size=(7, 5))) + 0.5 * rng.normal(size=(60, 5))
    value = linear_cka(a, b)
    assert value == pytest.approx(_hsic_cka(a, b), rel=1e-10)
    assert value == pytest.approx(linear_cka(b, a), rel=1e-12)


def test_cka_flattens_feature_maps_and_handles_constants():
    rng = np.random.default_rng(4)
    maps = rng.normal(size=(40, 3, 3, 2))
    assert linear_cka(maps, maps.reshape(40, -1)) == pytest.approx(1.0)
    assert linear_cka(maps, np.ones((40, 5))) == 0.0


def test_cka_matrix():
    rng = np.random.default_rng(5)
    a = rng.normal(size=(100, 6))
    b = rng.normal(size=(100, 4))
    c = 2.0 * a
    matrix = cka_matrix([a, b, c])
    assert matrix.shape == (3, 3)
    np.testing.assert_allclose(matrix, matrix.T)
    np.testing.assert_allclose(np.diag(matrix), 1.0)
    assert matrix[0, 2] == pytest.approx(1.0)
    assert matrix[0, 1] == pytest.approx(linear_cka(a, b))


def test_probe_r2_of_linear_function_is_one():
    rng = np.random.default_rng(6)
    source = rng.normal(size=(800, 10)) * 3.0 + 1.0
    target = source @ rng.normal(size=(10, 5)) + 7.0
    splits = (source[:600], target[:600], source[600:], target[600:])
    r2 = linear_probe_r2(*splits)
    assert r2 == pytest.approx(_closed_form_probe_r2(*splits), rel=1e-9)
    assert r2 == pytest.approx(1.0, abs=1e-3)
    # Without a penalty the fit is exact.
    assert linear_probe_r2(*splits, l2=0.0) == pytest.approx(1.0, abs=1e-9)


def test_probe_r2_of_independent_noise_is_negative():
    rng = np.random.default_rng(7)
    source = rng.normal(size=(800, 10))
    target = rng.normal(size=(800, 5))
    splits = (source[:600], target[:600], source[600:], target[600:])
    r2 = linear_probe_r2(*splits)
    assert r2 == pytest.approx(_closed_form_probe_r2(*splits), rel=1e-9)
    # Fitting noise with 10 features on 600 samples costs about 10 / 600.
    assert -0.05 < r2 < 0.0


def test_probe_r2_partial_and_wide_source():
    rng = np.random.default_rng(8)
    source = rng.normal(size=(400, 4))
    target = np.concatenate([source[:, :1], rng.normal(size=(400, 1))], axis=1)
    splits = (source[:300], target[:300], source[300:], target[300:])
    r2 = linear_probe_r2(*splits)
    assert r2 == pytest.approx(_closed_form_probe_r2(*splits), rel=1e-9)
    # One of two target features is predictable: its share of the test
    # variance is explained; fitting the other (noise) only costs a little.
    test_variance = target[300:].var(axis=0)
    share = test_variance[0] / test_variance.sum()
    assert share - 0.06 < r2 < share
    # More features than train samples (sklearn solves the dual).
    wide = rng.normal(size=(120, 300))
    wide_target = wide[:, :3] * 2.0
    splits = (wide[:80], wide_target[:80], wide[80:], wide_target[80:])
    r2 = linear_probe_r2(*splits, l2=1e-2)
    assert r2 == pytest.approx(
        _closed_form_probe_r2(*splits, l2=1e-2), rel=1e-8
    )


def test_errors_name_arguments():
    a = np.zeros((10, 3))
    with pytest.raises(ValueError, match="`a` and `b`"):
        linear_cka(a, np.zeros((11, 3)))
    with pytest.raises(ValueError, match="`a`"):
        linear_cka(np.zeros(10), a)
    with pytest.raises(ValueError, match="representations\\[1\\]"):
        cka_matrix([a, np.zeros((9, 2))])
    with pytest.raises(ValueError, match="representations"):
        cka_matrix([])
    with pytest.raises(ValueError, match="`train_source` and `train_target`"):
        linear_probe_r2(a, np.zeros((9, 2)), a, a)
    with pytest.raises(ValueError, match="`test_source` and `test_target`"):
        linear_probe_r2(a, a, a, np.zeros((9, 3)))
    with pytest.raises(ValueError, match="`train_source` and `test_source`"):
        linear_probe_r2(a, a, np.zeros((10, 4)), a)
    with pytest.raises(ValueError, match="`l2`.*-1.0"):
        linear_probe_r2(a, a, a, a, l2=-1.0)
    with pytest.raises(TypeError, match="`l2`.*str"):
        linear_probe_r2(a, a, a, a, l2="small")
    with pytest.raises(ValueError, match="`test_target` is constant"):
        linear_probe_r2(a, a, a, a)
