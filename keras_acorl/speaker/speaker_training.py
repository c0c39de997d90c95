"""Training of speaker models: a classifier, or an ACoRL alliance against
frozen base models, with the AAM-softmax loss."""

import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.speaker.additive_angular_margin_loss import (
    AdditiveAngularMarginLoss,
)
from keras_acorl.speaker.cosine_classifier import CosineClassifier
from keras_acorl.speaker.speaker_classifier import speaker_classifier

# The AAM-softmax logit scale of `compile_speaker_model` (WeSpeaker's).
DEFAULT_SCALE = 30.0


def compile_speaker_model(
    model,
    learning_rate=2e-3,
    decay_steps=None,
    margin=0.2,
    scale=DEFAULT_SCALE,
):
    """Compiles `model` with Adam and `AdditiveAngularMarginLoss`.

    Args:
        model: a `keras.Model` whose output is cosines to the training
            speakers (from `speaker_classifier`, or a
            `keras_acorl.ComplementaryModel` with a `CosineClassifier`
            head).
        learning_rate: float. Initial learning rate. Defaults to `2e-3`.
        decay_steps: int or None. With an int, the learning rate follows a
            cosine decay to 5% of `learning_rate` over that many steps;
            None keeps it constant. Defaults to None.
        margin: float. Angular margin of the loss. Defaults to `0.2`.
        scale: float. Logit scale of the loss. Defaults to `30.0`.

    Example:

    ```python
    from keras_acorl.speaker import compile_speaker_model
    from keras_acorl.speaker import small_ecapa_tdnn
    from keras_acorl.speaker import speaker_classifier

    encoder = small_ecapa_tdnn(channels=16, se_channels=4, embedding_dim=8)
    classifier = speaker_classifier(encoder, num_speakers=3)
    compile_speaker_model(classifier, decay_steps=100)
    ```
    """
    if decay_steps is not None:
        check_positive_int(decay_steps, "decay_steps")
        learning_rate = keras.optimizers.schedules.CosineDecay(
            learning_rate, decay_steps=decay_steps, alpha=0.05
        )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=AdditiveAngularMarginLoss(margin=margin, scale=scale),
    )


def train_speaker_classifier(
    encoder, feed, num_speakers, epochs, verbose=0, **compile_kwargs
):
    """Trains `encoder` with a cosine head on batches of speaker crops.

    Args:
        encoder: functional `keras.Model`, features to embeddings (e.g.
            `thin_resnet_se`, `small_ecapa_tdnn`).
        feed: a `keras.utils.PyDataset` of `(crops, speaker labels)`, e.g.
            a `SpeakerCropDataset`.
        num_speakers: int. Number of training speakers.
        epochs: int. Epochs of training (the learning rate decays over
            all of them).
        verbose: `fit`'s verbosity. Defaults to 0.
        **compile_kwargs: `learning_rate`, `margin`, `scale` of
            `compile_speaker_model`.

    Returns:
        `(classifier, history)`: the trained `speaker_classifier` (its
        `"embedding"` layer gives the speaker embedding) and `fit`'s
        `keras.callbacks.History`.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.speaker import small_ecapa_tdnn
    from keras_acorl.speaker import train_speaker_classifier

    class Crops(keras.utils.PyDataset):  # One batch of 8 crops per epoch.
        def __len__(self):
            return 1

        def __getitem__(self, index):
            crops = np.random.rand(8, 50, 80).astype("float32")
            return crops, np.arange(8) % 2

    encoder = small_ecapa_tdnn(channels=16, se_channels=4, embedding_dim=8)
    classifier, history = train_speaker_classifier(encoder, Crops(), 2, 1)
    ```
    """
    check_positive_int(epochs, "epochs")
    classifier = speaker_classifier(encoder, num_speakers)
    compile_speaker_model(
        classifier, decay_steps=epochs * len(feed), **compile_kwargs
    )
    history = classifier.fit(feed, epochs=epochs, verbose=verbose)
    return classifier, history


def train_speaker_alliance(
    base_models,
    encoder,
    feed,
    num_speakers,
    epochs,
    adversarial_weight=0.5,
    verbose=0,
    objective="adversarial",
    **compile_kwargs,
):
    """Trains `encoder` as an ACoRL alliance against frozen speaker models.

    A `keras_acorl.ComplementaryModel` with a `CosineClassifier` head and
    the AAM-softmax loss, and `gradient_reversal_schedule=DANNRamp()` (its
    length set by `GradientReversalScheduler()`) that ramps the
    complementarity term up. Objectives on representations (the default
    `"adversarial"`: adversaries predict each base model's `"embedding"`
    layer; `"conditional"`, `"independence"`) use the base models'
    `"embedding"` layer; objectives on task outputs (`"ensemble"`,
    `"input_gradient"`) use the base models' outputs, cosines to the same
    training speakers as the alliance's (the base models must be
    classifiers over them). `"ensemble"` fuses the softmax of the cosines
    times the loss's `scale` (`EnsembleObjective(logit_scale=scale)`).

    Args:
        base_models: a trained speaker classifier (with an `"embedding"`
            layer), or a list of them. They are frozen.
        encoder: functional `keras.Model`, features to embeddings: the
            alliance.
        feed: a `keras.utils.PyDataset` of `(crops, speaker labels)`.
        num_speakers: int. Number of training speakers.
        epochs: int. Epochs of training.
        adversarial_weight: float. Weight of the adversarial term.
            Defaults to `0.5`.
        verbose: `fit`'s verbosity. Defaults to 0.
        objective: the complementarity objective: a name of
            `keras_acorl.objectives.OBJECTIVES` or a
            `keras_acorl.objectives.ComplementarityObjective`. Defaults to
            `"adversarial"`.
        **compile_kwargs: `learning_rate`, `margin`, `scale` of
            `compile_speaker_model`.

    Returns:
        `(classifier, history)`: the alliance encoder with its trained
        cosine head (`ComplementaryModel.classifier`) and `fit`'s
        `keras.callbacks.History` (with `adversary_fit_<i>` for the
        adversarial objectives, the objective's own logs otherwise).
    """
    from keras_acorl import ComplementaryModel
    from keras_acorl.callbacks import GradientReversalScheduler
    from keras_acorl.schedules import DANNRamp

    check_positive_int(epochs, "epochs")
    if not isinstance(base_models, (list, tuple)):
        base_models = [base_models]
    objective = speaker_objective(
        objective, compile_kwargs.get("scale", DEFAULT_SCALE)
    )
    representation = (
        "embedding" if objective.base_quantity == "representation" else None
    )
    model = ComplementaryModel(
        base_models=list(base_models),
        alliance=encoder,
        head=CosineClassifier(num_speakers, name="cosine"),
        base_representation=representation,
        objective=objective,
        adversarial_weight=adversarial_weight,
        gradient_reversal_schedule=DANNRamp(),
        name="acorl_speaker",
    )
    compile_speaker_model(
        model, decay_steps=epochs * len(feed), **compile_kwargs
    )
    history = model.fit(
        feed,
        epochs=epochs,
        verbose=verbose,
        callbacks=[GradientReversalScheduler()],
    )
    return model.classifier, history


def speaker_objective(objective, scale):
    """The `ComplementarityObjective` for a speaker alliance: `objective`'s
    (a name or an instance); `"ensemble"` with `logit_scale=scale`, as the
    speaker models output cosines. Refuses an ensemble objective that
    reads the outputs as probabilities."""
    from keras_acorl import objectives

    if isinstance(objective, str) and objective == "ensemble":
        return objectives.EnsembleObjective(logit_scale=scale)
    objective = objectives.get(objective)
    if isinstance(objective, objectives.EnsembleObjective) and not (
        objective.from_logits
    ):
        raise ValueError(
            "objective=EnsembleObjective(from_logits=False) cannot apply to "
            "speaker models: their outputs are cosines in [-1, 1], not "
            "probabilities. Use from_logits=True with logit_scale set to "
            f"the loss's scale ({scale}), or objective='ensemble'. "
            f"Received: objective={objective!r}"
        )
    return objective
