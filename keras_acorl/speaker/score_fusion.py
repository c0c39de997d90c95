"""Score-level fusion by (weighted) averaging."""

import numpy as np


def fuse_scores(score_matrix, weights=None):
    """Fuses the scores of several systems by a (weighted) mean.

    Args:
        score_matrix: array-like `(num_trials, num_systems)`, one column per
            system (for example after S-norm, so that scales agree).
        weights: `None` for the plain mean, or one non-negative weight per
            system (normalized to sum to 1).

    Returns:
        A float64 array `(num_trials,)`.

    Example:

    ```python
    from keras_acorl.speaker import fuse_scores

    scores = [[0.2, 0.4], [0.8, 0.6]]
    fuse_scores(scores)  # array([0.3, 0.7])
    fuse_scores(scores, weights=[3, 1])  # array([0.25, 0.75])
    ```
    """
    scores = as_score_matrix(score_matrix)
    if weights is None:
        return scores.mean(axis=1)
    weights = np.asarray(weights, dtype="float64")
    if weights.shape != (scores.shape[1],):
        raise ValueError(
            f"`weights` must have one entry per system ({scores.shape[1]}). "
            f"Received shape {weights.shape}."
        )
    if not np.isfinite(weights).all() or (weights < 0).any():
        raise ValueError(
            f"`weights` must be finite and >= 0. Received {weights.tolist()}"
        )
    if weights.sum() <= 0:
        raise ValueError(f"`weights` must not all be 0. Received {weights}")
    return scores @ (weights / weights.sum())


def as_score_matrix(score_matrix, argument="score_matrix"):
    """`score_matrix` as a finite float64 `(num_trials, num_systems)`
    array (a 1-D input is one system)."""
    scores = np.asarray(score_matrix, dtype="float64")
    if scores.ndim == 1:
        scores = scores[:, None]
    if scores.ndim != 2 or scores.shape[0] == 0:
        raise ValueError(
            f"`{argument}` must be (num_trials, num_systems). Received shape "
            f"{scores.shape}."
        )
    if not np.isfinite(scores).all():
        raise ValueError(f"`{argument}` contains NaN or infinite values.")
    return scores
