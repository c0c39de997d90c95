"""Cutting a functional classifier into an encoder and a head."""

import keras

from keras_acorl.argument_checks import check_functional_model
from keras_acorl.argument_checks import check_layer_name


def split_encoder_head(model, representation="embedding"):
    """Splits a functional model at a layer into an encoder and a head.

    The encoder maps the model's inputs to the output of the
    `representation` layer; the head maps that representation to the
    model's outputs. Both are functional models built from the model's own
    tensors (`keras.Model(model.input, cut)` and `keras.Model(cut,
    model.output)`), so they share the model's layers and weights: training
    one trains the model.

    Every path from the inputs to the outputs must go through the
    `representation` layer: a connection that skips it (a residual branch
    from before the cut to after it, a second input used after the cut)
    leaves the head without a single input, and raises a `ValueError`.

    Args:
        model: functional `keras.Model`, e.g. from `small_cnn`.
        representation: string. Name of the layer to cut at. Defaults to
            `"embedding"`.

    Returns:
        `(encoder, head)`, two `keras.Model`s.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.zoo import small_cnn
    from keras_acorl.zoo import split_encoder_head

    model = small_cnn((28, 28, 1), num_classes=10)
    encoder, head = split_encoder_head(model)
    print(encoder.output_shape)  # (None, 64)
    print(head.output_shape)  # (None, 10)
    x = np.random.rand(2, 28, 28, 1).astype("float32")
    fused = keras.ops.convert_to_numpy(head(encoder(x)))
    np.testing.assert_allclose(fused, keras.ops.convert_to_numpy(model(x)))
    ```
    """
    check_functional_model(model, "model")
    cut = check_layer_name(model, representation, "representation").output
    if not isinstance(cut, keras.KerasTensor):
        raise ValueError(
            f"`representation`: layer '{representation}' of model "
            f"'{model.name}' has several outputs; cut at a layer with one "
            "output."
        )
    encoder = keras.Model(model.input, cut, name=f"{model.name}_encoder")
    try:
        head = keras.Model(cut, model.output, name=f"{model.name}_head")
    except ValueError as error:
        raise ValueError(
            f"`representation`: model '{model.name}' cannot be cut at layer "
            f"'{representation}', because its outputs also depend on the "
            "inputs through layers that bypass it (the graph branches "
            "across the cut). Cut at a layer that every path from the "
            f"inputs to the outputs goes through. Keras said: {error}"
        ) from None
    return encoder, head
