"""The one place for backend-specific code in keras-acorl."""

import keras


def gradients(fn, values, create_graph=False):
    """Gradients of the scalar `fn(values)` with respect to `values`.

    The one per-backend gradient computation of the library (Keras has no
    public `keras.ops` gradient): MEAL's `"alternating"` look-ahead, the
    attribution methods of `keras_acorl.analysis` and the input-gradient
    objective call it, inside a training step (nested in the backend's own
    gradient computation) or on their own.

    Args:
        fn: callable taking a list of tensors and returning a scalar.
        values: list of tensors (e.g. variable values or inputs).
        create_graph: bool. If True the gradients stay differentiable with
            respect to the variables `fn` reads (double backpropagation:
            JAX `jax.grad` nested in the step's trace, a TensorFlow tape
            nested in the step's tape, torch `autograd.grad(create_graph=
            True)`); `fn` must then not update variables. If False they
            are constants. Defaults to False.

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

        values = [
            keras.ops.convert_to_tensor(v).detach().requires_grad_(True)
            for v in values
        ]
        with torch.enable_grad():
            grads = torch.autograd.grad(
                fn(values), values, create_graph=create_graph
            )
    else:
        raise NotImplementedError(
            f"Gradients are not implemented for the '{backend}' backend."
        )
    if create_graph:
        return list(grads)
    return [keras.ops.stop_gradient(g) for g in grads]


def assign_during_fit(model, variables, value):
    """Assigns `value` to `variables` of `model`, also from a callback while
    `model` trains.

    Keras internals used: on JAX, `fit` keeps the training state outside the
    Keras variables (in the private `model._jax_state`) and purges them
    between steps; that state is synced back first (public
    `model.jax_state_sync()`), and the next step then reads the new values.
    Other backends assign directly. Covered by
    `tests/test_meal_distiller.py` (a hyperparameter set from a callback
    changes the next steps), which fails if Keras changes this.
    """
    if keras.backend.backend() == "jax" and getattr(model, "_jax_state", None):
        model.jax_state_sync()
    for variable in variables:
        variable.assign(value)


class RecordsStepOptimizerState:
    """Mixin for a `keras.Model` whose training step calls `look_ahead`.

    JAX only: Keras' JAX trainer passes the optimizer state of the step to
    its `compute_loss_and_updates` method (an undocumented override point:
    the documented one, `train_step(state, data)`, would mean re-writing the
    whole step), while the Keras optimizer variables hold no value during
    `fit`. This override records that state for `look_ahead`. Other
    backends never call the method.
    """

    def compute_loss_and_updates(
        self, *args, optimizer_variables=None, **kwargs
    ):
        _STEP_OPTIMIZER_VALUES[id(self)] = optimizer_variables
        try:
            return super().compute_loss_and_updates(
                *args, optimizer_variables=optimizer_variables, **kwargs
            )
        finally:
            _STEP_OPTIMIZER_VALUES.pop(id(self), None)


# id(model) -> the optimizer state of the JAX step being traced.
_STEP_OPTIMIZER_VALUES = {}


def look_ahead(model, optimizer, grads, variables):
    """The values `optimizer` would give `variables` for `grads`, without
    changing the variables or the optimizer's state.

    Called inside the training step of `model` (a
    `RecordsStepOptimizerState`), whose `model.optimizer` holds `optimizer`
    (itself, or as part of a `keras.optimizers.MultiOptimizer`). JAX:
    `optimizer.stateless_apply` on the optimizer state the step received.
    TensorFlow and torch (no `stateless_apply` on TensorFlow): the update is
    applied, read and undone.

    Returns:
        list of tensors (constants), one per variable.
    """
    if keras.backend.backend() == "jax":
        step_values = _STEP_OPTIMIZER_VALUES.get(id(model))
        if step_values is None:
            raise RuntimeError(
                "look_ahead() found no optimizer state for this JAX training "
                "step: Keras no longer passes `optimizer_variables` to "
                "`compute_loss_and_updates` (keras_acorl supports Keras "
                f"3.15; installed: {keras.__version__}), or `model` does not "
                "inherit `keras_compat.RecordsStepOptimizerState`."
            )
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


def output_in_model(model, layer):
    """The symbolic output of `layer`'s call inside the functional `model`.

    `layer.output` is the output of the layer's first call, and for a
    nested model (e.g. a keras-hub backbone inside a classifier) the output
    of its own inner graph, not connected to `model`'s inputs. The tensor
    `model` uses is found as an input of a later layer whose (private)
    `_keras_history` names `layer`. Covered by `tests/test_attribution.py`
    (Grad-CAM at a nested backbone), which fails if Keras changes this.
    """
    for other in model.layers:
        try:
            tensors = keras.tree.flatten(other.input)
        except (AttributeError, ValueError):
            continue
        for tensor in tensors:
            history = getattr(tensor, "_keras_history", None)
            if history is not None and history[0] is layer:
                return tensor
    return layer.output


def scale_loss_for_distribution(value):
    """`value / replicas` under a `tf.distribute` strategy, else `value`.

    Keras' own losses divide by the number of replicas in sync on
    TensorFlow, because the strategy sums the replicas' gradients; a loss
    term computed by hand must be scaled the same way, or it weighs
    `replicas` times more than under one device (the adversarial term of
    `ComplementaryModel` did, ending at a clearly higher loss under
    `MirroredStrategy`). JAX's `keras.distribution` works on the global
    batch and needs nothing.
    """
    if keras.backend.backend() != "tensorflow":
        return value
    import tensorflow as tf

    replicas = tf.distribute.get_strategy().num_replicas_in_sync
    if replicas == 1:
        return value
    return value * (1.0 / replicas)


def sum_over_replicas(value):
    """`value` summed over the replicas of a `tf.distribute` strategy (in
    a replica context), else `value`: the statistics of the global batch,
    which JAX's `keras.distribution` sees anyway."""
    if keras.backend.backend() != "tensorflow":
        return value
    import tensorflow as tf

    context = tf.distribute.get_replica_context()
    if context is None or context.num_replicas_in_sync == 1:
        return value
    return context.all_reduce(tf.distribute.ReduceOp.SUM, value)
