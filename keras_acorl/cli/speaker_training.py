"""The models of `keras-acorl reproduce speaker`: a base speaker model, an
independently trained model and an ACoRL alliance, trained on log-mel
crops with the AAM-softmax loss."""

from keras_acorl.cli import common

# Model names, in table order.
BASE = "base"
INDEPENDENT = "independent"
ALLIANCE = "alliance"


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


def _compile(model, settings, steps):
    import keras

    from keras_acorl.speaker import AdditiveAngularMarginLoss

    schedule = keras.optimizers.schedules.CosineDecay(
        settings["learning_rate"], decay_steps=steps, alpha=0.05
    )
    model.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=AdditiveAngularMarginLoss(
            margin=settings["margin"], scale=settings["scale"]
        ),
    )


def train_classifier(family, feed, num_speakers, settings, seed, verbose):
    """Trains `encoder + CosineClassifier` on `feed`; returns `(classifier,
    history)`."""
    from keras_acorl import speaker

    classifier = speaker.speaker_classifier(
        build_encoder(family, settings, seed), num_speakers
    )
    _compile(classifier, settings, settings["epochs"] * len(feed))
    history = classifier.fit(
        feed, epochs=settings["epochs"], verbose=2 if verbose else 0
    )
    return classifier, common.plain_history(history)


def train_alliance(base, feed, num_speakers, settings, seed, verbose):
    """Trains an ACoRL alliance (ECAPA family) against the frozen `base`
    classifier's embedding; returns `(classifier, history)` where the
    classifier is the alliance encoder with its cosine head."""
    from keras_acorl import ComplementaryModel
    from keras_acorl.callbacks import GradientReversalScheduler
    from keras_acorl.schedules import DANNRamp
    from keras_acorl.speaker import CosineClassifier

    encoder = build_encoder("ecapa", settings, seed)
    model = ComplementaryModel(
        base_models=[base],
        alliance=encoder,
        head=CosineClassifier(num_speakers, name="cosine"),
        base_representation="embedding",
        adversarial_weight=settings["adversarial_weight"],
        gradient_reversal_schedule=DANNRamp(),
        name="acorl_speaker",
    )
    _compile(model, settings, settings["epochs"] * len(feed))
    history = model.fit(
        feed,
        epochs=settings["epochs"],
        verbose=2 if verbose else 0,
        callbacks=[GradientReversalScheduler()],
    )
    return model.classifier, common.plain_history(history)
