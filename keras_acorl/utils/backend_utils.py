"""The one place for backend-specific code in keras-acorl."""

import keras


def assign_during_fit(model, variables, value):
    """Assigns `value` to `variables` from a callback while `model` trains.

    On JAX, `fit` keeps the training state outside the Keras variables and
    purges them between steps; the state is synced back first and the next
    step then reads the new values. Other backends assign directly.
    """
    if keras.backend.backend() == "jax" and getattr(model, "_jax_state", None):
        model.jax_state_sync()
    for variable in variables:
        variable.assign(value)


def find_layers(model, layer_class):
    """Every layer of `layer_class` inside `model`, nested ones included."""
    found = []
    for layer in model._flatten_layers(include_self=True, recursive=True):
        if isinstance(layer, layer_class) and layer not in found:
            found.append(layer)
    return found
