"""Embeddings of whole utterances from a speaker encoder."""

import numpy as np

from keras_acorl import argument_checks


def embed_utterances(
    encoder, corpus, utt_ids=None, batch_size=64, bucket_length=100
):
    """Embeds whole utterances with a speaker encoder.

    Utterances (waveforms or feature matrices, from `corpus.load`) are
    grouped by length: each is repeated end to end up to the next multiple
    of `bucket_length` rows, so a model with a variable time axis sees a
    few shapes only (one compilation each on JAX and TensorFlow) and every
    utterance is used whole. Each utterance is embedded on its own row, so
    its embedding never depends on the others in the batch.

    Args:
        encoder: `keras.Model` mapping a batch of utterances to embeddings
            `(batch, dim)`, or to a dict of them.
        corpus: object with `utterances` and `load(utt_id)`, such as a
            `keras_acorl.speaker.VoxCelebCorpus` (waveforms) or
            `LogMelCorpus` (features).
        utt_ids: list of utterance ids, or None for all of the corpus'.
        batch_size: int. Defaults to `64`.
        bucket_length: int. Length granularity in samples or frames.
            Defaults to `100` (1 s of 10 ms frames).

    Returns:
        dict `utt_id -> float32 embedding`, for
        `keras_acorl.speaker.score_trials`; for an encoder with a dict of
        outputs (several encoders in one model, one pass), a dict
        `output name -> {utt_id -> embedding}`.

    Example:

    ```python
    import keras
    import numpy as np

    from keras_acorl.speaker import embed_utterances

    class Utterances:
        utterances = ["a/s/1.wav", "b/s/1.wav"]

        def load(self, utt_id):
            frames = 120 if utt_id.startswith("a") else 230
            return np.random.rand(frames, 8).astype("float32")

    inputs = keras.Input(shape=(None, 8))
    outputs = keras.layers.GlobalAveragePooling1D()(
        keras.layers.Dense(4)(inputs)
    )
    embeddings = embed_utterances(keras.Model(inputs, outputs), Utterances())
    embeddings["a/s/1.wav"].shape  # (4,)
    ```
    """
    argument_checks.check_positive_int(batch_size, "batch_size")
    argument_checks.check_positive_int(bucket_length, "bucket_length")
    if utt_ids is None:
        utt_ids = list(corpus.utterances)
    buckets = {}
    for utt_id in utt_ids:
        data = np.asarray(corpus.load(utt_id), dtype="float32")
        if data.shape[0] == 0:
            raise ValueError(f"Utterance '{utt_id}' is empty.")
        length = -(-data.shape[0] // bucket_length) * bucket_length
        repeats = -(-length // data.shape[0])
        padded = np.concatenate([data] * repeats, axis=0)[:length]
        buckets.setdefault(length, []).append((utt_id, padded))
    embeddings = {}
    for length in sorted(buckets):
        ids, rows = zip(*buckets[length])
        size = min(batch_size, len(rows))
        # Whole batches only (rows repeated at the end, outputs dropped):
        # one batch shape per bucket, so one compilation.
        padded_rows = -(-len(rows) // size) * size
        batch = np.stack(rows + rows[: padded_rows - len(rows)])
        outputs = encoder.predict(batch, batch_size=size, verbose=0)
        if isinstance(outputs, dict):
            for name, vectors in outputs.items():
                found = embeddings.setdefault(name, {})
                for utt_id, vector in zip(ids, np.asarray(vectors)):
                    found[utt_id] = vector.astype("float32")
        else:
            for utt_id, vector in zip(ids, np.asarray(outputs)):
                embeddings[utt_id] = vector.astype("float32")
    return embeddings
