"""The complementarity measures of the `reproduce speaker` report, on tiny
embedding models (the end-to-end run is in test_cli_reproduce_speaker)."""

import keras
import numpy as np
import pytest

from keras_acorl.cli import complementarity_section
from keras_acorl.cli import speaker_complementarity
from keras_acorl.speaker import embed_utterances
from keras_acorl.speaker import score_trials
from keras_acorl.speaker import speaker_encoder

MELS = 6


class _Corpus:
    utterances = [f"s{s}/v/{u}.wav" for s in range(3) for u in range(3)]

    def load(self, utt_id):
        seed = self.utterances.index(utt_id)
        frames = 14 + 3 * seed  # some shorter than the crop
        rng = np.random.default_rng(seed)
        return rng.normal(size=(frames, MELS)).astype("float32")


def _classifier(seed):
    keras.utils.set_random_seed(seed)
    inputs = keras.Input((None, MELS))
    x = keras.layers.Dense(5, activation="tanh")(inputs)
    x = keras.layers.GlobalAveragePooling1D(name="embedding")(x)
    return keras.Model(inputs, keras.layers.Dense(3)(x))


def test_measure_compares_embeddings_decisions_and_time_frequency_maps():
    corpus = _Corpus()
    base = _classifier(0)
    twin = _classifier(0)  # the same weights: identical in every measure
    other = _classifier(1)
    classifiers = {"base": base, "independent": twin, "alliance": other}
    utts = corpus.utterances
    trials = [
        (1, utts[3 * s], utts[3 * s + u]) for s in range(3) for u in (1, 2)
    ]
    trials += [
        (0, utts[0], utts[3]),
        (0, utts[1], utts[7]),
        (0, utts[4], utts[8]),
    ]
    embeddings, scores = {}, {}
    for name, classifier in classifiers.items():
        embeddings[name] = embed_utterances(
            speaker_encoder(classifier), corpus, bucket_length=10
        )
        scores[name], labels = score_trials(trials, embeddings[name])
    result = {"scores": scores, "labels": labels, "embeddings": embeddings}
    data = {"test": corpus, "test_trials": trials}

    out = speaker_complementarity.measure(
        classifiers, data, result, frames=20, quick=True
    )
    assert "embeddings" not in result  # popped: not JSON
    comparison = out[complementarity_section.KEY]
    twins = comparison["pairs"]["base|independent"]
    assert comparison["linear_cka"][0][1] == pytest.approx(1.0, abs=1e-5)
    assert twins["disagreement"] == 0.0
    assert twins["integrated_gradients_rank_correlation"] == pytest.approx(1.0)
    assert twins["integrated_gradients_top_k_iou"] == pytest.approx(1.0)
    assert comparison["linear_cka"][0][2] < 0.999
    assert comparison["attribution_samples"] == 4  # quick: 4 target trials

    # Diversity of the decisions at each model's EER threshold, by hand.
    accept = {
        name: speaker_complementarity.decisions(scores[name], labels)
        for name in ("base", "alliance")
    }
    wrong = {name: accept[name] != labels for name in accept}
    pair = comparison["pairs"]["base|alliance"]
    assert pair["double_fault"] == pytest.approx(
        np.mean(wrong["base"] & wrong["alliance"])
    )
    assert pair["disagreement"] == pytest.approx(
        np.mean(accept["base"] != accept["alliance"])
    )
    rank = pair["integrated_gradients_rank_correlation"]
    assert -1.0 <= rank < 0.999

    # The grid: 4 target trials, maps as (mels, frames) pictures.
    grid = out[complementarity_section.GRID_KEY]
    assert grid["images"].shape == (4, MELS, 20)
    assert grid["maps"]["alliance"].shape == (4, MELS, 20)
    assert np.all(grid["labels"] == 1)
    np.testing.assert_allclose(
        grid["maps"]["base"], grid["maps"]["independent"], rtol=1e-5
    )
    # Crops: an utterance shorter than the crop is repeated end to end.
    crop = speaker_complementarity.crops(corpus, [utts[0]], 20)[0]
    np.testing.assert_array_equal(crop[14:], corpus.load(utts[0])[:6])
