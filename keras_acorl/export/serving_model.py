"""The model that is exported: a product, with named input and output."""

import keras

from keras_acorl.argument_checks import check_model

# Layers that only exist to train a product; never part of what is served.
TRAINING_ONLY_LAYERS = ("GradientReversal", "Adversary", "Discriminator")


def product_of(model):
    """The model users serve, from `model`: `ComplementaryModel` ->
    `.classifier`, `MEALDistiller` -> `.student`, anything else itself."""
    check_model(model, "model")
    from keras_acorl.models.complementary_model import ComplementaryModel
    from keras_acorl.models.meal_distiller import MEALDistiller

    if isinstance(model, ComplementaryModel):
        return model.classifier
    if isinstance(model, MEALDistiller):
        return model.student
    return model


def sub_layers(layer):
    """Every layer inside `layer` (recursively, through `layer.layers` and
    the members, alliance, ... of the composite models), `layer` first."""
    seen, stack, found = set(), [layer], []
    while stack:
        current = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        found.append(current)
        stack.extend(getattr(current, "layers", None) or [])
        for name in ("members", "head"):
            child = getattr(current, name, None)
            if isinstance(child, (list, tuple)):
                stack.extend(c for c in child if isinstance(c, keras.Layer))
            elif isinstance(child, keras.Layer):
                stack.append(child)
    return found


def check_servable(product):
    """Raises a ValueError naming the layer if `product` holds a layer
    that only exists for training (gradient reversal, adversary,
    discriminator)."""
    for layer in sub_layers(product):
        if type(layer).__name__ in TRAINING_ONLY_LAYERS:
            raise ValueError(
                f"`model` holds the training-only layer {layer.name!r} "
                f"({type(layer).__name__}); export the product instead "
                "(`ComplementaryModel.classifier` or `.encoder`, "
                "`MEALDistiller.student`, a `FusionEnsemble`)."
            )


def input_spec_of(product):
    """`(shape, dtype)` of the single input of `product`."""
    inputs = getattr(product, "inputs", None)
    if not inputs and hasattr(product, "export_inputs"):
        reference = product.export_inputs()
        inputs = None if reference is None else keras.tree.flatten(reference)
    if not inputs:
        raise ValueError(
            "`model` must have symbolic inputs (a functional model, a built "
            "Sequential or a keras-acorl product). Received the subclassed "
            f"model {product.name!r} without them."
        )
    if len(inputs) != 1:
        raise ValueError(
            f"`model` must take one input tensor. Received {product.name!r} "
            f"with {len(inputs)} inputs."
        )
    return tuple(inputs[0].shape), inputs[0].dtype


def serving_model(model, input_name, output_name):
    """A functional `keras.Model` over the product of `model`:
    input named `input_name`, output `{output_name: product(input)}`.

    Args:
        model: a `keras.Model` or a keras-acorl model holding the product.
        input_name: str, the name of the served input.
        output_name: str, the key of the served output.
    """
    for value, argument in (
        (input_name, "input_name"),
        (output_name, "output_name"),
    ):
        if not isinstance(value, str) or not value.isidentifier():
            raise ValueError(
                f"`{argument}` must be a Python identifier string (it names "
                f"a tensor of the artifact). Received: {value!r}"
            )
    product = product_of(model)
    check_servable(product)
    shape, dtype = input_spec_of(product)
    inputs = keras.Input(
        batch_shape=(None, *shape[1:]), dtype=dtype, name=input_name
    )
    outputs = product(inputs)
    if isinstance(outputs, (list, tuple, dict)):
        raise ValueError(
            f"`model` must return one tensor. Received {product.name!r} "
            f"returning {type(outputs).__name__}."
        )
    return keras.Model(
        inputs, {output_name: outputs}, name=f"serving_{product.name}"
    )
