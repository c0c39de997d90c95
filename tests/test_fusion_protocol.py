"""The paired fusion protocol of `reproduce image` (NumPy only)."""

import numpy as np
import pytest
from scipy import stats

from keras_acorl.cli import fusion_protocol as fp
from keras_acorl.cli.reproduce_image import alliance_names
from keras_acorl.cli.reproduce_image import parse_objectives

pytestmark = pytest.mark.backend_free


def one_hot(labels, classes=3, confidence=0.9):
    probs = np.full((len(labels), classes), (1 - confidence) / (classes - 1))
    probs[np.arange(len(labels)), labels] = confidence
    return probs


def test_fitted_weight_follows_the_better_member():
    y = np.array([0, 1, 2, 0, 1, 2])
    right, wrong = one_hot(y), one_hot((y + 1) % 3)
    # A perfect new model next to a wrong base takes all the weight; a
    # wrong one next to a perfect base gets none.
    assert fp.fit_weight([wrong], right, y) == 1.0
    assert fp.fit_weight([right], wrong, y) == 0.0
    # Two equally good, independent members share it.
    half = one_hot(np.array([0, 1, 2, 1, 2, 0]))
    other = one_hot(np.array([2, 0, 1, 0, 1, 2]))
    assert fp.fit_weight([half], other, y) == pytest.approx(0.5)
    fused = fp.fused([right, wrong], wrong, 1 / 3)
    np.testing.assert_allclose(fused, (right + 2 * wrong) / 3)


def test_both_wrong_counts_joint_errors_of_the_fused_bases():
    y = np.array([0, 0, 0, 0])
    base = one_hot(np.array([0, 1, 1, 2]))
    new = one_hot(np.array([1, 0, 1, 1]))
    # Samples 2 and 3: both wrong; sample 0 and 1: one of them right.
    assert fp.both_wrong([base], new, y) == 0.5
    assert fp.accuracy(new, y) == 0.25
    np.testing.assert_allclose(fp.probabilities([[0.0, 0.0]]), [[0.5, 0.5]])


def test_paired_interval_is_the_student_t_interval():
    d = np.array([0.5, -0.1, 0.9, 0.3, 0.2])
    mean, low, high = fp.paired_interval(d)
    expected = stats.t.interval(0.95, 4, loc=d.mean(), scale=stats.sem(d))
    assert (low, high) == pytest.approx(expected)
    assert mean == pytest.approx(0.36)
    assert fp.format_interval(d / 100) == "+0.36 [-0.10, +0.82]"
    assert fp.format_interval([0.01]) == "+1.00 (one seed)"


def test_parse_objectives():
    assert parse_objectives("adversarial,ensemble=1") == [
        ("adversarial", None),
        ("ensemble", 1.0),
    ]
    assert alliance_names([("adversarial", None), ("ensemble", 1.0)]) == [
        ("alliance", "acorl_fusion"),
        ("alliance_ensemble", "acorl_fusion_ensemble"),
    ]
    with pytest.raises(ValueError, match="`objectives` entries.*'nope'"):
        parse_objectives(["nope"])
    with pytest.raises(ValueError, match="`objectives` must be distinct"):
        parse_objectives("ensemble,ensemble=2")
    with pytest.raises(TypeError, match=r"`objectives\[ensemble\]`.*'x'"):
        parse_objectives("ensemble=x")
    with pytest.raises(ValueError, match=r"`objectives\[ensemble\]`.*inf"):
        parse_objectives("ensemble=inf")
    with pytest.raises(ValueError, match="at least one"):
        parse_objectives("")
