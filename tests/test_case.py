"""`run_layer_test`: the checks every keras-acorl layer goes through.

Modelled on keras-hub's `keras_hub/src/tests/test_case.py` and core Keras'
`keras/src/testing/test_case.py` (`run_layer_test`), as plain functions
for pytest. One call checks, for a layer class, its init kwargs and an
input batch:

- symbolic (`KerasTensor`) and eager outputs: shapes and dtypes agree
  with each other, with `compute_output_shape` and with the expected
  ones (and the values with `expected_output_data`, when given);
- the numbers of trainable and non-trainable weights once built;
- one jit-compiled training step (`compile(jit_compile=...)` and `fit` on
  one batch) changes every trainable weight;
- under the `mixed_bfloat16` policy: the output is bfloat16, every
  variable float32, and every sub-layer with weights follows the policy;
- a `get_config` / `from_config` round trip (also through JSON) gives
  the same config and, with the same weights, identical outputs;
- a `.keras` save / load round trip gives identical predictions.

Only the public Keras API is used (sub-layers are found through the
layer's public attributes).
"""

import json
import tempfile

import keras
import numpy as np

from tests.helpers import run_model_saving_test
from tests.helpers import run_serialization_test


def _shapes(structure):
    """Output shapes as a list of tuples, one per output tensor."""
    return [tuple(t.shape) for t in keras.tree.flatten(structure)]


def _shape_list(shapes):
    """One shape tuple, or a list of them, as a list of tuples."""
    if all(isinstance(d, int) or d is None for d in shapes):
        return [tuple(shapes)]
    return [tuple(s) for s in shapes]


def _dtypes(structure):
    return [
        keras.backend.standardize_dtype(t.dtype)
        for t in keras.tree.flatten(structure)
    ]


def _numpy(structure):
    return keras.tree.map_structure(keras.ops.convert_to_numpy, structure)


def _assert_same_outputs(expected, actual, atol, what):
    keras.tree.map_structure(
        lambda e, a: np.testing.assert_allclose(
            np.asarray(a, "float32"),
            np.asarray(e, "float32"),
            atol=atol,
            rtol=0,
            err_msg=what,
        ),
        _numpy(expected),
        _numpy(actual),
    )


def _weighted_sublayers(layer):
    """Sub-layers (with weights) reachable through public attributes."""
    found, stack, seen = [], [layer], {id(layer)}
    while stack:
        current = stack.pop()
        attributes = dict(vars(current))
        if hasattr(current, "named_children"):
            # torch: sub-modules live outside `__dict__` (torch.nn.Module).
            attributes.update(current.named_children())
        values = [v for k, v in attributes.items() if not k.startswith("_")]
        while values:
            value = values.pop()
            if isinstance(value, (list, tuple)):
                values.extend(value)
            elif isinstance(value, dict):
                values.extend(value.values())
            elif (
                isinstance(value, keras.layers.Layer) and id(value) not in seen
            ):
                seen.add(id(value))
                stack.append(value)
                if value.weights:
                    found.append(value)
    return found


def _functional(layer, input_data):
    inputs = keras.Input(
        shape=input_data.shape[1:],
        dtype=keras.backend.standardize_dtype(input_data.dtype),
    )
    return keras.Model(inputs, layer(inputs))


def run_training_check(layer, input_data):
    """Fits a model around `layer` for one jit-compiled step on one batch
    (MSE against random targets) and checks that every trainable weight of
    `layer` moved."""
    model = _functional(layer, input_data)
    outputs = _numpy(model(input_data))
    rng = np.random.default_rng(0)
    targets = keras.tree.map_structure(
        lambda o: rng.normal(size=o.shape).astype("float32"), outputs
    )
    before = [keras.ops.convert_to_numpy(w) for w in layer.trainable_weights]
    # torch.compile is slow and not supported everywhere on CPU; keras-hub
    # also skips it: torch runs the same train_step eagerly.
    jit_compile = keras.backend.backend() != "torch"
    model.compile(
        optimizer=keras.optimizers.SGD(learning_rate=0.1),
        loss="mse",
        jit_compile=jit_compile,
    )
    if not before:
        # No weights to move: still compile the forward pass.
        model.evaluate(input_data, targets, verbose=0)
        return
    history = model.fit(
        input_data, targets, batch_size=len(input_data), epochs=1, verbose=0
    )
    assert np.isfinite(history.history["loss"][0])
    for weight, old in zip(layer.trainable_weights, before):
        new = keras.ops.convert_to_numpy(weight)
        assert not np.array_equal(new, old), (
            f"The training step left `{weight.path}` unchanged."
        )


def run_precision_check(cls, init_kwargs, input_data, policy="mixed_bfloat16"):
    """Builds the layer under `policy`: float outputs in the compute dtype
    (eager and symbolic), variables in the variable dtype, every sub-layer
    with weights under the same policy."""
    policy = keras.dtype_policies.get(policy)
    layer = cls(**{**init_kwargs, "dtype": policy})
    eager = layer(input_data)
    spec = layer.compute_output_spec(
        keras.KerasTensor(input_data.shape, input_data.dtype)
    )
    for where, structure in (("eager", eager), ("symbolic", spec)):
        for dtype in _dtypes(structure):
            if "float" in dtype:
                assert dtype == policy.compute_dtype, (
                    f"{where} output is {dtype} under {policy.name}"
                )
    for weight in layer.weights:
        if "float" in keras.backend.standardize_dtype(weight.dtype):
            assert weight.dtype == policy.variable_dtype, weight.path
    for sublayer in _weighted_sublayers(layer):
        assert sublayer.dtype_policy.name == policy.name, (
            f"Sub-layer `{sublayer.name}` runs under "
            f"{sublayer.dtype_policy.name}, not {policy.name}."
        )
    assert np.all(np.isfinite(np.asarray(_numpy(keras.tree.flatten(eager)[0]))))


def run_config_check(layer, input_data, outputs=None):
    """`from_config(get_config())` (directly and through JSON) restores the
    same config; with the same weights it gives identical outputs (to
    `outputs`, `layer(input_data)` by default)."""
    config = layer.get_config()
    restored = run_serialization_test(layer)
    serialized = json.loads(
        json.dumps(keras.saving.serialize_keras_object(layer))
    )
    revived = keras.saving.deserialize_keras_object(serialized)
    assert type(revived) is type(layer)
    assert revived.get_config() == config
    restored(input_data)  # Builds it.
    restored.set_weights(layer.get_weights())
    if outputs is None:
        outputs = layer(input_data)
    _assert_same_outputs(outputs, restored(input_data), 0.0, "from_config")


def run_layer_test(
    cls,
    init_kwargs,
    input_data,
    expected_output_shape,
    expected_output_dtype="float32",
    expected_output_data=None,
    expected_num_trainable_weights=0,
    expected_num_non_trainable_weights=0,
    run_training=True,
    run_mixed_precision=True,
    run_saving=True,
    atol=1e-6,
):
    """Runs every standard check on `cls(**init_kwargs)` with `input_data`.

    Args:
        cls: the layer class.
        init_kwargs: dict of constructor arguments.
        input_data: NumPy array, one batch.
        expected_output_shape: tuple (or structure of tuples) of the
            output shape for `input_data`.
        expected_output_dtype: dtype of the (float) outputs under the
            default policy.
        expected_output_data: optional expected values of the eager output.
        expected_num_trainable_weights: int.
        expected_num_non_trainable_weights: int.
        run_training: bool. Run the jit-compiled training step.
        run_mixed_precision: bool. Run the `mixed_bfloat16` check.
        run_saving: bool. Run the `.keras` round trip.
        atol: tolerance of `expected_output_data` and of the saving check.

    Returns:
        The eagerly called layer (built, float32).
    """
    input_data = np.asarray(input_data)
    expected_shapes = _shape_list(expected_output_shape)

    # Symbolic call.
    layer = cls(**init_kwargs)
    symbolic = layer(keras.KerasTensor(input_data.shape, input_data.dtype))
    assert layer.built
    assert _shapes(symbolic) == expected_shapes, "symbolic shape"
    assert set(_dtypes(symbolic)) == {expected_output_dtype}, "symbolic dtype"
    if (
        type(layer).compute_output_shape
        is not keras.layers.Layer.compute_output_shape
    ):
        computed = layer.compute_output_shape(input_data.shape)
        assert _shape_list(computed) == expected_shapes, "compute_output_shape"

    # Eager call.
    layer = cls(**init_kwargs)
    eager = layer(input_data)
    assert _shapes(eager) == expected_shapes, "eager shape"
    assert set(_dtypes(eager)) == {expected_output_dtype}, "eager dtype"
    assert len(layer.trainable_weights) == expected_num_trainable_weights, (
        f"{len(layer.trainable_weights)} trainable weights, expected "
        f"{expected_num_trainable_weights}"
    )
    assert (
        len(layer.non_trainable_weights) == expected_num_non_trainable_weights
    ), (
        f"{len(layer.non_trainable_weights)} non-trainable weights, expected "
        f"{expected_num_non_trainable_weights}"
    )
    if expected_output_data is not None:
        _assert_same_outputs(expected_output_data, eager, atol, "values")

    run_config_check(layer, input_data, eager)
    if run_saving:
        with tempfile.TemporaryDirectory() as directory:
            run_model_saving_test(
                _functional(layer, input_data), input_data, directory, atol=atol
            )
    if run_training:
        run_training_check(cls(**init_kwargs), input_data)
    if run_mixed_precision:
        run_precision_check(cls, init_kwargs, input_data)
    return layer
