"""Symmetric score normalization (S-norm) and its adaptive variant."""

import numpy as np

from keras_acorl.speaker.cosine_scoring import l2_normalize


def speaker_cohort(embeddings, speaker_labels):
    """A cohort of one mean embedding per speaker (for `s_norm`).

    The plain mean of each speaker's utterance embeddings, as WeSpeaker's
    `tools/vector_mean.py` builds its cohort (`s_norm` L2-normalizes the
    cohort before scoring, so only the direction of each mean matters).

    Args:
        embeddings: array-like `(num_utterances, dim)`, for example the
            training utterances.
        speaker_labels: array-like `(num_utterances,)` of speaker ids or
            labels.

    Returns:
        A float64 array `(num_speakers, dim)`, speakers in sorted order.

    Example:

    ```python
    import numpy as np

    from keras_acorl.speaker import speaker_cohort

    embeddings = np.random.normal(size=(10, 4))
    cohort = speaker_cohort(embeddings, [0] * 5 + [1] * 5)  # (2, 4)
    ```
    """
    embeddings = np.asarray(embeddings, dtype="float64")
    speaker_labels = np.asarray(speaker_labels)
    if embeddings.ndim != 2 or speaker_labels.shape != embeddings.shape[:1]:
        raise ValueError(
            "`embeddings` must be (num_utterances, dim) and `speaker_labels` "
            f"(num_utterances,). Received shapes {embeddings.shape} and "
            f"{speaker_labels.shape}."
        )
    speakers, inverse, counts = np.unique(
        speaker_labels, return_inverse=True, return_counts=True
    )
    sums = np.zeros((len(speakers), embeddings.shape[1]))
    np.add.at(sums, inverse.reshape(-1), embeddings)
    return sums / counts[:, None]


def s_norm(
    scores,
    enrollment,
    test,
    cohort,
    top_n=None,
    mean_vector=None,
    enrollment_ids=None,
    test_ids=None,
):
    """Symmetric normalization (S-norm) of cosine trial scores.

    `s' = ((s - mu_e) / sigma_e + (s - mu_t) / sigma_t) / 2`, where `mu_e`,
    `sigma_e` are the mean and standard deviation of the cosine scores of
    the enrollment embedding against the cohort, and `mu_t`, `sigma_t` the
    same for the test embedding. With `top_n` (adaptive S-norm), only the
    `top_n` highest cohort scores of each side enter its statistics.
    Standard deviations are population ones (ddof=0).

    This is WeSpeaker's `wespeaker/bin/score_norm.py` (`snorm`, and
    `asnorm` with `top_n`): the same formula and statistics, an optional
    `mean_vector` subtracted from the enrollment, test and cohort
    embeddings before the cosine (its `mean_vec_path`), and statistics
    computed once per utterance id when the ids are given. Differences:
    `scores` are passed in (compute them on the same mean-subtracted
    embeddings, as WeSpeaker's score file is); a standard deviation is
    floored at 1e-12 (WeSpeaker divides by zero for a constant cohort
    score); without ids, the statistics are computed per trial (never by
    comparing embeddings for equality).

    Args:
        scores: array-like `(num_trials,)`, the raw trial scores.
        enrollment: array-like `(num_trials, dim)` enrollment embeddings.
        test: array-like `(num_trials, dim)` test embeddings.
        cohort: array-like `(cohort_size, dim)` embeddings of speakers
            outside the trials (for example `speaker_cohort` of the
            training set).
        top_n: int or `None`. Adaptive S-norm with the `top_n` closest
            cohort entries; `None` uses the whole cohort. Defaults to
            `None`.
        mean_vector: array-like `(dim,)` or `None`. Subtracted from every
            embedding (for example the mean training embedding). Defaults
            to `None`.
        enrollment_ids: array-like `(num_trials,)` of utterance ids, or
            `None`. Trials with the same id share the statistics of the
            first one's embedding. Defaults to `None`.
        test_ids: the same for the test side. Defaults to `None`.

    Returns:
        A float64 array `(num_trials,)` of normalized scores.

    Example:

    ```python
    import numpy as np

    from keras_acorl.speaker import cosine_scores
    from keras_acorl.speaker import s_norm

    rng = np.random.default_rng(0)
    enrollment, test = rng.normal(size=(2, 6, 8))
    cohort = rng.normal(size=(20, 8))
    scores = cosine_scores(enrollment, test)
    normalized = s_norm(scores, enrollment, test, cohort, top_n=10)
    ```
    """
    scores = np.asarray(scores, dtype="float64")
    cohort = np.asarray(cohort, dtype="float64")
    if scores.ndim != 1:
        raise ValueError(f"`scores` must be 1-D. Received {scores.shape}.")
    if cohort.ndim != 2 or cohort.shape[0] < 2:
        raise ValueError(
            "`cohort` must be (cohort_size >= 2, dim). Received shape "
            f"{cohort.shape}."
        )
    if top_n is not None:
        if isinstance(top_n, bool) or not isinstance(top_n, (int, np.integer)):
            raise TypeError(
                f"`top_n` must be an int or None. Received {top_n!r}"
            )
        if not 2 <= top_n <= cohort.shape[0]:
            raise ValueError(
                f"`top_n` must be in [2, {cohort.shape[0]}] (the cohort "
                f"size). Received: {top_n}"
            )
    if mean_vector is not None:
        mean_vector = np.asarray(mean_vector, dtype="float64")
        if mean_vector.shape != cohort.shape[1:]:
            raise ValueError(
                f"`mean_vector` must have shape ({cohort.shape[1]},), the "
                f"embedding size. Received shape {mean_vector.shape}."
            )
        cohort = cohort - mean_vector
    cohort = l2_normalize(cohort)
    normalized = np.zeros_like(scores)
    sides = (
        ("enrollment", enrollment, enrollment_ids),
        ("test", test, test_ids),
    )
    for name, side, ids in sides:
        side = np.asarray(side, dtype="float64")
        if side.ndim != 2 or side.shape[0] != scores.shape[0]:
            raise ValueError(
                f"`{name}` must be (num_trials={scores.shape[0]}, dim). "
                f"Received shape {side.shape}."
            )
        if side.shape[1] != cohort.shape[1]:
            raise ValueError(
                f"`{name}` has dimension {side.shape[1]} but `cohort` has "
                f"{cohort.shape[1]}."
            )
        rows, inverse = _distinct_utterances(side, ids, f"{name}_ids")
        if mean_vector is not None:
            rows = rows - mean_vector
        mean, std = _cohort_statistics(rows, cohort, top_n)
        normalized += (scores - mean[inverse]) / std[inverse]
    return normalized / 2


def _distinct_utterances(embeddings, ids, argument):
    """One embedding per utterance id (the first trial's) and each trial's
    row among them; every trial is its own row without ids."""
    if ids is None:
        return embeddings, np.arange(len(embeddings))
    ids = np.asarray(ids)
    if ids.shape != embeddings.shape[:1]:
        raise ValueError(
            f"`{argument}` must have one id per trial "
            f"({embeddings.shape[0]},). Received shape {ids.shape}."
        )
    _, first, inverse = np.unique(ids, return_index=True, return_inverse=True)
    return embeddings[first], inverse.reshape(-1)


def _cohort_statistics(embeddings, cohort, top_n):
    """Mean and std of each embedding's cosine scores against the
    (normalized) cohort, over its `top_n` highest when set."""
    cohort_scores = l2_normalize(embeddings) @ cohort.T
    if top_n is not None:
        cohort_scores = -np.partition(-cohort_scores, top_n - 1, axis=1)
        cohort_scores = cohort_scores[:, :top_n]
    mean = cohort_scores.mean(axis=1)
    std = np.maximum(cohort_scores.std(axis=1), 1e-12)
    return mean, std
