"""Scoring of trial lists by several speaker-verification systems at once."""

import keras

from keras_acorl.speaker.cosine_scoring import score_trials
from keras_acorl.speaker.utterance_embeddings import embed_utterances


def score_systems(encoders, corpus, trials, **embed_kwargs):
    """Cosine scores of `trials` for every encoder, from one pass.

    The encoders are put side by side in one multi-output model, so each
    utterance length is compiled (and each utterance loaded) once for all
    of them; see `embed_utterances`.

    Args:
        encoders: dict `name -> keras.Model` mapping utterances (all with
            the same input shape) to embeddings `(batch, dim)`, e.g.
            `speaker_encoder(classifier)` or a
            `keras_acorl.FusionEnsemble(..., head="identity")`.
        corpus: object with `utterances` and `load(utt_id)`, e.g. a
            `LogMelCorpus` of the trial speakers.
        trials: list of `(label, enrollment_id, test_id)`, e.g. from
            `read_trial_list`.
        **embed_kwargs: `batch_size`, `bucket_length` of
            `embed_utterances`.

    Returns:
        `(scores, labels, embeddings)`: dict `name -> float64 scores
        (num_trials,)`, the int labels `(num_trials,)` and dict
        `name -> {utt_id -> embedding}` of every utterance of `corpus`.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.speaker import score_systems

    class Utterances:
        utterances = ["a/s/1.wav", "a/s/2.wav", "b/s/1.wav"]

        def load(self, utt_id):
            return np.random.rand(120, 8).astype("float32")

    def encoder(units):
        inputs = keras.Input(shape=(None, 8))
        x = keras.layers.Dense(units)(inputs)
        return keras.Model(inputs, keras.layers.GlobalAveragePooling1D()(x))

    trials = [(1, "a/s/1.wav", "a/s/2.wav"), (0, "a/s/1.wav", "b/s/1.wav")]
    scores, labels, _ = score_systems(
        {"small": encoder(4), "large": encoder(16)}, Utterances(), trials
    )
    scores["large"].shape  # (2,)
    ```
    """
    if not isinstance(encoders, dict) or not encoders:
        raise TypeError(
            "`encoders` must be a non-empty dict name -> keras.Model. "
            f"Received: {encoders!r}"
        )
    if len(trials) == 0:
        raise ValueError(
            "`trials` is empty: nothing to score. Pass a list of "
            "(label, enrollment_id, test_id), e.g. from read_trial_list."
        )
    shapes = {name: _input_shape(model) for name, model in encoders.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError(
            "Every encoder in `encoders` must take the same input shape. "
            f"Received: {shapes}"
        )
    inputs = keras.Input(shape=next(iter(shapes.values())))
    together = keras.Model(
        inputs, {name: model(inputs) for name, model in encoders.items()}
    )
    embeddings = embed_utterances(together, corpus, **embed_kwargs)
    scores = {}
    for name in encoders:
        scores[name], labels = score_trials(trials, embeddings[name])
    return scores, labels, embeddings


def _input_shape(model):
    """Input shape without the batch axis; subclassed composite models
    (e.g. `FusionEnsemble`) give theirs through `export_inputs()`."""
    inputs = getattr(model, "inputs", None) or None
    if inputs is None and hasattr(model, "export_inputs"):
        inputs = model.export_inputs()
    if inputs is None:
        raise ValueError(
            f"`encoders`: model '{model.name}' has no known input shape; "
            "build it on a `keras.Input` first."
        )
    tensor = inputs[0] if isinstance(inputs, (list, tuple)) else inputs
    return tuple(tensor.shape[1:])
