"""A small convolutional classifier for small images (MNIST, 8x8 digits)."""

import keras


def _check_positive_int(value, argument):
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(
            f"`{argument}` must be a positive int. Received: "
            f"{argument}={value!r}"
        )


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
    _check_positive_int(num_classes, "num_classes")
    _check_positive_int(width, "width")
    _check_positive_int(embedding_dim, "embedding_dim")
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


def split_encoder_head(model, representation="embedding"):
    """Splits a functional model at a layer into an encoder and a head.

    The encoder maps the model's inputs to the output of the
    `representation` layer; the head maps that representation to the
    model's outputs. Both share the model's layers (and weights): training
    one trains the model.

    The head is built by replaying the layers after `representation` on a
    new input, so the part of the model after the cut must be a chain of
    single-input layers (as in `small_cnn`).

    Args:
        model: functional `keras.Model`, e.g. from `small_cnn`.
        representation: string. Name of the layer to cut at. Defaults to
            `"embedding"`.

    Returns:
        `(encoder, head)`, two `keras.Model`s.

    Example:

    ```python
    from keras_acorl.zoo import small_cnn
    from keras_acorl.zoo import split_encoder_head

    model = small_cnn((28, 28, 1), num_classes=10)
    encoder, head = split_encoder_head(model)
    encoder.output_shape  # (None, 64)
    head.output_shape  # (None, 10)
    ```
    """
    if not isinstance(model, keras.Model) or not getattr(model, "inputs", None):
        raise ValueError(
            "`model` must be a functional keras.Model (with symbolic "
            f"inputs). Received: {model!r}"
        )
    names = [layer.name for layer in model.layers]
    if representation not in names:
        raise ValueError(
            f"`representation` names layer '{representation}', which model "
            f"'{model.name}' does not have. Available layers: {names}"
        )
    cut = model.get_layer(representation)
    encoder = keras.Model(model.input, cut.output, name=f"{model.name}_encoder")

    # Replay the chain of layers from the cut to the output.
    chain = []
    tensor = model.output
    while tensor is not cut.output:
        history = tensor._keras_history
        layer = history.operation
        node = layer._inbound_nodes[history.node_index]
        parents = node.input_tensors
        if isinstance(layer, keras.layers.InputLayer):
            raise ValueError(
                f"Layer '{representation}' of model '{model.name}' is not on "
                "the path from the inputs to the output."
            )
        if len(parents) != 1:
            raise ValueError(
                f"The layers after '{representation}' in model "
                f"'{model.name}' must form a chain of single-input layers "
                f"to build a head. Layer '{layer.name}' has "
                f"{len(parents)} inputs."
            )
        chain.append(layer)
        tensor = parents[0]
    head_input = keras.Input(shape=tuple(cut.output.shape[1:]), name="z")
    x = head_input
    for layer in reversed(chain):
        x = layer(x)
    head = keras.Model(head_input, x, name=f"{model.name}_head")
    return encoder, head
