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

pytestmark = pytest.mark.backend_free


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
    # Same trials repeated, with and without utterance ids.
    ids = [f"e{i}" for i in range(6)] * 2
    for enrollment_ids in (None, ids):
        doubled = s_norm(
            np.tile(scores, 2),
            np.tile(enrollment, (2, 1)),
            np.tile(test, (2, 1)),
            cohort,
            top_n=top_n,
            enrollment_ids=enrollment_ids,
        )
        np.testing.assert_allclose(doubled, np.tile(expected, 2), rtol=1e-10)


def wespeaker_s_norm(trials, utterances, cohort, mean_vector, top_n):
    """WeSpeaker's score_norm.py on arrays: embeddings keyed by utterance
    id, the mean vector subtracted from evaluation and cohort embeddings,
    statistics per distinct enrollment / test id (sorted), top-n of the
    descending-sorted cohort scores."""

    def statistics(ids):
        embs = np.stack([utterances[u] - mean_vector for u in ids])
        embs /= np.linalg.norm(embs, axis=1, keepdims=True)
        normed = cohort - mean_vector
        normed /= np.linalg.norm(normed, axis=1, keepdims=True)
        top = np.sort(embs @ normed.T, axis=1)[:, ::-1][:, :top_n]
        return {u: (m, d) for u, m, d in zip(ids, top.mean(1), top.std(1))}

    enroll = statistics(sorted({e for e, _, _ in trials}))
    test = statistics(sorted({t for _, t, _ in trials}))
    return np.array(
        [
            0.5 * ((s - enroll[e][0]) / enroll[e][1])
            + 0.5 * ((s - test[t][0]) / test[t][1])
            for e, t, s in trials
        ]
    )


def test_s_norm_matches_wespeaker():
    rng = np.random.default_rng(3)
    utterances = {f"u{i}": rng.normal(size=5) for i in range(6)}
    pairs = [("u0", "u1"), ("u0", "u2"), ("u3", "u1"), ("u4", "u5")]
    mean_vector = rng.normal(size=5)
    cohort = speaker_cohort(rng.normal(size=(12, 5)), np.arange(12) % 6)
    enrollment = np.stack([utterances[e] for e, _ in pairs])
    test = np.stack([utterances[t] for _, t in pairs])
    scores = cosine_scores(enrollment - mean_vector, test - mean_vector)
    trials = [(e, t, s) for (e, t), s in zip(pairs, scores)]
    for top_n in (6, 3):  # S-norm (whole cohort), adaptive S-norm.
        expected = wespeaker_s_norm(
            trials, utterances, cohort, mean_vector, top_n
        )
        normalized = s_norm(
            scores,
            enrollment,
            test,
            cohort,
            top_n=None if top_n == 6 else top_n,
            mean_vector=mean_vector,
            enrollment_ids=[e for e, _ in pairs],
            test_ids=[t for _, t in pairs],
        )
        np.testing.assert_allclose(normalized, expected, rtol=1e-10)


def test_speaker_cohort_and_s_norm_errors():
    embeddings = np.array([[3.0, 0.0], [0.0, 1.0], [0.0, 2.0], [5.0, 0.0]])
    cohort = speaker_cohort(embeddings, ["x", "y", "y", "x"])
    # The plain mean per speaker, as WeSpeaker's vector_mean.py.
    np.testing.assert_allclose(cohort, [[4.0, 0.0], [0.0, 1.5]])
    with pytest.raises(ValueError, match="`top_n` must be in \\[2, 2\\]"):
        s_norm([0.1], [[1.0, 0.0]], [[0.0, 1.0]], cohort, top_n=3)
    with pytest.raises(ValueError, match="`test` has dimension 3"):
        s_norm([0.1], [[1.0, 0.0]], [[0.0, 1.0, 0.0]], cohort)
    with pytest.raises(ValueError, match="`mean_vector` must have shape"):
        s_norm([0.1], [[1.0, 0.0]], [[0.0, 1.0]], cohort, mean_vector=[1.0])
    with pytest.raises(ValueError, match="`test_ids` must have one id"):
        s_norm([0.1], [[1.0, 0.0]], [[0.0, 1.0]], cohort, test_ids=["a", "b"])


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


def test_logistic_fusion_minimizes_the_documented_objective():
    from scipy.optimize import minimize

    scores, labels = dev_scores(2, n=200)
    for prior, l2 in ((None, 0.5), (0.3, 2.0)):
        fusion = LogisticScoreFusion(prior=prior, l2=l2).fit(scores, labels)
        if prior is None:
            weights = np.ones(len(labels))
        else:
            weights = np.where(
                labels == 1,
                prior / labels.sum(),
                (1 - prior) / (1 - labels).sum(),
            ) * len(labels)

        def objective(theta, weights=weights, l2=l2):
            z = scores @ theta[:-1] + theta[-1]
            # Weighted cross-entropy: log(1 + exp(-z)) or log(1 + exp(z)).
            losses = np.logaddexp(0.0, np.where(labels == 1, -z, z))
            return weights @ losses + l2 / 2 * theta[:-1] @ theta[:-1]

        best = minimize(objective, np.zeros(4), method="BFGS", tol=1e-12).x
        np.testing.assert_allclose(fusion.coef_, best[:-1], atol=1e-4)
        assert fusion.intercept_ == pytest.approx(best[-1], abs=1e-4)
