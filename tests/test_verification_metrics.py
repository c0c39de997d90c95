"""EER, minDCF and DET curve against brute-force references."""

import numpy as np
import pytest

from keras_acorl.speaker import det_curve
from keras_acorl.speaker import equal_error_rate
from keras_acorl.speaker import min_dcf
from keras_acorl.speaker import verification_error_rates

pytestmark = pytest.mark.backend_free


def brute_force_points(scores, labels):
    """(fpr, fnr, threshold) at every distinct score and +inf, counted
    directly: accept when score >= threshold."""
    scores = np.asarray(scores, dtype="float64")
    labels = np.asarray(labels)
    points = []
    for threshold in list(np.unique(scores)) + [np.inf]:
        accepted = scores >= threshold
        fpr = np.sum(accepted & (labels == 0)) / np.sum(labels == 0)
        fnr = np.sum(~accepted & (labels == 1)) / np.sum(labels == 1)
        points.append((fpr, fnr, threshold))
    return points


def brute_force_eer(scores, labels):
    """The crossing of the piecewise-linear DET with fpr == fnr."""
    points = brute_force_points(scores, labels)
    for (f0, n0, _), (f1, n1, _) in zip(points, points[1:]):
        d0, d1 = n0 - f0, n1 - f1
        if d0 == 0:
            return f0
        if d0 < 0 <= d1:
            alpha = -d0 / (d1 - d0)
            return f0 + alpha * (f1 - f0)
    raise AssertionError("no crossing")


def brute_force_min_dcf(scores, labels, p_target, c_miss, c_fa):
    costs = [
        (c_miss * p_target * fnr + c_fa * (1 - p_target) * fpr)
        / min(c_miss * p_target, c_fa * (1 - p_target))
        for fpr, fnr, _ in brute_force_points(scores, labels)
    ]
    return min(costs)


def random_trials(seed, n=200, rounding=None):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    labels[:2] = [0, 1]
    scores = labels * rng.uniform(0.2, 2.0) + rng.normal(size=n)
    if rounding is not None:
        scores = np.round(scores, rounding)  # Many ties.
    return scores, labels


# One test for all cases: the per-test session clearing is the slow part.
def test_matches_brute_force_with_and_without_ties():
    for seed in range(4):
        for rounding in (None, 1, 0):
            check_against_brute_force(*random_trials(seed, rounding=rounding))


def check_against_brute_force(scores, labels):
    fpr, fnr, thresholds = det_curve(scores, labels)
    expected = np.array(brute_force_points(scores, labels))
    np.testing.assert_allclose(fpr, expected[:, 0])
    np.testing.assert_allclose(fnr, expected[:, 1])
    np.testing.assert_array_equal(thresholds, expected[:, 2])

    eer, threshold = equal_error_rate(scores, labels)
    assert eer == pytest.approx(brute_force_eer(scores, labels), abs=1e-12)
    assert threshold in thresholds
    for p_target, c_miss, c_fa in ((0.01, 1, 1), (0.05, 1, 1), (0.3, 2, 1)):
        cost, at = min_dcf(scores, labels, p_target, c_miss, c_fa)
        assert cost == pytest.approx(
            brute_force_min_dcf(scores, labels, p_target, c_miss, c_fa),
            abs=1e-12,
        )
        # The threshold returned reaches that cost.
        accepted = scores >= at
        fnr_at = np.mean(~accepted[labels == 1])
        fpr_at = np.mean(accepted[labels == 0])
        recomputed = (
            c_miss * p_target * fnr_at + c_fa * (1 - p_target) * fpr_at
        ) / min(c_miss * p_target, c_fa * (1 - p_target))
        assert recomputed == pytest.approx(cost, abs=1e-12)


def test_hand_computed_values():
    # Perfect separation.
    eer, threshold = equal_error_rate([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])
    assert eer == 0.0 and 0.2 < threshold <= 0.8
    assert min_dcf([0.9, 0.8, 0.2, 0.1], [1, 1, 0, 0])[0] == 0.0
    # Reversed scores: everything wrong.
    assert equal_error_rate([0.1, 0.2, 0.8, 0.9], [1, 1, 0, 0])[0] == 1.0
    # One of two targets below one of two non-targets: EER 0.5.
    eer, _ = equal_error_rate([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0])
    assert eer == pytest.approx(0.5)
    # 1 miss of 4 targets at the best point, no false alarm.
    scores = [0.9, 0.8, 0.7, 0.1, 0.5, 0.4, 0.3, 0.2]
    labels = [1, 1, 1, 1, 0, 0, 0, 0]
    cost, threshold = min_dcf(scores, labels, p_target=0.01)
    assert cost == pytest.approx(0.25) and threshold == 0.7


def test_verification_error_rates_collects_eer_and_min_dcfs():
    scores, labels = random_trials(5)
    rates = verification_error_rates(scores, labels, p_targets=(0.01, 0.3))
    assert rates == {
        "eer": equal_error_rate(scores, labels)[0],
        "min_dcf_0.01": min_dcf(scores, labels, 0.01)[0],
        "min_dcf_0.3": min_dcf(scores, labels, 0.3)[0],
    }


def test_all_equal_scores_are_chance():
    labels = np.array([0, 1] * 10)
    scores = np.full(20, 0.3)
    fpr, fnr, thresholds = det_curve(scores, labels)
    np.testing.assert_array_equal(fpr, [1, 0])
    np.testing.assert_array_equal(fnr, [0, 1])
    np.testing.assert_array_equal(thresholds, [0.3, np.inf])
    assert equal_error_rate(scores, labels)[0] == pytest.approx(0.5)
    assert min_dcf(scores, labels)[0] == pytest.approx(1.0)


def test_errors():
    with pytest.raises(ValueError, match="no target trials"):
        equal_error_rate([0.1, 0.2], [0, 0])
    with pytest.raises(ValueError, match="no non-target trials"):
        min_dcf([0.1, 0.2], [1, 1])
    with pytest.raises(ValueError, match="same length.*3 scores and 2"):
        det_curve([0.1, 0.2, 0.3], [0, 1])
    with pytest.raises(ValueError, match="0 \\(non-target\\) or 1"):
        equal_error_rate([0.1, 0.2], [0, 2])
    with pytest.raises(ValueError, match="NaN"):
        equal_error_rate([0.1, np.nan], [0, 1])
    with pytest.raises(ValueError, match="`p_target`.*\\(0, 1\\)"):
        min_dcf([0.1, 0.2], [0, 1], p_target=1.0)
    with pytest.raises(ValueError, match="`c_fa`"):
        min_dcf([0.1, 0.2], [0, 1], c_fa=0)
