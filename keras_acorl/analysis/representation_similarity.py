"""How much two representations of the same inputs have in common.

NumPy only: these run on the outputs of `model.predict`, on any backend.
"""

import numpy as np
from sklearn.linear_model import Ridge
from sklearn.metrics import r2_score


def _as_matrix(x, argument):
    """`x` as a float64 `(n, features)` matrix; trailing axes are flattened."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim < 2:
        raise ValueError(
            f"`{argument}` must be an array of shape (samples, features). "
            f"Received shape {x.shape}."
        )
    if x.ndim > 2:
        x = x.reshape(x.shape[0], -1)
    if not np.all(np.isfinite(x)):
        raise ValueError(f"`{argument}` contains NaN or infinite values.")
    if x.shape[0] < 2:
        raise ValueError(
            f"`{argument}` must hold at least 2 samples (rows): similarity "
            f"is measured across samples. Received shape {x.shape}."
        )
    return x


def _check_same_samples(a, b, name_a, name_b):
    if a.shape[0] != b.shape[0]:
        raise ValueError(
            f"`{name_a}` and `{name_b}` must hold the same samples (same "
            f"first dimension). Received {a.shape[0]} and {b.shape[0]} "
            f"samples (shapes {a.shape} and {b.shape})."
        )


def _linear_cka(a, b):
    a = a - a.mean(axis=0, keepdims=True)
    b = b - b.mean(axis=0, keepdims=True)
    cross = np.linalg.norm(b.T @ a) ** 2
    norm_a = np.linalg.norm(a.T @ a)
    norm_b = np.linalg.norm(b.T @ b)
    if norm_a == 0.0 or norm_b == 0.0:
        # A constant representation shares nothing with anything.
        return 0.0
    return float(np.clip(cross / (norm_a * norm_b), 0.0, 1.0))


def linear_cka(a, b):
    """Linear centered kernel alignment (CKA) of two representations.

    Kornblith et al., "Similarity of Neural Network Representations
    Revisited" (ICML 2019). With the columns of `a` and `b` centered:

    `CKA = ||b^T a||_F^2 / (||a^T a||_F * ||b^T b||_F)`

    The score is in `[0, 1]`: `1` when `b` is an orthogonal rotation and/or
    isotropic scaling of `a` (the feature dimensions may differ), close to
    `0` for unrelated features over many samples. It is invariant to
    orthogonal transforms and isotropic scaling, but not to arbitrary
    invertible linear maps. A constant representation gives `0`.

    Args:
        a: array of shape `(n, d1)`: one row per input. Extra trailing axes
            (e.g. conv feature maps) are flattened.
        b: array of shape `(n, d2)`, the same `n` inputs in the same order.

    Returns:
        float in `[0, 1]`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import linear_cka

    rng = np.random.default_rng(0)
    a = rng.normal(size=(500, 16))
    rotation, _ = np.linalg.qr(rng.normal(size=(16, 16)))
    linear_cka(a, 3.0 * a @ rotation)  # 1.0
    linear_cka(a, rng.normal(size=(500, 16)))  # close to 0
    ```
    """
    a = _as_matrix(a, "a")
    b = _as_matrix(b, "b")
    _check_same_samples(a, b, "a", "b")
    return _linear_cka(a, b)


def cka_matrix(representations):
    """Pairwise linear CKA of several representations of the same inputs.

    Args:
        representations: list of arrays, each of shape `(n, d_i)` with the
            same `n` inputs in the same order.

    Returns:
        symmetric `float64` array of shape `(k, k)` for `k` representations,
        `result[i, j] = linear_cka(representations[i], representations[j])`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import cka_matrix

    rng = np.random.default_rng(0)
    a = rng.normal(size=(200, 8))
    cka_matrix([a, 2.0 * a, rng.normal(size=(200, 4))]).round(2)
    ```
    """
    if not isinstance(representations, (list, tuple)) or not representations:
        raise ValueError(
            "`representations` must be a non-empty list of arrays of shape "
            f"(samples, features). Received: {type(representations)}"
        )
    matrices = [
        _as_matrix(r, f"representations[{i}]")
        for i, r in enumerate(representations)
    ]
    for i, m in enumerate(matrices[1:], start=1):
        _check_same_samples(
            matrices[0], m, "representations[0]", f"representations[{i}]"
        )
    k = len(matrices)
    result = np.zeros((k, k))
    for i in range(k):
        for j in range(i, k):
            result[i, j] = result[j, i] = _linear_cka(matrices[i], matrices[j])
    return result


def linear_probe_r2(
    train_source, train_target, test_source, test_target, l2=1e-3
):
    """Held-out R² of a linear (ridge) probe predicting one representation
    from another.

    Fits `target ≈ source @ W + b` on the train split with
    `sklearn.linear_model.Ridge` and scores it on the test split with
    `sklearn.metrics.r2_score(..., multioutput="variance_weighted")`. The
    ridge penalty scales with the number of train samples and the mean
    feature variance `s2` of the (train-centered) source, so that `l2` does
    not depend on the size or scale of the data: `W` minimises
    `mean ||source @ W + b - target||^2 + l2 * s2 * ||W||^2`.

    The score is `1 - SSE / SST` on the test split, summed over target
    features (variance-weighted, so features that barely vary cannot
    dominate; `SST` around the test mean). `1` means the target is a linear
    function of the source; `0` or below means the source does not help
    predict it.
    A high score says what the target knows is already in the source.

    Args:
        train_source: array `(n_train, d_source)`, probe inputs.
        train_target: array `(n_train, d_target)`, probe targets.
        test_source: array `(n_test, d_source)`.
        test_target: array `(n_test, d_target)`.
        l2: float >= 0. Ridge penalty. Defaults to `1e-3`.

    Returns:
        float, the mean held-out R² (can be negative).

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import linear_probe_r2

    rng = np.random.default_rng(0)
    source = rng.normal(size=(600, 10))
    target = source @ rng.normal(size=(10, 4))
    linear_probe_r2(source[:400], target[:400], source[400:], target[400:])
    # close to 1.0
    ```
    """
    train_source = _as_matrix(train_source, "train_source")
    train_target = _as_matrix(train_target, "train_target")
    test_source = _as_matrix(test_source, "test_source")
    test_target = _as_matrix(test_target, "test_target")
    _check_same_samples(
        train_source, train_target, "train_source", "train_target"
    )
    _check_same_samples(test_source, test_target, "test_source", "test_target")
    for train, test, name in (
        (train_source, test_source, "source"),
        (train_target, test_target, "target"),
    ):
        if train.shape[1] != test.shape[1]:
            raise ValueError(
                f"`train_{name}` and `test_{name}` must have the same number "
                f"of features. Received {train.shape[1]} and "
                f"{test.shape[1]}."
            )
    if isinstance(l2, bool) or not isinstance(l2, (int, float)):
        raise TypeError(
            f"`l2` must be a float >= 0. Received: l2={l2!r} of type "
            f"{type(l2).__name__}"
        )
    if not l2 >= 0:
        raise ValueError(f"`l2` must be a float >= 0. Received: l2={l2!r}")
    if np.ptp(test_target, axis=0).max() == 0.0:
        raise ValueError(
            "`test_target` is constant on the test split; R² is undefined."
        )

    # The source is not scaled per feature: a feature that is (almost)
    # constant on the train split must not blow up on the test split. The
    # penalty follows the source's overall scale instead.
    centered = train_source - train_source.mean(axis=0, keepdims=True)
    n = train_source.shape[0]
    penalty = l2 * n * max(float(np.mean(centered**2)), 1e-12)
    probe = Ridge(alpha=penalty, fit_intercept=True)
    probe.fit(train_source, train_target)
    prediction = probe.predict(test_source)
    return float(
        r2_score(test_target, prediction, multioutput="variance_weighted")
    )
