"""Cosine scoring of verification trials from speaker embeddings."""

import numpy as np


def cosine_scores(enrollment, test):
    """Row-wise cosine similarity of two embedding matrices.

    Args:
        enrollment: array-like `(num_trials, dim)`.
        test: array-like `(num_trials, dim)`.

    Returns:
        A float64 array `(num_trials,)` in [-1, 1].

    Example:

    ```python
    from keras_acorl.speaker import cosine_scores

    cosine_scores([[1.0, 0.0], [1.0, 1.0]], [[2.0, 0.0], [-1.0, -1.0]])
    # array([ 1., -1.])
    ```
    """
    enrollment = _as_matrix(enrollment, "enrollment")
    test = _as_matrix(test, "test")
    if enrollment.shape != test.shape:
        raise ValueError(
            "`enrollment` and `test` must have the same shape. Received "
            f"{enrollment.shape} and {test.shape}."
        )
    return np.sum(l2_normalize(enrollment) * l2_normalize(test), axis=-1)


def l2_normalize(embeddings, epsilon=1e-12):
    """Scales each row (last axis) to unit L2 norm (zero rows stay zero).

    Args:
        embeddings: array-like `(..., dim)`.
        epsilon: float, the smallest norm divided by.

    Returns:
        A float64 array of the same shape.

    Example:

    ```python
    from keras_acorl.speaker import l2_normalize

    l2_normalize([[3.0, 4.0]])  # array([[0.6, 0.8]])
    ```
    """
    embeddings = np.asarray(embeddings, dtype="float64")
    norms = np.linalg.norm(embeddings, axis=-1, keepdims=True)
    return embeddings / np.maximum(norms, epsilon)


def trial_embeddings(trials, embeddings):
    """The enrollment and test embeddings of each trial.

    Args:
        trials: list of `(label, enrollment_id, test_id)` (as returned by
            `read_trial_list`).
        embeddings: a dict `utt_id -> vector`, or a pair
            `(utt_ids, matrix)` with one matrix row per id.

    Returns:
        `(enrollment, test, labels)`: two float64 arrays `(num_trials, dim)`
        and an int64 array `(num_trials,)`.

    Raises:
        ValueError: an utterance of the trials has no embedding (the message
            names it), or the trial list is empty.

    Example:

    ```python
    from keras_acorl.speaker import trial_embeddings

    embeddings = {"a.wav": [1.0, 0.0], "b.wav": [0.0, 1.0]}
    enrollment, test, labels = trial_embeddings(
        [(0, "a.wav", "b.wav")], embeddings
    )
    ```
    """
    lookup, matrix = _lookup(embeddings)
    if len(trials) == 0:
        raise ValueError("`trials` is empty.")
    rows = []
    for side in (1, 2):
        indices = []
        for number, trial in enumerate(trials):
            utt_id = trial[side]
            if utt_id not in lookup:
                raise ValueError(
                    f"`embeddings` has no entry for utterance {utt_id!r} "
                    f"(trial {number}: {trial!r})."
                )
            indices.append(lookup[utt_id])
        rows.append(matrix[np.asarray(indices)])
    labels = np.asarray([int(t[0]) for t in trials], dtype="int64")
    return rows[0], rows[1], labels


def score_trials(trials, embeddings):
    """Cosine scores of a trial list.

    Args:
        trials: list of `(label, enrollment_id, test_id)`.
        embeddings: a dict `utt_id -> vector`, or `(utt_ids, matrix)`.

    Returns:
        `(scores, labels)`: float64 and int64 arrays `(num_trials,)`.

    Example:

    ```python
    from keras_acorl.speaker import equal_error_rate
    from keras_acorl.speaker import score_trials

    embeddings = {"a": [1.0, 0.1], "b": [0.9, 0.0], "c": [0.0, 1.0]}
    trials = [(1, "a", "b"), (0, "a", "c"), (0, "b", "c")]
    scores, labels = score_trials(trials, embeddings)
    eer, threshold = equal_error_rate(scores, labels)  # 0.0
    ```
    """
    enrollment, test, labels = trial_embeddings(trials, embeddings)
    return cosine_scores(enrollment, test), labels


def _lookup(embeddings):
    """`({utt_id: row}, matrix)` from a dict or an `(ids, matrix)` pair."""
    if isinstance(embeddings, dict):
        ids = list(embeddings)
        if not ids:
            raise ValueError("`embeddings` is empty.")
        matrix = np.stack(
            [np.asarray(embeddings[i], dtype="float64").ravel() for i in ids]
        )
        matrix = _as_matrix(matrix, "embeddings")
    elif isinstance(embeddings, (tuple, list)) and len(embeddings) == 2:
        ids = list(embeddings[0])
        matrix = _as_matrix(embeddings[1], "embeddings[1]")
        if len(ids) != matrix.shape[0]:
            raise ValueError(
                f"`embeddings`: {len(ids)} ids but {matrix.shape[0]} rows."
            )
    else:
        raise TypeError(
            "`embeddings` must be a dict utt_id -> vector or a pair "
            f"(utt_ids, matrix). Received: {type(embeddings).__name__}"
        )
    return {utt_id: i for i, utt_id in enumerate(ids)}, matrix


def _as_matrix(value, argument):
    value = np.asarray(value, dtype="float64")
    if value.ndim != 2:
        raise ValueError(
            f"`{argument}` must be 2-D (count, dim). Received shape "
            f"{value.shape}."
        )
    if not np.all(np.isfinite(value)):
        bad = int(np.sum(~np.all(np.isfinite(value), axis=-1)))
        raise ValueError(
            f"`{argument}` contains NaN or infinite values ({bad} row(s)); "
            "check the model that produced the embeddings."
        )
    return value
