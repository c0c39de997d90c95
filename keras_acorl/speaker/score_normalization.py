"""Symmetric score normalization (S-norm) and its adaptive variant."""

import numpy as np

from keras_acorl.speaker.cosine_scoring import l2_normalize


def speaker_cohort(embeddings, speaker_labels):
    """A cohort of one mean embedding per speaker (for `s_norm`).

    Each utterance embedding is L2-normalized, averaged per speaker, and
    the mean is L2-normalized again.

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
    embeddings = l2_normalize(embeddings)
    speaker_labels = np.asarray(speaker_labels)
    if embeddings.ndim != 2 or speaker_labels.shape != embeddings.shape[:1]:
        raise ValueError(
            "`embeddings` must be (num_utterances, dim) and `speaker_labels` "
            f"(num_utterances,). Received shapes {embeddings.shape} and "
            f"{speaker_labels.shape}."
        )
    speakers, inverse = np.unique(speaker_labels, return_inverse=True)
    sums = np.zeros((len(speakers), embeddings.shape[1]))
    np.add.at(sums, inverse, embeddings)
    return l2_normalize(sums)


def s_norm(scores, enrollment, test, cohort, top_n=None):
    """Symmetric normalization (S-norm) of cosine trial scores.

    `s' = ((s - mu_e) / sigma_e + (s - mu_t) / sigma_t) / 2`, where `mu_e`,
    `sigma_e` are the mean and standard deviation of the cosine scores of
    the enrollment embedding against the cohort, and `mu_t`, `sigma_t` the
    same for the test embedding. With `top_n` (adaptive S-norm, as in
    WeSpeaker), only the `top_n` highest cohort scores of each side enter
    its statistics. Standard deviations are population ones (ddof=0).

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
    normalized = np.zeros_like(scores)
    for name, side in (("enrollment", enrollment), ("test", test)):
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
        mean, std = _cohort_statistics(side, cohort, top_n)
        normalized += (scores - mean) / std
    return normalized / 2


def _cohort_statistics(embeddings, cohort, top_n):
    """Mean and std of each embedding's cosine scores against the cohort,
    computed once per distinct embedding."""
    unique, inverse = np.unique(embeddings, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    cohort_scores = l2_normalize(unique) @ l2_normalize(cohort).T
    if top_n is not None:
        cohort_scores = -np.partition(-cohort_scores, top_n - 1, axis=1)
        cohort_scores = cohort_scores[:, :top_n]
    mean = cohort_scores.mean(axis=1)
    std = np.maximum(cohort_scores.std(axis=1), 1e-12)
    return mean[inverse], std[inverse]
