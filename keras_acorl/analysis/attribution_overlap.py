"""How much two attribution maps of the same inputs agree."""

import numpy as np
from scipy.stats import rankdata

from keras_acorl.analysis.attribution_target import check_inputs
from keras_acorl.argument_checks import check_real


def _maps(maps, argument):
    maps = check_inputs(maps, argument, dtype=np.float64, what="maps")
    return maps.reshape(maps.shape[0], -1)


def _row_correlation(a, b):
    """Pearson correlation of each row pair; NaN for a constant row."""
    a = a - a.mean(axis=1, keepdims=True)
    b = b - b.mean(axis=1, keepdims=True)
    norm = np.sqrt((a**2).sum(axis=1) * (b**2).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(norm > 0, (a * b).sum(axis=1) / norm, np.nan)


def _top_mask(maps, k):
    top = np.argpartition(-maps, k - 1, axis=1)[:, :k]
    mask = np.zeros(maps.shape, dtype=bool)
    np.put_along_axis(mask, top, True, axis=1)
    return mask


def attribution_overlap(maps_a, maps_b, top_k=0.1):
    """Agreement of two models' attribution maps, sample by sample.

    - `rank_correlation`: Spearman's rank correlation over all positions
      (ranks by `scipy.stats.rankdata`, ties averaged; NaN for a constant
      map, e.g. an all-zero Grad-CAM);
    - `top_k_iou`: intersection over union of the positions holding the
      `top_k` fraction of largest values of each map (at least one
      position; ties broken arbitrarily).

    Pass the maps as they should be compared, e.g. `np.abs(saliency).max(
    axis=-1)` or Grad-CAM maps at one resolution.

    Args:
        maps_a: array `(n, ...)`, one map per sample.
        maps_b: array of the same shape, the same samples in the same order.
        top_k: float in `(0, 1]`. Fraction of positions in the top set.
            Defaults to `0.1`.

    Returns:
        dict: `rank_correlation` and `top_k_iou` (arrays `(n,)`), and
        `mean_rank_correlation` (over samples with a defined value) and
        `mean_top_k_iou` (floats).

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import attribution_overlap

    a = np.array([[[0.0, 1.0], [2.0, 3.0]]])
    result = attribution_overlap(a, -a, top_k=0.25)
    result["mean_rank_correlation"], result["mean_top_k_iou"]  # (-1.0, 0.0)
    ```
    """
    a = _maps(maps_a, "maps_a")
    b = _maps(maps_b, "maps_b")
    if np.shape(maps_a) != np.shape(maps_b):
        raise ValueError(
            "`maps_a` and `maps_b` must have the same shape (the same "
            f"samples and positions). Received {np.shape(maps_a)} and "
            f"{np.shape(maps_b)}."
        )
    top_k = check_real(top_k, "top_k")
    if not 0.0 < top_k <= 1.0:
        raise ValueError(f"`top_k` must be in (0, 1]. Received: top_k={top_k}")
    rank_correlation = _row_correlation(
        rankdata(a, axis=1), rankdata(b, axis=1)
    )
    k = max(1, int(round(top_k * a.shape[1])))
    mask_a, mask_b = _top_mask(a, k), _top_mask(b, k)
    intersection = (mask_a & mask_b).sum(axis=1)
    top_k_iou = intersection / (2 * k - intersection)
    defined = rank_correlation[np.isfinite(rank_correlation)]
    return {
        "rank_correlation": rank_correlation,
        "top_k_iou": top_k_iou,
        "mean_rank_correlation": (
            float(defined.mean()) if defined.size else float("nan")
        ),
        "mean_top_k_iou": float(top_k_iou.mean()),
    }
