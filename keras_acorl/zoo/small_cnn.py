"""A small convolutional classifier for small images (MNIST, 8x8 digits)."""

import keras

from keras_acorl.argument_checks import check_positive_int


def small_cnn(
    input_shape,
    num_classes,
    width=16,
    embedding_dim=64,
    dropout=0.0,
    name="small_cnn",
):
    """A small Conv-BN-ReLU classifier with a named embedding layer.

    Three blocks of `Conv2D -> BatchNormalization -> ReLU` (with `width`,
    `2 * width` and `4 * width` filters; the first two followed by a 2x2
    max pooling while the feature map stays at least 4x4), global average
    pooling, `Dense(embedding_dim, relu)` named `"embedding"`, optional
    dropout and `Dense(num_classes)` named `"logits"`. The output is logits,
    so compile with `from_logits=True`.

    The `"embedding"` layer is the representation that ACoRL base models
    expose (`base_representation="embedding"`) and that
    `split_encoder_head` cuts at.

    Args:
        input_shape: tuple `(height, width, channels)`.
        num_classes: int. Number of classes (size of the logits).
        width: int. Filters of the first block. Defaults to `16`.
        embedding_dim: int. Size of the embedding. Defaults to `64`.
        dropout: float in `[0, 1)`. Dropout rate before the logits.
            Defaults to `0.0` (no dropout layer).
        name: string. Name of the model. Defaults to `"small_cnn"`.

    Returns:
        A functional `keras.Model` mapping images to logits.

    Example:

    ```python
    import keras
    from keras_acorl.zoo import small_cnn

    model = small_cnn((28, 28, 1), num_classes=10, width=8)
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    ```
    """
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            "`input_shape` must be (height, width, channels). "
            f"Received: input_shape={input_shape}"
        )
    check_positive_int(num_classes, "num_classes")
    check_positive_int(width, "width")
    check_positive_int(embedding_dim, "embedding_dim")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(
            f"`dropout` must be in [0, 1). Received: dropout={dropout}"
        )

    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    # Pool only while the feature map stays at least 4x4.
    size = None if None in input_shape[:2] else min(input_shape[:2])
    for i, filters in enumerate((width, 2 * width, 4 * width)):
        x = keras.layers.Conv2D(
            filters, 3, padding="same", use_bias=False, name=f"conv_{i}"
        )(x)
        # Momentum 0.9 (Keras: 0.99): the moving statistics settle within
        # the few hundred steps small datasets give.
        x = keras.layers.BatchNormalization(momentum=0.9, name=f"bn_{i}")(x)
        x = keras.layers.ReLU(name=f"relu_{i}")(x)
        if i < 2 and (size is None or size >= 8):
            x = keras.layers.MaxPooling2D(2, name=f"pool_{i}")(x)
            size = None if size is None else size // 2
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    x = keras.layers.Dense(embedding_dim, activation="relu", name="embedding")(
        x
    )
    if dropout > 0.0:
        x = keras.layers.Dropout(dropout, name="dropout")(x)
    outputs = keras.layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name=name)
