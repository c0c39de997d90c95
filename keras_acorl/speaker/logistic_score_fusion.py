"""`LogisticScoreFusion`: logistic-regression calibration and fusion."""

import numpy as np

from keras_acorl import argument_checks
from keras_acorl.speaker.score_fusion import as_score_matrix


class LogisticScoreFusion:
    """Linear logistic-regression calibration / fusion of verification
    scores, fitted on a development trial list.

    The fused score is `s = scores @ coef_ + intercept_`, the log-odds that
    a trial is a target trial. It is fitted by scikit-learn's
    `LogisticRegression` (Newton's method, `solver="newton-cholesky"`) on
    the cross-entropy, without regularization unless `l2 > 0` (needed when
    the development scores separate the classes perfectly: `fit` refuses
    such scores with `l2=0`, whose weights would grow without bound).
    This class adds what speaker verification needs on top: the prior
    weighting and log-likelihood-ratio output below, and a JSON config
    holding the fitted parameters.

    With `prior=None`, every trial has the same weight (plain logistic
    regression). With a `prior` (BOSARIS/FoCal style), targets and
    non-targets are weighted to the proportions `prior` and `1 - prior`,
    and `transform` returns a log-likelihood ratio: the log-odds minus
    `logit(prior)`.

    One input column calibrates one system; several columns fuse them.

    Args:
        prior: float in (0, 1) or `None`. Defaults to `None`.
        l2: float >= 0. L2 penalty `l2 / 2 * |coef_|^2` added to the summed
            (weighted) loss (scikit-learn's `C = 1 / l2`); the intercept is
            not penalized. Defaults to 0.
        max_iter: int. Newton steps at most. Defaults to 100.
        tol: float > 0. Stopping tolerance of the Newton steps
            (scikit-learn's `tol`). Defaults to 1e-10.

    Attributes:
        coef_: float64 array `(num_systems,)` after `fit`.
        intercept_: float after `fit`.
        n_iter_: Newton steps taken.

    Example:

    ```python
    import numpy as np

    from keras_acorl.speaker import LogisticScoreFusion

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=200)
    scores = np.stack(
        [labels + rng.normal(size=200), 2 * labels + rng.normal(size=200)],
        axis=1,
    )  # Two systems, one column each.
    fusion = LogisticScoreFusion().fit(scores, labels)
    fused = fusion.transform(scores)  # (200,) log-odds.
    restored = LogisticScoreFusion.from_config(fusion.get_config())
    ```
    """

    def __init__(self, prior=None, l2=0.0, max_iter=100, tol=1e-10):
        if prior is not None:
            prior = argument_checks.check_open_unit(prior, "prior")
        l2 = argument_checks.check_non_negative(l2, "l2")
        max_iter = argument_checks.check_positive_int(max_iter, "max_iter")
        tol = argument_checks.check_positive(tol, "tol")
        self.prior = None if prior is None else float(prior)
        self.l2 = float(l2)
        self.max_iter = max_iter
        self.tol = float(tol)
        self.coef_ = None
        self.intercept_ = None
        self.n_iter_ = 0

    def fit(self, score_matrix, labels):
        """Fits the fusion on development scores.

        Args:
            score_matrix: array-like `(num_trials, num_systems)` (or 1-D for
                one system).
            labels: array-like `(num_trials,)` of 0/1 (1 = target).

        Returns:
            `self`.
        """
        x = as_score_matrix(score_matrix)
        y = np.asarray(labels)
        if y.shape != (x.shape[0],):
            raise ValueError(
                f"`labels` must have shape ({x.shape[0]},) to match "
                f"`score_matrix`. Received shape {y.shape}."
            )
        if not set(np.unique(y).tolist()) <= {0, 1}:
            raise ValueError("`labels` must be 0 (non-target) or 1 (target).")
        if y.min() == y.max():
            raise ValueError(
                "`labels` holds only one class; fitting needs both target "
                "(1) and non-target (0) trials."
            )
        from sklearn.linear_model import LogisticRegression

        if self.prior is None:
            weights = None
        else:
            weights = np.where(
                y == 1, self.prior / y.sum(), (1 - self.prior) / (1 - y).sum()
            ) * len(y)
        model = LogisticRegression(
            C=np.inf if self.l2 == 0 else 1.0 / self.l2,
            solver="newton-cholesky",
            max_iter=self.max_iter,
            tol=self.tol,
        )
        model.fit(x, y.astype("int64"), sample_weight=weights)
        if self.l2 == 0:
            _check_not_separable(model.decision_function(x), y)
        self.coef_ = model.coef_[0].astype("float64")
        self.intercept_ = float(model.intercept_[0])
        self.n_iter_ = int(model.n_iter_[0])
        return self

    def transform(self, score_matrix):
        """The fused, calibrated scores `(num_trials,)`: log-odds, or
        log-likelihood ratios when `prior` is set."""
        if self.coef_ is None:
            raise ValueError(
                "This LogisticScoreFusion is not fitted; call `fit` first."
            )
        x = as_score_matrix(score_matrix)
        if x.shape[1] != self.coef_.shape[0]:
            raise ValueError(
                f"`score_matrix` has {x.shape[1]} system(s); the fusion was "
                f"fitted on {self.coef_.shape[0]}."
            )
        fused = x @ self.coef_ + self.intercept_
        if self.prior is not None:
            fused = fused - np.log(self.prior / (1 - self.prior))
        return fused

    def fit_transform(self, score_matrix, labels):
        return self.fit(score_matrix, labels).transform(score_matrix)

    def get_config(self):
        """A JSON-serializable dict; includes the fitted parameters."""
        return {
            "prior": self.prior,
            "l2": self.l2,
            "max_iter": self.max_iter,
            "tol": self.tol,
            "coef": None if self.coef_ is None else self.coef_.tolist(),
            "intercept": self.intercept_,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        coef = config.pop("coef", None)
        intercept = config.pop("intercept", None)
        fusion = cls(**config)
        if coef is not None:
            fusion.coef_ = np.asarray(coef, dtype="float64")
            fusion.intercept_ = float(intercept)
        return fusion


def _check_not_separable(scores, labels):
    """Without regularization the weights of separable data grow until the
    solver stops: refuse instead of returning arbitrary weights."""
    if scores[labels == 1].min() > scores[labels == 0].max():
        raise ValueError(
            "`l2`=0.0 on development scores that separate targets from "
            "non-targets perfectly: the unregularized fusion weights grow "
            "without bound. Pass `l2` > 0 (e.g. l2=1e-3) or use more "
            "development trials."
        )
