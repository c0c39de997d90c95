"""`compile(jit_compile=True)` for every model class.

XLA on TensorFlow and JAX; on torch Keras wraps the step in
`torch.compile`.
"""

import keras
import numpy as np
import pytest

import keras_acorl

FEATURES = 6
NUM_CLASSES = 3


def mlp(name):
    inputs = keras.Input(shape=(FEATURES,))
    hidden = keras.layers.Dense(8, activation="relu", name="embedding")(inputs)
    return keras.Model(
        inputs, keras.layers.Dense(NUM_CLASSES)(hidden), name=name
    )


def complementary():
    return keras_acorl.ComplementaryModel(
        [mlp("base_a"), mlp("base_b")],
        mlp("alliance"),
        base_representation="embedding",
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
        total_steps=4,
    ), keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def distiller():
    # "random" teacher draw (keras.random in the step) and a discriminator
    # trained jointly.
    return keras_acorl.MEALDistiller(
        [mlp("teacher_a"), mlp("teacher_b")],
        mlp("student"),
        teacher_mode="random",
        adversarial_mode="joint",
        taps=None,
    ), None


def fusion():
    return keras_acorl.FusionEnsemble(
        [mlp("member_a"), mlp("member_b")],
        method="weighted_probs",
        weights="learn",
    ), keras.losses.SparseCategoricalCrossentropy()


FACTORIES = {
    "ComplementaryModel": complementary,
    "MEALDistiller": distiller,
    "FusionEnsemble": fusion,
}


@pytest.mark.parametrize("name", sorted(FACTORIES))
def test_jit_compiled_fit_trains(name):
    if keras.backend.backend() == "torch":
        # Keras wraps the step in torch.compile (inductor), minutes per
        # model on CPU: the model says so instead (benchmarks/README.md).
        model, loss = FACTORIES[name]()
        model.compile(optimizer="adam", loss=loss, jit_compile=True)
        data = (np.zeros((4, FEATURES)),) + (
            () if loss is None else (np.zeros(4),)
        )
        with pytest.warns(UserWarning, match="`jit_compile=False`"):
            # epochs=0: the warning, without compiling a step.
            model.fit(*data, epochs=0, verbose=0)
        assert model.jit_compile is True
        return
    rng = np.random.default_rng(0)
    x = rng.normal(size=(32, FEATURES)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, size=(32,))
    model, loss = FACTORIES[name]()
    model.compile(
        optimizer=keras.optimizers.Adam(0.01), loss=loss, jit_compile=True
    )
    data = (x,) if name == "MEALDistiller" else (x, y)
    frozen = [w for w in model.weights if not w.trainable]
    frozen = {id(w): keras.ops.convert_to_numpy(w).copy() for w in frozen}
    product = {
        "ComplementaryModel": lambda m: m.classifier.trainable_weights,
        "MEALDistiller": lambda m: m.student.trainable_weights,
        "FusionEnsemble": lambda m: [m.fusion_logits],
    }[name](model)
    trainable = [keras.ops.convert_to_numpy(w).copy() for w in product]
    history = model.fit(*data, batch_size=16, epochs=2, verbose=0)

    assert model.jit_compile is True
    assert np.all(np.isfinite(history.history["loss"]))
    for before, weight in zip(trainable, product):
        assert not np.allclose(before, keras.ops.convert_to_numpy(weight)), (
            weight.path
        )
    if name == "ComplementaryModel":
        # The in-graph schedule counter advanced once per compiled step.
        assert (
            int(keras.ops.convert_to_numpy(model.gradient_reversal.iterations))
            == 4
        )
    # Frozen members/bases/teachers: unchanged under XLA too.
    members = {
        "ComplementaryModel": lambda m: m.base_models,
        "MEALDistiller": lambda m: m.teachers,
        "FusionEnsemble": lambda m: m.members,
    }[name](model)
    for member in members:
        for weight in member.weights:
            np.testing.assert_array_equal(
                frozen[id(weight)], keras.ops.convert_to_numpy(weight)
            )
    predictions = model.predict(x, verbose=0)
    assert np.all(np.isfinite(keras.tree.flatten(predictions)[0]))
