"""Turning a trained model into a function `inputs -> (batch, dim)`."""

import keras

from keras_acorl.argument_checks import check_layer_name

_POOLING = {
    3: keras.layers.GlobalAveragePooling1D,
    4: keras.layers.GlobalAveragePooling2D,
    5: keras.layers.GlobalAveragePooling3D,
}


def model_input(model):
    """`model.input`, also for a `keras.Sequential` model.

    Keras gives a Sequential model built on `keras.Input` its `inputs` and
    `outputs` lists, but `input` and `output` only once the model itself
    has been called on a tensor; a Sequential model has exactly one of
    each.
    """
    if isinstance(model, keras.Sequential):
        return model.inputs[0]
    return model.input


def model_output(model):
    """`model.output`, also for a `keras.Sequential` model (see
    `model_input`)."""
    if isinstance(model, keras.Sequential):
        return model.outputs[0]
    return model.output


def describe_pooling():
    return (
        "rank-2 outputs are used as they are; rank 3, 4 and 5 outputs "
        "(batch, ..., channels) are averaged over their spatial/time axes"
    )


def pooling_layer(shape, argument, index, name=None):
    """The documented pooling for an output of `shape`: None for rank 2, a
    global average pooling layer for rank 3-5; a `ValueError` naming
    `argument` otherwise."""
    rank = len(shape)
    if rank == 2:
        return None
    if rank in _POOLING:
        return _POOLING[rank](name=name)
    raise ValueError(
        f"`{argument}` for model {index} gives an output of shape "
        f"{tuple(shape)} (rank {rank}); a representation must be "
        f"rank 2 (batch, features) after pooling: {describe_pooling()}."
    )


def pool_to_rank2(tensor, argument, index):
    """Applies the documented pooling to a symbolic `tensor`."""
    layer = pooling_layer(tensor.shape, argument, index)
    return tensor if layer is None else layer(tensor)


def layer_output(model, spec, argument, index):
    """The symbolic output of the layer `spec` (a name or an index into
    `model.layers`) of `model`; a `ValueError` naming `argument` and listing
    the available layers when there is none."""
    names = [layer.name for layer in model.layers]
    if isinstance(spec, bool) or not isinstance(spec, (str, int)):
        raise TypeError(
            f"`{argument}` entries must be layer names or indices. "
            f"Received: {spec!r}"
        )
    if isinstance(spec, int):
        if not -len(names) <= spec < len(names):
            raise ValueError(
                f"`{argument}` asks for layer index {spec} of model {index} "
                f"('{model.name}'), which has {len(names)} layers: {names}"
            )
        layer = model.layers[spec]
    else:
        layer = check_layer_name(model, spec, argument)
    try:
        return layer.output
    except (AttributeError, ValueError) as e:
        raise ValueError(
            f"`{argument}`: layer '{layer.name}' of model {index} "
            f"('{model.name}') has no single symbolic output ({e}). Use a "
            "functional or Sequential model, or pass a callable."
        ) from None


def _symbolic_inputs(model, argument, index):
    inputs = getattr(model, "inputs", None)
    if not inputs:
        raise ValueError(
            f"`{argument}` needs model {index} ('{model.name}') to have "
            "symbolic inputs (a functional or built Sequential model) to "
            "extract an inner layer. Subclassed models work with "
            f"`{argument}=None` (their output is used)."
        )
    return model_input(model)


def normalize_specs(spec, count, argument):
    """One spec per model: `spec` may be None, a string, a callable, or a
    list/tuple of those with one entry per model."""
    if isinstance(spec, (list, tuple)):
        if len(spec) != count:
            raise ValueError(
                f"`{argument}` must have one entry per model ({count}). "
                f"Received {len(spec)} entries: {spec!r}"
            )
        specs = list(spec)
    else:
        specs = [spec] * count
    for s in specs:
        if s is not None and not isinstance(s, str) and not callable(s):
            raise TypeError(
                f"`{argument}` entries must be None (the model's output), a "
                "layer name, or a callable `model -> keras.Model or "
                f"KerasTensor`. Received: {s!r} of type {type(s).__name__}"
            )
    return specs


def fresh_inputs(inputs):
    """New `keras.Input`s with the shapes and dtypes of `inputs`."""
    return keras.tree.map_structure(
        lambda t: keras.Input(shape=t.shape[1:], dtype=t.dtype), inputs
    )


def build_extractor(model, spec, argument, index, reference_inputs=None):
    """Returns a `keras.Model` mapping the model's inputs to a rank-2
    representation, sharing the model's layers.

    `spec`: None (the model's output), a layer name, or a callable that takes
    the model and returns a `keras.Model` or a symbolic tensor computed from
    `model.input`. A subclassed model (no symbolic inputs) works with
    `spec=None` when `reference_inputs` (symbolic inputs of the same
    structure) are given.
    """
    if spec is None and not getattr(model, "inputs", None):
        if reference_inputs is None:
            raise ValueError(
                f"Model {index} ('{model.name}') has no symbolic inputs; "
                f"build it on a `keras.Input` before passing it."
            )
        inputs = fresh_inputs(reference_inputs)
        outputs = model(inputs)
    elif spec is None:
        inputs, outputs = model_input(model), model_output(model)
    elif isinstance(spec, str):
        inputs = _symbolic_inputs(model, argument, index)
        outputs = layer_output(model, spec, argument, index)
    else:
        result = spec(model)
        if isinstance(result, keras.Model):
            inputs, outputs = model_input(result), model_output(result)
        elif isinstance(result, keras.KerasTensor):
            inputs = _symbolic_inputs(model, argument, index)
            outputs = result
        else:
            raise TypeError(
                f"The callable `{argument}` must return a keras.Model or a "
                f"KerasTensor for model {index}. Received: {type(result)}"
            )
    if isinstance(outputs, (list, tuple, dict)):
        raise ValueError(
            f"`{argument}` for model {index} ('{model.name}') gives several "
            "outputs; a representation must be a single tensor. Name a layer "
            "instead."
        )
    outputs = pool_to_rank2(outputs, argument, index)
    return keras.Model(inputs, outputs, name=f"{model.name}_representation")


def representation_dim(extractor, argument, index):
    shape = extractor.output_shape
    if len(shape) != 2 or shape[-1] is None:
        raise ValueError(
            f"`{argument}` for model {index} must give a representation of "
            f"shape (batch, features) with a known feature size. Got {shape}."
        )
    return int(shape[-1])


def serialize_spec(spec):
    """Config form of a representation (or adversary) spec: None, strings
    and dicts stay; lists are mapped; callables are serialized."""
    if spec is None or isinstance(spec, (str, dict)):
        return spec
    if isinstance(spec, (list, tuple)):
        return [serialize_spec(s) for s in spec]
    return {"callable": keras.saving.serialize_keras_object(spec)}


def deserialize_spec(spec, custom_objects=None):
    """Inverse of `serialize_spec`."""
    if isinstance(spec, list):
        return [deserialize_spec(s, custom_objects) for s in spec]
    if isinstance(spec, dict) and set(spec) == {"callable"}:
        return keras.saving.deserialize_keras_object(
            spec["callable"], custom_objects=custom_objects
        )
    return spec
