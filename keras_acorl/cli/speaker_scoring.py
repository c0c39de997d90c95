"""Scoring of `keras-acorl reproduce speaker`: single models, embedding
fusion (`FusionEnsemble`) and logistic-regression score fusion."""

from keras_acorl.cli.speaker_training import ALLIANCE
from keras_acorl.cli.speaker_training import BASE
from keras_acorl.cli.speaker_training import INDEPENDENT

TRADITIONAL = "traditional_fusion"
ACORL = "acorl_fusion"
TRADITIONAL_LR = "traditional_fusion_lr"
ACORL_LR = "acorl_fusion_lr"

# Table rows, in order, with their descriptions.
ROWS = {
    BASE: "base (thin ResNet-SE)",
    INDEPENDENT: "independent (small ECAPA-TDNN)",
    ALLIANCE: "ACoRL alliance (small ECAPA-TDNN)",
    TRADITIONAL: "traditional fusion (base + independent)",
    ACORL: "ACoRL fusion (base + alliance)",
    TRADITIONAL_LR: "traditional fusion, logistic (dev-fitted)",
    ACORL_LR: "ACoRL fusion, logistic (dev-fitted)",
}
_PAIRS = {TRADITIONAL: INDEPENDENT, ACORL: ALLIANCE}


def evaluate(classifiers, data):
    """Scores every model and fusion on the test trials.

    Args:
        classifiers: dict name -> trained speaker classifier (with an
            `"embedding"` layer) for `BASE`, `INDEPENDENT`, `ALLIANCE`.
        data: dict with `LogMelCorpus`es `"dev"`, `"test"` and trial lists
            `"dev_trials"`, `"test_trials"`.

    Returns:
        dict: `"metrics"` (row -> `{"eer", "min_dcf_0.01",
        "min_dcf_0.05"}`), `"scores"` (row -> test scores), `"labels"`
        (test labels), `"cka"` (model -> linear CKA of its test embeddings
        with the base model's).
    """
    import keras
    import numpy as np

    from keras_acorl import FusionEnsemble
    from keras_acorl.analysis import linear_cka
    from keras_acorl.speaker import LogisticScoreFusion
    from keras_acorl.speaker import embed_utterances
    from keras_acorl.speaker import score_trials

    models = {
        name: _embedding_model(classifier, name)
        for name, classifier in classifiers.items()
    }
    for fusion, other in _PAIRS.items():
        models[fusion] = FusionEnsemble(
            [classifiers[BASE], classifiers[other]],
            method="concat",
            member_representations="embedding",
            normalize_representations=True,
            head="identity",
            name=fusion,
        )
    # The models in one multi-output model: one pass (and compilation)
    # per utterance length. The development trials only serve the
    # logistic fusion of the single models.
    inputs = keras.Input(shape=classifiers[BASE].input.shape[1:])

    def together(names):
        return keras.Model(
            inputs, {name: models[name](inputs) for name in names}
        )

    test = embed_utterances(together(list(models)), data["test"])
    dev = embed_utterances(together(list(classifiers)), data["dev"])
    scores, dev_scores, embeddings = {}, {}, {}
    for name in models:
        scores[name], labels = score_trials(data["test_trials"], test[name])
        embeddings[name] = np.stack([test[name][u] for u in sorted(test[name])])
    for name in classifiers:
        dev_scores[name], dev_labels = score_trials(
            data["dev_trials"], dev[name]
        )
    for fusion, row in ((TRADITIONAL, TRADITIONAL_LR), (ACORL, ACORL_LR)):
        members = [BASE, _PAIRS[fusion]]
        fusion_model = LogisticScoreFusion()
        fusion_model.fit(
            np.stack([dev_scores[m] for m in members], axis=1), dev_labels
        )
        scores[row] = fusion_model.transform(
            np.stack([scores[m] for m in members], axis=1)
        )
    metrics = {row: verification_metrics(scores[row], labels) for row in ROWS}
    cka = {
        name: float(linear_cka(embeddings[BASE], embeddings[name]))
        for name in (INDEPENDENT, ALLIANCE)
    }
    return {
        "metrics": metrics,
        "scores": {row: scores[row] for row in ROWS},
        "labels": labels,
        "cka": cka,
    }


def verification_metrics(scores, labels):
    """EER and minDCF (p_target 0.01 and 0.05) of one score list."""
    from keras_acorl.speaker import equal_error_rate
    from keras_acorl.speaker import min_dcf

    return {
        "eer": float(equal_error_rate(scores, labels)[0]),
        "min_dcf_0.01": float(min_dcf(scores, labels, p_target=0.01)[0]),
        "min_dcf_0.05": float(min_dcf(scores, labels, p_target=0.05)[0]),
    }


def _embedding_model(classifier, name):
    import keras

    return keras.Model(
        classifier.input, classifier.get_layer("embedding").output, name=name
    )
