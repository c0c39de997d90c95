"""Finding the spatial (rank-4) layer a class activation map is taken at."""

import keras

from keras_acorl import keras_compat


def _output_shape(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        # Never called, or shared between several calls: no single output.
        return None


def spatial_layers(model):
    """Names of `model`'s layers with a rank-4 output `(batch, H, W, C)`,
    in order."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        shape = _output_shape(layer)
        if shape is not None and len(shape) == 4:
            names.append(layer.name)
    return names


def split_at_layer(model, layer=None):
    """`(features, head)`: `features` maps `model`'s input to the output of
    `layer` (a rank-4 layer; None: the last one), `head` maps that output
    to `model`'s output (public functional API: a `keras.Model` between
    two tensors of the graph)."""
    candidates = spatial_layers(model)
    if layer is None:
        if not candidates:
            raise ValueError(
                f"`layer`: the model {model.name!r} has no layer with a "
                "spatial output of shape (batch, height, width, channels). "
                f"Its layers: {[lay.name for lay in model.layers]}."
            )
        layer = candidates[-1]
    if not isinstance(layer, str):
        raise TypeError(
            f"`layer` must be None or a layer name (string). Received "
            f"{layer!r} of type {type(layer).__name__}."
        )
    names = [lay.name for lay in model.layers]
    if layer not in names:
        raise ValueError(
            f"`layer`: no layer named {layer!r} in the model {model.name!r}. "
            f"Spatial layers (rank-4 outputs): {candidates}."
        )
    found = model.get_layer(layer)
    shape = _output_shape(found)
    if shape is None or len(shape) != 4:
        raise ValueError(
            f"`layer`: {layer!r} is not spatial (output shape {shape}; "
            "expected (batch, height, width, channels)). Spatial layers "
            f"(rank-4 outputs): {candidates}."
        )
    output = keras_compat.output_in_model(model, found)
    features = keras.Model(model.inputs[0], output)
    head = keras.Model(output, model.outputs[0])
    return features, head
