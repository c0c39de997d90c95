"""The paired fusion protocol of `reproduce image`, on NumPy outputs.

A new model is fused with the frozen bases two ways: with equal weights
(the mean of all members' probabilities) and with the new model's weight
fitted on a validation split (the bases share the rest equally). Compared
models are paired by seed: the per-seed differences get a 95% t-interval
(`scipy.stats.t`).
"""

import numpy as np
from scipy import special
from scipy import stats

# Candidate weights of the new model; 0 keeps the bases alone.
WEIGHT_GRID = np.linspace(0.0, 1.0, 21)


def probabilities(logits):
    """Softmax over the last axis of `logits` (NumPy)."""
    return special.softmax(np.asarray(logits, dtype="float64"), axis=-1)


def fused(base_probs, new_probs, weight):
    """`(1 - weight) * mean(base_probs) + weight * new_probs`.

    `base_probs`: list of `(samples, classes)` arrays, one per base.
    """
    return (1.0 - weight) * np.mean(base_probs, axis=0) + weight * new_probs


def fit_weight(base_probs, new_probs, y):
    """The new model's fusion weight (grid 0, 0.05, ..., 1) with the lowest
    log-loss of `fused(base_probs, new_probs, w)` on labels `y`."""
    y = np.asarray(y)
    rows = np.arange(len(y))
    losses = [
        -np.mean(np.log(fused(base_probs, new_probs, w)[rows, y] + 1e-12))
        for w in WEIGHT_GRID
    ]
    return float(WEIGHT_GRID[int(np.argmin(losses))])


def accuracy(probs, y):
    return float(np.mean(np.argmax(probs, axis=-1) == np.asarray(y)))


def both_wrong(base_probs, new_probs, y):
    """Share of samples that the bases' equal-weight fusion and the new
    model both classify wrongly (what no fusion of the two can fix)."""
    y = np.asarray(y)
    base_wrong = np.argmax(np.mean(base_probs, axis=0), axis=-1) != y
    return float(np.mean(base_wrong & (np.argmax(new_probs, axis=-1) != y)))


def paired_interval(differences, confidence=0.95):
    """`(mean, low, high)` of paired `differences` with a Student t
    interval; low and high are NaN for fewer than two values."""
    d = np.asarray(differences, dtype="float64")
    mean = float(np.mean(d))
    if len(d) < 2:
        return mean, float("nan"), float("nan")
    half = stats.t.ppf(0.5 + confidence / 2, len(d) - 1) * stats.sem(d)
    return mean, float(mean - half), float(mean + half)


def format_interval(differences, scale=100.0, digits=2):
    """`"+1.23 [+0.10, +2.36]"` (points by default), or the mean alone
    with `"(one seed)"`."""
    mean, low, high = paired_interval(np.asarray(differences) * scale)
    if np.isnan(low):
        return f"{mean:+.{digits}f} (one seed)"
    return f"{mean:+.{digits}f} [{low:+.{digits}f}, {high:+.{digits}f}]"
