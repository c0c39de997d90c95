"""Finding the spatial layer a class activation map is taken at: rank 4
`(batch, H, W, C)` (images) or rank 3 `(batch, time, C)` (1-D
convolutions over time, e.g. the ECAPA-TDNN's)."""

import weakref

import keras

from keras_acorl import keras_compat
from keras_acorl.argument_checks import check_layer_name

# model -> {layer name: (features, head)}: the same sub-models (and so the
# same cached attribution programs) for every call on a model.
_SPLITS = weakref.WeakKeyDictionary()


def _output_shape(layer):
    try:
        return tuple(layer.output.shape)
    except (AttributeError, ValueError):
        # Never called, or shared between several calls: no single output.
        return None


SPATIAL = "(batch, height, width, channels) or (batch, time, channels)"


def spatial_layers(model):
    """Names of `model`'s layers with a rank-4 output `(batch, H, W, C)` or
    rank-3 output `(batch, time, C)`, in order."""
    names = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        shape = _output_shape(layer)
        if shape is not None and len(shape) in (3, 4):
            names.append(layer.name)
    return names


def split_at_layer(model, layer=None):
    """`(features, head)`: `features` maps `model`'s input to the output of
    `layer` (a rank-4 or rank-3 layer; None: the last one of the input's
    rank, else the last one), `head` maps that output to `model`'s output
    (public functional API: a `keras.Model` between two tensors of the
    graph)."""
    candidates = spatial_layers(model)
    if layer is None:
        # The last layer of the input's rank (an image model's last
        # (batch, h, w, c) layer even if a (batch, hw, c) one follows).
        rank = len(model.inputs[0].shape)
        same = [
            n
            for n in candidates
            if len(_output_shape(model.get_layer(n))) == rank
        ]
        if not candidates:
            raise ValueError(
                f"`layer`: the model {model.name!r} has no layer with a "
                f"spatial output of shape {SPATIAL}. "
                f"Its layers: {[lay.name for lay in model.layers]}."
            )
        layer = (same or candidates)[-1]
    check_layer_name(
        model, layer, "layer", listing=f"Spatial layers: {candidates}."
    )
    splits = _SPLITS.setdefault(model, {})
    if layer in splits:
        return splits[layer]
    found = model.get_layer(layer)
    shape = _output_shape(found)
    if shape is None or len(shape) not in (3, 4):
        raise ValueError(
            f"`layer`: {layer!r} is not spatial (output shape {shape}; "
            f"expected {SPATIAL}). Spatial layers: {candidates}."
        )
    output = keras_compat.output_in_model(model, found)
    features = keras.Model(model.inputs[0], output)
    head = keras.Model(output, model.outputs[0])
    splits[layer] = (features, head)
    return features, head
