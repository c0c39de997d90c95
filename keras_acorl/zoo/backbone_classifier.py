"""Turns any image backbone into a classifier with an `embedding` layer."""

import keras

from keras_acorl.argument_checks import check_functional_model
from keras_acorl.argument_checks import check_positive_int


def backbone_classifier(
    backbone, num_classes, embedding_dim=64, dropout=0.0, name=None
):
    """Wraps a backbone into a classifier that `split_encoder_head` can cut.

    The classifier is `backbone -> (global average pooling if the output is
    a feature map) -> Dense(embedding_dim, relu)` named `"embedding"` `->
    (dropout) -> Dense(num_classes)` named `"logits"`, so
    `split_encoder_head(classifier)` gives the `encoder` and `head` that
    `keras_acorl.ComplementaryModel` takes, and the classifier can be a
    base model with `base_representation="embedding"`. Any functional
    backbone works: keras-hub backbones (`ResNetBackbone`, from arguments
    or `from_preset`), `keras.applications` models with
    `include_top=False`, or your own.

    Args:
        backbone: functional `keras.Model` with one image input, returning a
            feature map `(batch, h, w, c)` or a vector `(batch, c)`.
        num_classes: int. Number of classes (size of the logits).
        embedding_dim: int. Size of the embedding. Defaults to `64`.
        dropout: float in `[0, 1)`. Dropout before the logits. Defaults to
            `0.0` (no dropout layer).
        name: string or None. Name of the classifier. None:
            `"<backbone name>_classifier"`.

    Returns:
        A functional `keras.Model` mapping images to logits.

    Example:

    ```python
    import keras
    from keras_acorl.zoo import backbone_classifier
    from keras_acorl.zoo import split_encoder_head

    inputs = keras.Input(shape=(32, 32, 3))
    features = keras.layers.Conv2D(8, 3, activation="relu")(inputs)
    backbone = keras.Model(inputs, features, name="tiny")
    model = backbone_classifier(backbone, num_classes=5)
    encoder, head = split_encoder_head(model)
    encoder.output_shape  # (None, 64)
    ```
    """
    check_functional_model(backbone, "backbone")
    if len(backbone.inputs) != 1:
        raise ValueError(
            "`backbone` must have one image input. Received a model with "
            f"{len(backbone.inputs)} inputs."
        )
    check_positive_int(num_classes, "num_classes")
    check_positive_int(embedding_dim, "embedding_dim")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(
            f"`dropout` must be in [0, 1). Received: dropout={dropout}"
        )
    inputs = keras.Input(
        shape=tuple(backbone.inputs[0].shape[1:]), name="image"
    )
    x = backbone(inputs)
    if len(x.shape) == 4:
        x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    elif len(x.shape) != 2:
        raise ValueError(
            "`backbone` must return a feature map (batch, h, w, c) or a "
            f"vector (batch, c). Received output shape: {x.shape}"
        )
    x = keras.layers.Dense(embedding_dim, activation="relu", name="embedding")(
        x
    )
    if dropout > 0.0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(
        inputs, outputs, name=name or f"{backbone.name}_classifier"
    )
