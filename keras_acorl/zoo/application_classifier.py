"""A `keras.applications` model, untrained, as a small classifier."""

import keras

from keras_acorl.zoo.backbone_classifier import backbone_classifier

# keras.applications refuses inputs smaller than this.
_MIN_SIZE = 32


def application_classifier(
    architecture,
    input_shape,
    num_classes,
    embedding_dim=64,
    name=None,
    **application_kwargs,
):
    """A `keras.applications` architecture with `weights=None`, as a
    classifier with an `"embedding"` layer.

    The application is built with `include_top=False`, `pooling="avg"` and
    no pre-trained weights (offline), then wrapped by
    `backbone_classifier`. Images smaller than 32x32 (the smallest size
    `keras.applications` accepts) are first resized to 32x32 by a
    `Resizing` layer inside the model.

    Args:
        architecture: string, a function name of `keras.applications`
            (e.g. `"MobileNetV3Small"`, `"EfficientNetB0"`), or such a
            function.
        input_shape: tuple `(height, width, channels)`.
        num_classes: int. Number of classes.
        embedding_dim: int. Size of the embedding. Defaults to `64`.
        name: string or None. Name of the classifier. None: the
            architecture's name in lower case.
        **application_kwargs: more arguments of the application, e.g.
            `alpha=0.75, minimalistic=True` for MobileNetV3.

    Returns:
        A functional `keras.Model` mapping images to logits.

    Example:

    ```python
    from keras_acorl.zoo import application_classifier

    model = application_classifier(
        "MobileNetV3Small", (28, 28, 1), num_classes=10, minimalistic=True
    )
    model.output_shape  # (None, 10)
    ```
    """
    if isinstance(architecture, str):
        builder = getattr(keras.applications, architecture, None)
        if builder is None or not callable(builder):
            raise ValueError(
                "`architecture` must name a function of keras.applications, "
                f"such as 'MobileNetV3Small'. Received: {architecture!r}"
            )
        arch_name = architecture
    elif callable(architecture):
        builder = architecture
        arch_name = getattr(architecture, "__name__", "application")
    else:
        raise TypeError(
            "`architecture` must be a string or a keras.applications "
            f"function. Received: {architecture!r}"
        )
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            "`input_shape` must be (height, width, channels). "
            f"Received: input_shape={input_shape}"
        )
    height, width, channels = input_shape
    size = (max(height, _MIN_SIZE), max(width, _MIN_SIZE))
    application = builder(
        input_shape=(*size, channels),
        weights=None,
        include_top=False,
        pooling="avg",
        **application_kwargs,
    )
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if size != (height, width):
        x = keras.layers.Resizing(*size, name="resize")(x)
    backbone = keras.Model(
        inputs, application(x), name=f"{arch_name.lower()}_backbone"
    )
    return backbone_classifier(
        backbone,
        num_classes,
        embedding_dim=embedding_dim,
        name=name or arch_name.lower(),
    )
