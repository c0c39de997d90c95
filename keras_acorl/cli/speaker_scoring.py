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
ECAPA = "(small ECAPA-TDNN)"


def fusion_names(alliance):
    """`(embedding fusion row, logistic fusion row)` of the alliance row
    `alliance` (`alliance` -> `acorl_fusion`, `acorl_fusion_lr`;
    `alliance_<objective>` -> `acorl_fusion_<objective>`, ...)."""
    suffix = alliance[len(ALLIANCE) :]
    return ACORL + suffix, ACORL_LR + suffix


def rows(alliances=None):
    """The table rows `{row: description}` in order, for the alliances of
    `speaker_training.alliances` (None: the default alliance, `ROWS`)."""
    if alliances is None:
        return dict(ROWS)
    models, fusions, logistic = {}, {}, {}
    for alliance in alliances:
        name = alliance["name"]
        label = (
            ""
            if alliance["default"]
            else f", {alliance['objective']} {alliance['weight']:g}"
        )
        fusion, fusion_lr = fusion_names(name)
        models[name] = f"ACoRL alliance{label} {ECAPA}"
        fusions[fusion] = f"ACoRL fusion{label} (base + alliance)"
        logistic[fusion_lr] = f"ACoRL fusion{label}, logistic (dev-fitted)"
    return {
        BASE: ROWS[BASE],
        INDEPENDENT: ROWS[INDEPENDENT],
        **models,
        TRADITIONAL: ROWS[TRADITIONAL],
        **fusions,
        TRADITIONAL_LR: ROWS[TRADITIONAL_LR],
        **logistic,
    }


# A little L2 for the logistic fusion: without it, development scores that
# separate the classes (the quick corpus has 16 dev trials) are refused.
# Negligible on the full corpus's 2000 dev trials.
FUSION_L2 = 1e-3


def evaluate(classifiers, data, alliances=None):
    """Scores every model and fusion on the test trials.

    Args:
        classifiers: dict name -> trained speaker classifier (with an
            `"embedding"` layer) for `BASE`, `INDEPENDENT` and each
            alliance.
        data: dict with `LogMelCorpus`es `"dev"`, `"test"` and trial lists
            `"dev_trials"`, `"test_trials"`.
        alliances: `speaker_training.alliances`' list, or None (one
            alliance, `ALLIANCE`).

    Returns:
        dict: `"metrics"` (row -> `{"eer", "min_dcf_0.01",
        "min_dcf_0.05"}`), `"scores"` (row -> test scores), `"labels"`
        (test labels), `"cka"` (model -> linear CKA of its test embeddings
        with the base model's), `"both_wrong"` (model -> fraction of the
        test trials it and the base both decide wrongly, each accepting
        at its own EER threshold), `"embeddings"` (model -> `{utt_id ->
        embedding}` of the test utterances; not JSON).
    """
    import numpy as np

    from keras_acorl import FusionEnsemble
    from keras_acorl.analysis import linear_cka
    from keras_acorl.cli.speaker_complementarity import decisions
    from keras_acorl.speaker import LogisticScoreFusion
    from keras_acorl.speaker import score_systems
    from keras_acorl.speaker import speaker_encoder
    from keras_acorl.speaker import verification_error_rates

    table = rows(alliances)
    partners = [INDEPENDENT] + [
        a["name"] for a in alliances or [{"name": ALLIANCE}]
    ]
    pairs = {TRADITIONAL: (INDEPENDENT, TRADITIONAL_LR)}
    for name in partners[1:]:
        fusion, fusion_lr = fusion_names(name)
        pairs[fusion] = (name, fusion_lr)
    models = {
        name: speaker_encoder(classifier, name)
        for name, classifier in classifiers.items()
    }
    for fusion, (other, _) in pairs.items():
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
        for name in [BASE, *partners]
    }
    for other, row in pairs.values():
        members = [BASE, other]
        fusion_model = LogisticScoreFusion(l2=FUSION_L2)
        fusion_model.fit(
            np.stack([dev_scores[m] for m in members], axis=1), dev_labels
        )
        scores[row] = fusion_model.transform(
            np.stack([scores[m] for m in members], axis=1)
        )
    metrics = {
        row: verification_error_rates(scores[row], labels) for row in table
    }
    cka = {
        name: float(linear_cka(embeddings[BASE], embeddings[name]))
        for name in partners
    }
    wrong = {
        name: decisions(scores[name], labels) != labels
        for name in [BASE, *partners]
    }
    both_wrong = {
        name: float(np.mean(wrong[BASE] & wrong[name])) for name in partners
    }
    return {
        "metrics": metrics,
        "scores": {row: scores[row] for row in table},
        "labels": labels,
        "cka": cka,
        "both_wrong": both_wrong,
        "embeddings": {name: test[name] for name in classifiers},
    }
