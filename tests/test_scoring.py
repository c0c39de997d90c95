"""Cosine scoring, S-norm and score fusion against direct formulas and
scikit-learn."""

import json

import numpy as np
import pytest

from keras_acorl.speaker import LogisticScoreFusion
from keras_acorl.speaker import cosine_scores
from keras_acorl.speaker import fuse_scores
from keras_acorl.speaker import s_norm
from keras_acorl.speaker import score_trials
from keras_acorl.speaker import speaker_cohort
from keras_acorl.speaker import trial_embeddings


def cos(a, b):
    return a @ b / np.linalg.norm(a) / np.linalg.norm(b)


def test_score_trials_with_dict_and_arrays():
    rng = np.random.default_rng(0)
    ids = ["a.wav", "b.wav", "c.wav"]
    matrix = rng.normal(size=(3, 5))
    trials = [(1, "a.wav", "b.wav"), (0, "c.wav", "a.wav")]
    expected = [cos(matrix[0], matrix[1]), cos(matrix[2], matrix[0])]
    for embeddings in (dict(zip(ids, matrix)), (ids, matrix)):
        scores, labels = score_trials(trials, embeddings)
        np.testing.assert_allclose(scores, expected)
        assert labels.tolist() == [1, 0]
    enrollment, test, _ = trial_embeddings(trials, (ids, matrix))
    np.testing.assert_array_equal(enrollment, matrix[[0, 2]])
    with pytest.raises(ValueError, match="no entry for utterance 'z.wav'"):
        score_trials([(1, "a.wav", "z.wav")], (ids, matrix))
    with pytest.raises(ValueError, match="same shape"):
        cosine_scores(np.ones((2, 3)), np.ones((3, 3)))


def test_s_norm_matches_the_formula():
    for top_n in (None, 3):
        check_s_norm(top_n)


def check_s_norm(top_n):
    rng = np.random.default_rng(1)
    enrollment = rng.normal(size=(6, 4))
    test = rng.normal(size=(6, 4))
    cohort = rng.normal(size=(8, 4))
    scores = cosine_scores(enrollment, test)
    expected = []
    for s, e, t in zip(scores, enrollment, test):
        terms = []
        for side in (e, t):
            cohort_scores = np.array([cos(side, c) for c in cohort])
            if top_n is not None:
                cohort_scores = np.sort(cohort_scores)[::-1][:top_n]
            terms.append((s - cohort_scores.mean()) / cohort_scores.std())
        expected.append(sum(terms) / 2)
    normalized = s_norm(scores, enrollment, test, cohort, top_n=top_n)
    np.testing.assert_allclose(normalized, expected, rtol=1e-10)
    # Same trials repeated: per-utterance statistics are shared.
    doubled = s_norm(
        np.tile(scores, 2),
        np.tile(enrollment, (2, 1)),
        np.tile(test, (2, 1)),
        cohort,
        top_n=top_n,
    )
    np.testing.assert_allclose(doubled, np.tile(expected, 2), rtol=1e-10)


def test_speaker_cohort_and_s_norm_errors():
    embeddings = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 2.0], [5.0, 0.0]])
    cohort = speaker_cohort(embeddings, ["x", "y", "y", "x"])
    np.testing.assert_allclose(cohort, [[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(ValueError, match="`top_n` must be in \\[2, 2\\]"):
        s_norm([0.1], [[1.0, 0.0]], [[0.0, 1.0]], cohort, top_n=3)
    with pytest.raises(ValueError, match="`test` has dimension 3"):
        s_norm([0.1], [[1.0, 0.0]], [[0.0, 1.0, 0.0]], cohort)


def test_mean_and_weighted_fusion():
    scores = np.array([[0.2, 0.4, 1.0], [0.8, 0.6, 0.0]])
    np.testing.assert_allclose(fuse_scores(scores), scores.mean(axis=1))
    np.testing.assert_allclose(
        fuse_scores(scores, weights=[1, 0, 3]), [0.8, 0.2]
    )
    with pytest.raises(ValueError, match="one entry per system \\(3\\)"):
        fuse_scores(scores, weights=[1, 1])
    with pytest.raises(ValueError, match="must not all be 0"):
        fuse_scores(scores, weights=[0, 0, 0])


def dev_scores(seed, n=400):
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 2, size=n)
    scores = np.stack(
        [
            0.8 * labels + rng.normal(size=n),
            2.0 * labels + 1.5 * rng.normal(size=n) - 1.0,
            rng.normal(size=n),  # Useless system.
        ],
        axis=1,
    )
    return scores, labels


def test_logistic_fusion_matches_sklearn():
    from sklearn.linear_model import LogisticRegression

    scores, labels = dev_scores(0)
    fusion = LogisticScoreFusion().fit(scores, labels)
    reference = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10000)
    reference.fit(scores, labels)
    np.testing.assert_allclose(fusion.coef_, reference.coef_[0], atol=1e-5)
    assert fusion.intercept_ == pytest.approx(reference.intercept_[0], abs=1e-5)
    np.testing.assert_allclose(
        fusion.transform(scores),
        reference.decision_function(scores),
        atol=1e-5,
    )
    # Prior-weighted: sklearn with the same sample weights, minus the
    # prior log-odds.
    prior = 0.2
    weighted = LogisticScoreFusion(prior=prior).fit(scores, labels)
    weights = np.where(
        labels == 1, prior / labels.sum(), (1 - prior) / (1 - labels).sum()
    )
    reference.fit(scores, labels, sample_weight=weights * len(labels))
    np.testing.assert_allclose(
        weighted.transform(scores),
        reference.decision_function(scores) - np.log(prior / (1 - prior)),
        atol=1e-5,
    )


def test_logistic_fusion_config_and_errors():
    scores, labels = dev_scores(1)
    fusion = LogisticScoreFusion(l2=0.1).fit(scores[:, :2], labels)
    restored = LogisticScoreFusion.from_config(
        json.loads(json.dumps(fusion.get_config()))
    )
    np.testing.assert_array_equal(
        restored.transform(scores[:, :2]), fusion.transform(scores[:, :2])
    )
    # One column: a calibration keeps the order of the scores.
    calibrated = LogisticScoreFusion().fit_transform(scores[:, 1], labels)
    assert np.all(np.diff(calibrated[np.argsort(scores[:, 1])]) >= 0)
    with pytest.raises(ValueError, match="not fitted"):
        LogisticScoreFusion().transform(scores)
    with pytest.raises(ValueError, match="fitted on 2"):
        fusion.transform(scores)
    with pytest.raises(ValueError, match="only one class"):
        LogisticScoreFusion().fit(scores, np.ones(len(labels)))
    with pytest.raises(ValueError, match="`prior`"):
        LogisticScoreFusion(prior=1.5)
