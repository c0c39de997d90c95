"""How differently two classifiers err (pairwise diversity measures)."""

import numpy as np


def _labels(values, argument, n=None):
    values = np.asarray(values)
    if values.ndim == 2:
        if not np.all(np.isfinite(values)):
            raise ValueError(f"`{argument}` contains NaN or infinite values.")
        values = np.argmax(values, axis=-1)
    elif values.ndim != 1 or not (
        np.issubdtype(values.dtype, np.integer) and values.dtype != bool
    ):
        raise ValueError(
            f"`{argument}` must be scores of shape (samples, classes) or "
            f"class indices of shape (samples,). Received shape "
            f"{values.shape} of dtype {values.dtype}."
        )
    if n is not None and len(values) != n:
        raise ValueError(
            f"`probs_a`, `probs_b` and `y` must hold the same samples. "
            f"`{argument}` has {len(values)} samples, `y` has {n}."
        )
    return values


def _ratio(numerator, denominator):
    return float(numerator / denominator) if denominator else float("nan")


def prediction_diversity(probs_a, probs_b, y):
    """Pairwise diversity of two classifiers on the same labelled samples.

    Kuncheva and Whitaker, "Measures of Diversity in Classifier Ensembles"
    (Machine Learning, 2003). With `n11` samples both get right, `n00` both
    get wrong, `n10` only `a` gets right and `n01` only `b`:

    - `disagreement`: fraction of samples whose predicted classes differ;
    - `double_fault`: `n00 / n`, both wrong (what fusion cannot fix);
    - `q_statistic`: Yule's Q, `(n11 n00 - n01 n10) / (n11 n00 + n01 n10)`
      in `[-1, 1]`; `0` for independent errors, negative when one model is
      right where the other is wrong;
    - `error_correlation`: the correlation coefficient of the two
      correct/wrong indicators (Kuncheva's rho).

    A measure whose denominator is 0 (e.g. Q when neither model errs) is
    NaN.

    Args:
        probs_a: scores `(n, classes)` (probabilities or logits; the
            predicted class is the argmax) or class indices `(n,)`.
        probs_b: the same for the second model.
        y: int array `(n,)`, the true classes.

    Returns:
        dict of floats: `disagreement`, `double_fault`, `q_statistic`,
        `error_correlation`, and the counts `n11`, `n10`, `n01`, `n00`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import prediction_diversity

    y = np.array([0, 1, 2, 0])
    result = prediction_diversity([0, 1, 0, 1], [0, 2, 2, 1], y)
    result["disagreement"], result["double_fault"]  # (0.5, 0.25)
    ```
    """
    y = _labels(y, "y")
    if y.ndim != 1 or len(y) == 0:
        raise ValueError(f"`y` must be non-empty. Received {len(y)} samples.")
    a = _labels(probs_a, "probs_a", len(y))
    b = _labels(probs_b, "probs_b", len(y))
    right_a, right_b = a == y, b == y
    n11 = int(np.sum(right_a & right_b))
    n00 = int(np.sum(~right_a & ~right_b))
    n10 = int(np.sum(right_a & ~right_b))
    n01 = int(np.sum(~right_a & right_b))
    n = len(y)
    cross = n11 * n00 - n01 * n10
    return {
        "disagreement": float(np.mean(a != b)),
        "double_fault": n00 / n,
        "q_statistic": _ratio(cross, n11 * n00 + n01 * n10),
        "error_correlation": _ratio(
            cross,
            np.sqrt(float(n11 + n10) * (n01 + n00) * (n11 + n01) * (n10 + n00)),
        ),
        "n11": n11,
        "n10": n10,
        "n01": n01,
        "n00": n00,
    }
