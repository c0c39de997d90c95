"""A speaker encoder with a cosine head, for AAM-softmax training."""

import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.speaker.cosine_classifier import CosineClassifier


def speaker_classifier(encoder, num_speakers, name=None):
    """Puts a `CosineClassifier` on a speaker encoder.

    The classifier reuses the encoder's layers (and weights): training it
    trains the encoder. Its output is the cosine of the embedding with
    each training speaker, for
    `keras_acorl.speaker.AdditiveAngularMarginLoss`. Its layers are the
    encoder's plus a `CosineClassifier` named `"cosine"`, so
    `keras_acorl.zoo.split_encoder_head(classifier)` cuts it back at the
    `"embedding"` layer into `(encoder, head)`, e.g. for
    `keras_acorl.ComplementaryModel(alliance=encoder, head=head, ...)`.
    The speaker embedding of a trained classifier is its `"embedding"`
    layer's output (`base_representation="embedding"`).

    Args:
        encoder: functional `keras.Model` mapping inputs to embeddings
            `(batch, dim)`, e.g. from `thin_resnet_se` or
            `small_ecapa_tdnn`.
        num_speakers: int. Number of training speakers.
        name: string or None. Name of the model; None for
            `"<encoder name>_classifier"`. Defaults to None.

    Returns:
        A functional `keras.Model` mapping the encoder's inputs to cosines
        `(batch, num_speakers)`.

    Example:

    ```python
    import keras
    from keras_acorl.speaker import AdditiveAngularMarginLoss
    from keras_acorl.speaker import small_ecapa_tdnn
    from keras_acorl.speaker import speaker_classifier
    from keras_acorl.zoo import split_encoder_head

    encoder = small_ecapa_tdnn(channels=16, se_channels=4, embedding_dim=32)
    classifier = speaker_classifier(encoder, num_speakers=10)
    classifier.compile(optimizer="adam", loss=AdditiveAngularMarginLoss())
    encoder, head = split_encoder_head(classifier)
    head.output_shape  # (None, 10)
    ```
    """
    if not isinstance(encoder, keras.Model) or not getattr(
        encoder, "inputs", None
    ):
        raise TypeError(
            "`encoder` must be a functional keras.Model (with symbolic "
            f"inputs). Received: {encoder!r}"
        )
    if isinstance(encoder.output, (list, tuple, dict)) or (
        len(encoder.output.shape) != 2
    ):
        raise ValueError(
            "`encoder` must have one output of shape (batch, dim). "
            f"Received outputs {encoder.output}."
        )
    check_positive_int(num_speakers, "num_speakers")
    outputs = CosineClassifier(num_speakers, name="cosine")(encoder.output)
    return keras.Model(
        encoder.input, outputs, name=name or f"{encoder.name}_classifier"
    )


def speaker_encoder(classifier, name=None):
    """The speaker encoder inside a classifier: its inputs to the output of
    its `"embedding"` layer, sharing the classifier's weights.

    Args:
        classifier: a functional `keras.Model` with a layer named
            `"embedding"`, e.g. from `speaker_classifier` (also after
            `keras.saving.load_model`) or `ComplementaryModel.classifier`.
        name: string or None. Name of the encoder; None for the
            classifier's name. Defaults to None.

    Returns:
        A functional `keras.Model` mapping the classifier's inputs to
        embeddings.

    Example:

    ```python
    from keras_acorl.speaker import small_ecapa_tdnn
    from keras_acorl.speaker import speaker_classifier
    from keras_acorl.speaker import speaker_encoder

    encoder = small_ecapa_tdnn(channels=16, se_channels=4, embedding_dim=8)
    classifier = speaker_classifier(encoder, num_speakers=3)
    speaker_encoder(classifier).output_shape  # (None, 8)
    ```
    """
    if not isinstance(classifier, keras.Model):
        raise TypeError(
            f"`classifier` must be a keras.Model. Received: {classifier!r}"
        )
    try:
        embedding = classifier.get_layer("embedding")
    except ValueError:
        raise ValueError(
            "`classifier` must have a layer named 'embedding'. Received a "
            f"model with layers {[layer.name for layer in classifier.layers]}"
        ) from None
    return keras.Model(
        classifier.input, embedding.output, name=name or classifier.name
    )
