"""The models of `keras-acorl reproduce speaker`: a base speaker model, an
independently trained model and an ACoRL alliance, trained on log-mel
crops with the AAM-softmax loss. The settings of a run, mapped onto
`keras_acorl.speaker.train_speaker_classifier` and
`train_speaker_alliance`."""

from keras_acorl.cli import common

# Model names, in table order.
BASE = "base"
INDEPENDENT = "independent"
ALLIANCE = "alliance"


def alliances(objectives, settings):
    """One dict per `(objective, weight or None)` of `objectives`: its
    `"objective"`, `"weight"` (None: the settings' `adversarial_weight`),
    `"name"` (the model's row: the first keeps the plain `ALLIANCE`, the
    others `alliance_<objective>`), `"checkpoint"` (the stored model's
    name: `ALLIANCE` for the default, adversarial at the settings' weight,
    so runs with and without `--objectives` share it; else
    `alliance_<objective>_w<weight>`) and `"default"` (whether it is that
    default alliance)."""
    out = []
    for i, (objective, weight) in enumerate(objectives):
        weight = settings["adversarial_weight"] if weight is None else weight
        default = (objective, weight) == (
            "adversarial",
            settings["adversarial_weight"],
        )
        out.append(
            {
                "objective": objective,
                "weight": float(weight),
                "name": ALLIANCE if i == 0 else f"{ALLIANCE}_{objective}",
                "checkpoint": (
                    ALLIANCE
                    if default
                    else f"{ALLIANCE}_{objective}_w{weight:g}"
                ),
                "default": default,
            }
        )
    return out


def build_encoder(family, settings, seed):
    """A speaker encoder (`features -> embedding`) of `family`:
    `"resnet"` (thin ResNet-SE) or `"ecapa"` (small ECAPA-TDNN)."""
    import keras

    from keras_acorl import speaker

    keras.utils.set_random_seed(seed)
    if family == "resnet":
        return speaker.thin_resnet_se(
            channels=tuple(settings["resnet_channels"]),
            embedding_dim=settings["embedding_dim"],
        )
    return speaker.small_ecapa_tdnn(
        channels=settings["ecapa_channels"],
        embedding_dim=settings["embedding_dim"],
    )


def _compile_kwargs(settings):
    return {
        "learning_rate": settings["learning_rate"],
        "margin": settings["margin"],
        "scale": settings["scale"],
    }


def train_classifier(family, feed, num_speakers, settings, seed, verbose):
    """Trains `encoder + CosineClassifier` on `feed`; returns `(classifier,
    history)` (a plain dict)."""
    from keras_acorl.speaker import train_speaker_classifier

    classifier, history = train_speaker_classifier(
        build_encoder(family, settings, seed),
        feed,
        num_speakers,
        settings["epochs"],
        verbose=2 if verbose else 0,
        **_compile_kwargs(settings),
    )
    return classifier, common.plain_history(history)


def train_alliance(
    base,
    feed,
    num_speakers,
    settings,
    seed,
    verbose,
    objective="adversarial",
    weight=None,
):
    """Trains an ACoRL alliance (ECAPA family) against the frozen `base`
    classifier with the complementarity `objective` at `weight` (None:
    the settings' `adversarial_weight`); returns `(classifier, history)`
    where the classifier is the alliance encoder with its cosine head."""
    from keras_acorl.speaker import train_speaker_alliance

    classifier, history = train_speaker_alliance(
        base,
        build_encoder("ecapa", settings, seed),
        feed,
        num_speakers,
        settings["epochs"],
        adversarial_weight=(
            settings["adversarial_weight"] if weight is None else weight
        ),
        verbose=2 if verbose else 0,
        objective=objective,
        **_compile_kwargs(settings),
    )
    return classifier, common.plain_history(history)
