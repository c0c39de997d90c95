"""A small keras-hub ResNet, built offline from arguments, as a classifier."""

from keras_acorl.zoo.backbone_classifier import backbone_classifier


def resnet_classifier(
    input_shape,
    num_classes,
    stackwise_num_filters=(64,),
    stackwise_num_blocks=(1,),
    stackwise_num_strides=(1,),
    input_conv_filters=(64,),
    input_conv_kernel_sizes=(3,),
    block_type="basic_block",
    embedding_dim=64,
    name="resnet",
):
    """A `keras_hub.models.ResNetBackbone` from arguments, as a classifier.

    Builds the backbone offline (no preset, no download; keras-hub asks
    the first stack to have 64 filters) and wraps it with
    `backbone_classifier`, so the result has an `"embedding"` layer and
    splits with `split_encoder_head`. With pre-trained weights, build the
    backbone with `keras_hub.models.ResNetBackbone.from_preset(...)` and
    call `backbone_classifier` yourself (README, "Images: backbones").

    keras-hub is imported here, not at import time of `keras_acorl` (it
    imports TensorFlow whatever the backend).

    Args:
        input_shape: tuple `(height, width, channels)`.
        num_classes: int. Number of classes.
        stackwise_num_filters: list of ints, filters per stack (the first
            must be 64). Defaults to `(64,)`.
        stackwise_num_blocks: list of ints, blocks per stack. Defaults to
            `(1,)`.
        stackwise_num_strides: list of ints, stride of each stack. Defaults
            to `(1,)`.
        input_conv_filters: list of ints, filters of the stem convolutions.
            Defaults to `(64,)`.
        input_conv_kernel_sizes: list of ints, one per stem convolution.
            Defaults to `(3,)`.
        block_type: `"basic_block"`, `"bottleneck_block"`,
            `"basic_block_vd"` or `"bottleneck_block_vd"`. Defaults to
            `"basic_block"`.
        embedding_dim: int. Size of the embedding. Defaults to `64`.
        name: string. Name of the classifier. Defaults to `"resnet"`.

    Returns:
        A functional `keras.Model` mapping images to logits.

    Example:

    ```python
    from keras_acorl.zoo import resnet_classifier

    model = resnet_classifier((28, 28, 1), num_classes=10)
    model.output_shape  # (None, 10)
    ```
    """
    try:
        import keras_hub
    except ImportError:
        raise ImportError(
            "`resnet_classifier` needs keras-hub, which is not installed. "
            "Install it with `pip install keras-acorl[hub]` (or "
            "`pip install keras-hub`)."
        ) from None
    input_shape = tuple(input_shape)
    if len(input_shape) != 3:
        raise ValueError(
            "`input_shape` must be (height, width, channels). "
            f"Received: input_shape={input_shape}"
        )
    backbone = keras_hub.models.ResNetBackbone(
        input_conv_filters=list(input_conv_filters),
        input_conv_kernel_sizes=list(input_conv_kernel_sizes),
        stackwise_num_filters=list(stackwise_num_filters),
        stackwise_num_blocks=list(stackwise_num_blocks),
        stackwise_num_strides=list(stackwise_num_strides),
        block_type=block_type,
        image_shape=input_shape,
        name=f"{name}_backbone",
    )
    return backbone_classifier(
        backbone, num_classes, embedding_dim=embedding_dim, name=name
    )
