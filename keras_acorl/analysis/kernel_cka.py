"""Centered kernel alignment with a Gaussian (RBF) kernel."""

import numpy as np
from scipy.spatial.distance import pdist
from scipy.spatial.distance import squareform

from keras_acorl.analysis.representation_similarity import _as_matrix
from keras_acorl.analysis.representation_similarity import _check_same_samples
from keras_acorl.argument_checks import check_real


def _centered_rbf_gram(x, sigma, argument):
    squared = squareform(pdist(x, "sqeuclidean"))
    if sigma is None:
        # Kornblith et al.: the bandwidth follows the data's scale, here
        # the median distance between distinct samples.
        off_diagonal = squared[~np.eye(len(x), dtype=bool)]
        median = float(np.median(off_diagonal))
        if median == 0.0:
            raise ValueError(
                f"`{argument}`: the median distance between samples is 0 "
                "(most samples identical); pass `sigma`."
            )
        sigma_squared = median
    else:
        sigma_squared = sigma**2
    gram = np.exp(-squared / (2.0 * sigma_squared))
    means = gram.mean(axis=0)
    return gram - means[None, :] - means[:, None] + means.mean()


def rbf_cka(a, b, sigma=None):
    """Centered kernel alignment of two representations with RBF kernels.

    Kornblith et al., "Similarity of Neural Network Representations
    Revisited" (ICML 2019): `CKA = <HKH, HLH> / (||HKH|| ||HLH||)` with
    `K_ij = exp(-||a_i - a_j||^2 / (2 sigma^2))` (same for `L` on `b`) and
    the centering matrix `H`. Unlike `linear_cka`, it also sees non-linear
    (local) structure. With `sigma=None` each representation gets the
    bandwidth `sqrt(median squared distance)` between its samples, so the
    score is invariant to orthogonal transforms and isotropic scaling.
    Memory and time grow with `n^2`: use a few thousand samples at most.

    Args:
        a: array `(n, d1)` (trailing axes flattened).
        b: array `(n, d2)`, the same `n` inputs in the same order.
        sigma: None, or a float > 0: one bandwidth for both (in the units of
            the features).

    Returns:
        float in `[0, 1]`, `1` for identical representations.

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import rbf_cka

    rng = np.random.default_rng(0)
    a = rng.normal(size=(200, 8))
    rotation, _ = np.linalg.qr(rng.normal(size=(8, 8)))
    round(rbf_cka(a, 2.0 * a @ rotation), 6)  # 1.0
    ```
    """
    a = _as_matrix(a, "a")
    b = _as_matrix(b, "b")
    _check_same_samples(a, b, "a", "b")
    if a.shape[0] < 2:
        raise ValueError(
            f"`a` and `b` need at least 2 samples. Received {a.shape[0]}."
        )
    if sigma is not None:
        sigma = check_real(sigma, "sigma")
        if sigma <= 0:
            raise ValueError(f"`sigma` must be > 0. Received: sigma={sigma}")
    k = _centered_rbf_gram(a, sigma, "a")
    l_ = _centered_rbf_gram(b, sigma, "b")
    norm = np.linalg.norm(k) * np.linalg.norm(l_)
    if norm == 0.0:
        return 0.0
    return float(np.clip(np.sum(k * l_) / norm, 0.0, 1.0))
