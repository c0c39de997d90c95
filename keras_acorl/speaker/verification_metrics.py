"""Speaker-verification error rates on score arrays: DET curve, EER, minDCF.

All three work on the same operating points: for every distinct score `t`
(ascending) a trial is accepted when `score >= t`, plus a last point
`t = +inf` that accepts nothing. Tied scores move together, so the counts
are exact with ties. The points come from scikit-learn's `roc_curve`
(O(n log n), one sort).
"""

import numpy as np

from keras_acorl import argument_checks


def det_curve(scores, labels):
    """False-acceptance and false-rejection rates at every threshold.

    Args:
        scores: 1-D array-like of floats, higher means "same speaker".
        labels: 1-D array-like of 0/1 (1 = target trial), same length.

    Returns:
        `(fpr, fnr, thresholds)`, three 1-D float64 arrays of the same
        length. `thresholds` are the distinct scores in ascending order
        followed by `inf`; a trial is accepted when `score >= threshold`.
        `fpr` (false acceptances / non-target trials) decreases from 1 to
        0 and `fnr` (misses / target trials) increases from 0 to 1.

    Example:

    ```python
    from keras_acorl.speaker import det_curve

    fpr, fnr, thresholds = det_curve([0.9, 0.4, 0.4, 0.1], [1, 1, 0, 0])
    # thresholds: [0.1, 0.4, 0.9, inf]; fpr: [1, 0.5, 0, 0];
    # fnr: [0, 0, 0.5, 1].
    ```
    """
    from sklearn.metrics import roc_curve

    scores, labels = _check_scores_and_labels(scores, labels)
    # `roc_curve`, not `sklearn.metrics.det_curve`: the latter drops the
    # accept-all and reject-all ends (and the repeated points next to
    # them), which minDCF and the EER crossing need. Every distinct score
    # is kept (`drop_intermediate=False`), in descending order after `inf`.
    fpr, tpr, thresholds = roc_curve(labels, scores, drop_intermediate=False)
    return fpr[::-1], 1.0 - tpr[::-1], thresholds[::-1]


def equal_error_rate(scores, labels):
    """Equal error rate: where the false-acceptance and false-rejection
    rates are equal.

    The DET points are joined by straight lines (in probability, not
    normal-deviate, scale); the EER is where that line crosses
    `fpr == fnr`. When a point lies exactly on the diagonal, it is that
    point's rate.

    Args:
        scores: 1-D array-like of floats, higher means "same speaker".
        labels: 1-D array-like of 0/1 (1 = target trial), same length.

    Returns:
        `(eer, threshold)`: the EER as a fraction in [0, 1] (not percent)
        and the threshold (accept when `score >= threshold`) of the
        operating point nearest to the crossing (smaller `|fpr - fnr|`).

    Example:

    ```python
    from keras_acorl.speaker import equal_error_rate

    eer, threshold = equal_error_rate([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0])
    print(eer)  # 0.5
    ```
    """
    fpr, fnr, thresholds = det_curve(scores, labels)
    difference = fnr - fpr  # Rises from -1 to 1 with the threshold.
    # First point with fnr >= fpr; the point before has fnr < fpr.
    upper = int(np.argmax(difference >= 0))
    if difference[upper] == 0 or upper == 0:
        return float(fpr[upper]), float(thresholds[upper])
    lower = upper - 1
    d_lower, d_upper = difference[lower], difference[upper]
    alpha = -d_lower / (d_upper - d_lower)
    eer = fpr[lower] + alpha * (fpr[upper] - fpr[lower])
    nearest = lower if -d_lower < d_upper else upper
    return float(eer), float(thresholds[nearest])


def min_dcf(scores, labels, p_target=0.01, c_miss=1.0, c_fa=1.0):
    """Minimum normalized detection cost (NIST SRE, as in SpeechBrain and
    WeSpeaker).

    `DCF(t) = c_miss * p_target * fnr(t) + c_fa * (1 - p_target) * fpr(t)`,
    divided by `min(c_miss * p_target, c_fa * (1 - p_target))` (the cost of
    the best system that ignores the scores), minimized over thresholds.

    Args:
        scores: 1-D array-like of floats, higher means "same speaker".
        labels: 1-D array-like of 0/1 (1 = target trial), same length.
        p_target: float in (0, 1). Prior probability of a target trial.
            Defaults to 0.01 (also commonly reported: 0.05).
        c_miss: float > 0. Cost of a miss. Defaults to 1.
        c_fa: float > 0. Cost of a false acceptance. Defaults to 1.

    Returns:
        `(min_dcf, threshold)`: the minimum normalized DCF (at most 1) and
        the threshold reaching it (accept when `score >= threshold`; `inf`
        means reject everything).

    Example:

    ```python
    from keras_acorl.speaker import min_dcf

    cost, threshold = min_dcf([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0])
    print(cost)  # 0.5: at threshold 0.9, half the targets are missed.
    ```
    """
    p_target = _check_open_unit(p_target, "p_target")
    c_miss = _check_positive(c_miss, "c_miss")
    c_fa = _check_positive(c_fa, "c_fa")
    fpr, fnr, thresholds = det_curve(scores, labels)
    cost = c_miss * p_target * fnr + c_fa * (1 - p_target) * fpr
    cost = cost / min(c_miss * p_target, c_fa * (1 - p_target))
    best = int(np.argmin(cost))
    return float(cost[best]), float(thresholds[best])


def verification_error_rates(scores, labels, p_targets=(0.01, 0.05)):
    """EER and minDCF of one score list, as a JSON-ready dict.

    Args:
        scores: 1-D array-like of floats, higher means "same speaker".
        labels: 1-D array-like of 0/1 (1 = target trial), same length.
        p_targets: floats in (0, 1), the target priors of the minDCFs.
            Defaults to `(0.01, 0.05)`.

    Returns:
        dict `{"eer": float, "min_dcf_<p_target>": float, ...}`, e.g.
        `"min_dcf_0.01"`.

    Example:

    ```python
    from keras_acorl.speaker import verification_error_rates

    verification_error_rates([0.9, 0.8, 0.3, 0.2], [1, 0, 1, 0])
    # {"eer": 0.5, "min_dcf_0.01": 0.5, "min_dcf_0.05": 0.5}
    ```
    """
    rates = {"eer": equal_error_rate(scores, labels)[0]}
    for p_target in p_targets:
        rates[f"min_dcf_{p_target:g}"] = min_dcf(scores, labels, p_target)[0]
    return rates


def _check_scores_and_labels(scores, labels):
    scores = np.asarray(scores, dtype="float64")
    labels = np.asarray(labels)
    if scores.ndim != 1 or labels.ndim != 1:
        raise ValueError(
            "`scores` and `labels` must be 1-D. Received shapes "
            f"{scores.shape} and {labels.shape}."
        )
    if scores.shape != labels.shape:
        raise ValueError(
            "`scores` and `labels` must have the same length. Received "
            f"{scores.size} scores and {labels.size} labels."
        )
    if np.isnan(scores).any():
        raise ValueError(
            f"`scores` contains {int(np.isnan(scores).sum())} NaN value(s)."
        )
    values = set(np.unique(labels).tolist())
    if not values <= {0, 1}:
        raise ValueError(
            "`labels` must be 0 (non-target) or 1 (target). Received values "
            f"{sorted(values, key=str)}."
        )
    labels = labels.astype("int64")
    for value, name in ((1, "target"), (0, "non-target")):
        if value not in values:
            raise ValueError(
                f"`labels` has no {name} trials (label {value}); error rates "
                "need both target (1) and non-target (0) trials."
            )
    return scores, labels


def _check_open_unit(value, argument):
    return argument_checks.check_open_unit(value, argument)


def _check_positive(value, argument):
    return argument_checks.check_positive(value, argument)
