"""The one place for backend-specific code in keras-acorl."""

import keras


def gradients(fn, values):
    """Gradients of the scalar `fn(values)` with respect to `values`.

    Used inside a training step (nested in the backend's own gradient
    computation) for a look-ahead update; the result is a list of
    constants (no gradient flows back through it).

    Args:
        fn: callable taking a list of tensors and returning a scalar.
        values: list of tensors (e.g. variable values).

    Returns:
        list of tensors, one gradient per value.
    """
    backend = keras.backend.backend()
    if backend == "jax":
        import jax

        grads = jax.grad(fn)(list(values))
    elif backend == "tensorflow":
        import tensorflow as tf

        values = [tf.convert_to_tensor(v) for v in values]
        with tf.GradientTape() as tape:
            tape.watch(values)
            result = fn(values)
        grads = tape.gradient(result, values)
    elif backend == "torch":
        import torch

        values = [v.detach().requires_grad_(True) for v in values]
        with torch.enable_grad():
            grads = torch.autograd.grad(fn(values), values)
    else:
        raise NotImplementedError(
            f"Gradients are not implemented for the '{backend}' backend."
        )
    return [keras.ops.stop_gradient(g) for g in grads]


def look_ahead(model, optimizer, grads, variables):
    """The values `optimizer` would give `variables` for `grads`, without
    changing the variables or the optimizer's state.

    Called inside `model`'s training step. JAX: `stateless_apply` on the
    optimizer state the step received (recorded by the model's
    `compute_loss_and_updates`). TensorFlow (which has no
    `stateless_apply`) and torch: the update is applied, read and undone.

    Returns:
        list of tensors (constants), one per variable.
    """
    if keras.backend.backend() == "jax":
        step_values = model._step_optimizer_values
        index = {id(v): i for i, v in enumerate(model.optimizer.variables)}
        state = [step_values[index[id(v)]] for v in optimizer.variables]
        values, _ = optimizer.stateless_apply(
            state, grads, [v.value for v in variables]
        )
    else:
        saved = [
            keras.ops.copy(v.value) for v in [*variables, *optimizer.variables]
        ]
        optimizer.apply(grads, variables)
        values = [keras.ops.copy(v.value) for v in variables]
        for variable, value in zip([*variables, *optimizer.variables], saved):
            variable.assign(value)
    return [keras.ops.stop_gradient(v) for v in values]
