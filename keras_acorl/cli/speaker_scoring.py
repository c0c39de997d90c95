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


# A little L2 for the logistic fusion: without it, development scores that
# separate the classes (the quick corpus has 16 dev trials) are refused.
# Negligible on the full corpus's 2000 dev trials.
FUSION_L2 = 1e-3


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
        with the base model's), `"embeddings"` (model -> `{utt_id ->
        embedding}` of the test utterances; not JSON).
    """
    import numpy as np

    from keras_acorl import FusionEnsemble
    from keras_acorl.analysis import linear_cka
    from keras_acorl.speaker import LogisticScoreFusion
    from keras_acorl.speaker import score_systems
    from keras_acorl.speaker import speaker_encoder
    from keras_acorl.speaker import verification_error_rates

    models = {
        name: speaker_encoder(classifier, name)
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
    # The development trials only serve the logistic fusion of the single
    # models.
    scores, labels, test = score_systems(
        models, data["test"], data["test_trials"]
    )
    dev_scores, dev_labels, _ = score_systems(
        {name: models[name] for name in classifiers},
        data["dev"],
        data["dev_trials"],
    )
    embeddings = {
        name: np.stack([test[name][u] for u in sorted(test[name])])
        for name in (BASE, INDEPENDENT, ALLIANCE)
    }
    for fusion, row in ((TRADITIONAL, TRADITIONAL_LR), (ACORL, ACORL_LR)):
        members = [BASE, _PAIRS[fusion]]
        fusion_model = LogisticScoreFusion(l2=FUSION_L2)
        fusion_model.fit(
            np.stack([dev_scores[m] for m in members], axis=1), dev_labels
        )
        scores[row] = fusion_model.transform(
            np.stack([scores[m] for m in members], axis=1)
        )
    metrics = {
        row: verification_error_rates(scores[row], labels) for row in ROWS
    }
    cka = {
        name: float(linear_cka(embeddings[BASE], embeddings[name]))
        for name in (INDEPENDENT, ALLIANCE)
    }
    return {
        "metrics": metrics,
        "scores": {row: scores[row] for row in ROWS},
        "labels": labels,
        "cka": cka,
        "embeddings": {name: test[name] for name in classifiers},
    }
