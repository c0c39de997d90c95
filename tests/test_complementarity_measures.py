"""RBF CKA, prediction diversity and attribution overlap (NumPy only)."""

import numpy as np
import pytest

from keras_acorl.analysis import attribution_overlap
from keras_acorl.analysis import prediction_diversity
from keras_acorl.analysis import rbf_cka

pytestmark = pytest.mark.backend_free


def _rotation(rng, d):
    q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    return q


def _brute_force_rbf_cka(a, b):
    """HSIC with explicit centering matrices and median bandwidths."""
    n = len(a)
    h = np.eye(n) - np.ones((n, n)) / n

    def gram(x):
        d2 = ((x[:, None] - x[None]) ** 2).sum(-1)
        median = np.median(d2[~np.eye(n, dtype=bool)])
        return h @ np.exp(-d2 / (2 * median)) @ h

    k, l_ = gram(a), gram(b)
    return np.trace(k @ l_) / np.sqrt(np.trace(k @ k) * np.trace(l_ @ l_))


def test_rbf_cka_invariances_and_value():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(120, 6))
    assert rbf_cka(a, a) == pytest.approx(1.0)
    assert rbf_cka(a, a @ _rotation(rng, 6)) == pytest.approx(1.0)
    assert rbf_cka(a, 7.5 * a) == pytest.approx(1.0)
    b = np.tanh(a @ rng.normal(size=(6, 3)))
    assert rbf_cka(a, b) == pytest.approx(_brute_force_rbf_cka(a, b))
    assert rbf_cka(a, 3.0 * b @ _rotation(rng, 3)) == pytest.approx(
        rbf_cka(a, b)
    )
    unrelated = rng.normal(size=(120, 6))
    assert rbf_cka(a, unrelated) < 0.2 < rbf_cka(a, b)
    # A fixed bandwidth is not scale invariant.
    assert rbf_cka(a, 10 * a, sigma=1.0) < 0.9


def test_rbf_cka_bad_input():
    a = np.ones((10, 3))
    with pytest.raises(ValueError, match=r"`a` and `b`.*10 and 9"):
        rbf_cka(np.random.rand(10, 3), np.random.rand(9, 3))
    with pytest.raises(ValueError, match="`sigma` must be > 0"):
        rbf_cka(np.random.rand(10, 3), np.random.rand(10, 3), sigma=0.0)
    with pytest.raises(TypeError, match="`sigma`"):
        rbf_cka(np.random.rand(10, 3), np.random.rand(10, 3), sigma=True)
    with pytest.raises(ValueError, match="`a`: the median distance"):
        rbf_cka(a, np.random.rand(10, 3))


def test_prediction_diversity_on_hand_made_predictions():
    y = np.array([0, 0, 0, 0, 0, 0, 0, 0, 1, 1])
    # a right on 0-5, b right on 0-3 and 6-7; both wrong on 8, 9.
    a = np.array([0, 0, 0, 0, 0, 0, 2, 2, 0, 2])
    b = np.array([0, 0, 0, 0, 1, 1, 0, 0, 0, 0])
    result = prediction_diversity(a, b, y)
    assert (result["n11"], result["n10"], result["n01"], result["n00"]) == (
        4,
        2,
        2,
        2,
    )
    # Predictions differ on 4, 5, 6, 7 and 9 (8: both say 0).
    assert result["disagreement"] == pytest.approx(0.5)
    assert result["double_fault"] == pytest.approx(0.2)
    assert result["q_statistic"] == pytest.approx((8 - 4) / (8 + 4))
    assert result["error_correlation"] == pytest.approx(
        (8 - 4) / np.sqrt(6 * 4 * 6 * 4)
    )
    # The same from scores (argmax) and from one-hot probabilities.
    eye = np.eye(3)
    from_probs = prediction_diversity(eye[a], 5.0 * eye[b], y)
    assert from_probs == result
    # Identical models: Q = 1, rho = 1; opposite errors: Q = -1.
    assert prediction_diversity(a, a, y)["q_statistic"] == pytest.approx(1.0)
    assert prediction_diversity(a, a, y)["error_correlation"] == (
        pytest.approx(1.0)
    )
    opposite = prediction_diversity(
        [0, 0, 0, 0], [1, 1, 1, 1], np.array([0, 1, 0, 1])
    )
    assert opposite["q_statistic"] == pytest.approx(-1.0)
    # Neither model errs: Q is undefined.
    assert np.isnan(prediction_diversity(y, y, y)["q_statistic"])


def test_prediction_diversity_bad_input():
    with pytest.raises(ValueError, match=r"`probs_b` has 3 samples, `y` has 4"):
        prediction_diversity([0, 1, 0, 1], [0, 1, 0], np.array([0, 1, 0, 1]))
    with pytest.raises(ValueError, match="`probs_a` must be scores"):
        prediction_diversity(np.ones((4, 2, 2)), [0, 1, 0, 1], [0, 1, 0, 1])
    with pytest.raises(ValueError, match="`y` must be scores"):
        prediction_diversity([0, 1], [0, 1], [0.5, 1.0])


def test_attribution_overlap_on_hand_made_maps():
    a = np.array(
        [
            [[1.0, 2.0], [3.0, 4.0]],
            [[1.0, 2.0], [3.0, 4.0]],
            [[1.0, 2.0], [3.0, 4.0]],
        ]
    )
    b = np.array(
        [
            [[10.0, 20.0], [30.0, 40.0]],  # same order: rho 1, IoU 1
            [[4.0, 3.0], [2.0, 1.0]],  # reversed: rho -1, IoU 0
            [[1.0, 2.0], [4.0, 3.0]],  # top two swapped
        ]
    )
    result = attribution_overlap(a, b, top_k=0.5)
    np.testing.assert_allclose(result["rank_correlation"], [1.0, -1.0, 0.8])
    # Top half: {3, 4} positions (1,0), (1,1) in both for sample 2.
    np.testing.assert_allclose(result["top_k_iou"], [1.0, 0.0, 1.0])
    quarter = attribution_overlap(a, b, top_k=0.25)
    np.testing.assert_allclose(quarter["top_k_iou"], [1.0, 0.0, 0.0])
    assert quarter["mean_top_k_iou"] == pytest.approx(1 / 3)
    assert result["mean_rank_correlation"] == pytest.approx(0.8 / 3)
    # A constant map has no ranking: NaN, left out of the mean.
    flat = attribution_overlap(a[:2], np.stack([b[0], np.zeros((2, 2))]))
    assert np.isnan(flat["rank_correlation"][1])
    assert flat["mean_rank_correlation"] == pytest.approx(1.0)


def test_attribution_overlap_bad_input():
    with pytest.raises(ValueError, match=r"same shape.*\(3, 4, 4\).*\(2, 4"):
        attribution_overlap(np.ones((3, 4, 4)), np.ones((2, 4, 4)))
    with pytest.raises(ValueError, match=r"`top_k` must be in \(0, 1\]"):
        attribution_overlap(np.ones((3, 4)), np.ones((3, 4)), top_k=0.0)
    with pytest.raises(ValueError, match="`maps_b` contains NaN"):
        attribution_overlap(np.ones((3, 4)), np.full((3, 4), np.nan))
