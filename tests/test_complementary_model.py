import os

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.analysis import linear_probe_r2
from tests.helpers import assert_weights_unchanged
from tests.helpers import run_model_saving_test
from tests.helpers import weights_snapshot

NUM_CLASSES = 3
SHAPE = (8, 8, 1)


def cnn(name, width, embedding_dim=12):
    inputs = keras.Input(shape=SHAPE, name=f"{name}_input")
    h = keras.layers.Conv2D(width, 3, padding="same", name="conv")(inputs)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.ReLU(name="relu")(h)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    e = keras.layers.Dense(embedding_dim, activation="relu", name="embedding")(
        h
    )
    return keras.Model(inputs, keras.layers.Dense(NUM_CLASSES)(e), name=name)


def encoder(dim=10):
    inputs = keras.Input(shape=SHAPE)
    h = keras.layers.Flatten()(inputs)
    return keras.Model(inputs, keras.layers.Dense(dim, activation="relu")(h))


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(2.0, 3.0, size=(n, *SHAPE)).astype("float32")
    y = rng.integers(0, NUM_CLASSES, size=(n,))
    return x, y


def make_model(**kwargs):
    defaults = dict(
        base_models=[cnn("base_a", 4), cnn("base_b", 6, embedding_dim=7)],
        alliance=encoder(),
        head=keras.layers.Dense(NUM_CLASSES, name="head"),
        base_representation="embedding",
    )
    defaults.update(kwargs)
    return keras_acorl.ComplementaryModel(**defaults)


def compile_model(model, **kwargs):
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
        **kwargs,
    )
    return model


def test_fit_logs_task_and_adversarial_metrics():
    model = compile_model(make_model())
    x, y = data()
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for key in (
        "loss",
        "accuracy",
        "adversarial_loss",
        "adversary_fit_0",
        "adversary_fit_1",
        "gradient_reversal_scale",
    ):
        assert len(history.history[key]) == 2, key
    assert history.history["gradient_reversal_scale"] == [1.0, 1.0]
    results = model.evaluate(x, y, batch_size=64, verbose=0, return_dict=True)
    predictions = model.predict(x, verbose=0)
    # loss = task loss + adversarial_loss; adversarial_loss is the sum of
    # the per-base terms 1 - adversary_fit_k.
    task = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(
        y, predictions
    )
    np.testing.assert_allclose(
        results["loss"],
        float(keras.ops.convert_to_numpy(task)) + results["adversarial_loss"],
        rtol=1e-5,
    )
    np.testing.assert_allclose(
        results["adversarial_loss"],
        2.0 - results["adversary_fit_0"] - results["adversary_fit_1"],
        rtol=1e-5,
    )
    assert predictions.shape == (64, NUM_CLASSES)
    np.testing.assert_allclose(
        model.classifier.predict(x, verbose=0), predictions, atol=1e-6
    )
    assert model.encoder is model.alliance


def test_call_returns_the_task_output_in_every_mode():
    model = make_model()
    x, _ = data(8)
    expected = keras.ops.convert_to_numpy(model.classifier(x))
    for training in (None, False, True):
        output = model(x, training=training)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(output), expected, atol=1e-6
        )


def test_training_call_is_mc_dropout():
    inputs = keras.Input(shape=SHAPE)
    hidden = keras.layers.Dropout(0.5)(keras.layers.Flatten()(inputs))
    alliance = keras.Model(inputs, keras.layers.Dense(10)(hidden))
    model = make_model(alliance=alliance)
    x, _ = data(8)
    a = keras.ops.convert_to_numpy(model(x, training=True))
    b = keras.ops.convert_to_numpy(model(x, training=True))
    assert a.shape == (8, NUM_CLASSES)
    assert not np.allclose(a, b)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model(x)),
        keras.ops.convert_to_numpy(model(x)),
    )


class _CountingFlatten(keras.layers.Flatten):
    """Counts its calls on real (not symbolic) tensors."""

    calls = 0

    def call(self, inputs):
        if not isinstance(inputs, keras.KerasTensor):
            _CountingFlatten.calls += 1
        return super().call(inputs)


def test_one_alliance_forward_pass_per_step():
    inputs = keras.Input(shape=SHAPE)
    hidden = _CountingFlatten()(inputs)
    alliance = keras.Model(inputs, keras.layers.Dense(10)(hidden))
    model = compile_model(make_model(alliance=alliance), run_eagerly=True)
    x, y = data(32)
    # The first fit also builds the model's metrics and losses (once).
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    _CountingFlatten.calls = 0
    model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    assert _CountingFlatten.calls == 2
    _CountingFlatten.calls = 0
    model.evaluate(x, y, batch_size=16, verbose=0)
    assert _CountingFlatten.calls == 2


def test_forward_with_adversaries_returns_what_the_loss_uses():
    model = make_model()
    x, _ = data(8)
    parts = model.forward_with_adversaries(x, training=True)
    assert parts["acorl_output"].shape == (8, NUM_CLASSES)
    assert [tuple(t.shape) for t in parts["acorl_targets"]] == [(8, 12), (8, 7)]
    assert [tuple(p.shape) for p in parts["acorl_predictions"]] == [
        (8, 12),
        (8, 7),
    ]
    # Batch-standardized targets: zero mean, unit variance per feature.
    target = keras.ops.convert_to_numpy(parts["acorl_targets"][0])
    active = target.std(axis=0) > 1e-3
    np.testing.assert_allclose(target.mean(axis=0), 0.0, atol=1e-4)
    np.testing.assert_allclose(target.std(axis=0)[active], 1.0, atol=2e-2)


def test_base_weights_and_batchnorm_statistics_never_change():
    model = compile_model(make_model())
    before = [weights_snapshot(base) for base in model.base_models]
    alliance_before = weights_snapshot(model.alliance)
    adversary_before = weights_snapshot(model.adversaries[0])
    x, y = data()
    model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    for snapshot, base in zip(before, model.base_models):
        assert any("moving_mean" in path for path in snapshot)
        assert_weights_unchanged(snapshot, base)
    # Training happened: the alliance and the adversaries moved.
    after = weights_snapshot(model.alliance)
    assert any(not np.array_equal(alliance_before[p], after[p]) for p in after)
    after = weights_snapshot(model.adversaries[0])
    assert any(not np.array_equal(adversary_before[p], after[p]) for p in after)


def test_trainable_and_non_trainable_split():
    model = make_model()
    trainable = {id(v) for v in model.trainable_weights}
    for base in model.base_models:
        assert base.trainable is False
        assert not trainable & {id(v) for v in base.weights}
    expected = (
        model.alliance.trainable_weights
        + model.head.trainable_weights
        + model.adversaries[0].trainable_weights
        + model.adversaries[1].trainable_weights
    )
    assert trainable == {id(v) for v in expected}
    non_trainable = {id(v) for v in model.non_trainable_weights}
    for variable in model.gradient_reversal.weights:
        assert id(variable) in non_trainable
    for layer in model.target_standardizers:
        assert {id(v) for v in layer.weights} <= non_trainable


def _redundant_views(n=1200, seed=0):
    """Labels visible in two independent noisy views `a` and `b` of x."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, n)
    means_a, means_b = rng.normal(size=(4, 8)), rng.normal(size=(4, 8))
    a = means_a[y] + rng.normal(size=(n, 8))
    b = means_b[y] + rng.normal(size=(n, 8))
    return np.concatenate([a, b], axis=1).astype("float32"), y


def test_adversarial_term_makes_alliance_less_predictive_of_base():
    x, y = _redundant_views()
    inputs = keras.Input(shape=(16,))
    embedding = keras.layers.Dense(16, activation="relu", name="embedding")
    base = keras.Model(inputs, keras.layers.Dense(4)(embedding(inputs)))
    kernel, bias = embedding.get_weights()
    kernel[8:] = 0.0  # The base model reads view `a` only.
    embedding.set_weights([kernel, bias])
    extractor = keras.Model(base.input, embedding.output)
    v = extractor.predict(x, verbose=0)

    r2, fit = {}, {}
    for weight in (0.0, 3.0):
        keras.utils.set_random_seed(1)
        enc_in = keras.Input(shape=(16,))
        h = keras.layers.Dense(32, activation="relu")(enc_in)
        alliance = keras.Model(
            enc_in, keras.layers.Dense(16, activation="relu")(h)
        )
        model = keras_acorl.ComplementaryModel(
            [base],
            alliance,
            head=keras.layers.Dense(4),
            base_representation="embedding",
            adversarial_weight=weight,
        )
        model.compile(
            optimizer=keras.optimizers.Adam(3e-3),
            loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            metrics=["accuracy"],
        )
        history = model.fit(
            x[:800], y[:800], epochs=20, batch_size=64, verbose=0
        )
        assert history.history["accuracy"][-1] > 0.9  # Still learns the task.
        z = alliance.predict(x, verbose=0)
        r2[weight] = linear_probe_r2(z[:800], v[:800], z[800:], v[800:])
        fit[weight] = history.history["adversary_fit_0"][-1]
    # Held-out linear probe from the alliance to the base representation.
    # Measured: 0.46 -> 0.35 (TF), 0.43 -> 0.33 (JAX), 0.42 -> 0.28 (torch).
    assert r2[3.0] < r2[0.0] - 0.05, r2
    # The adversary itself also finds the base less predictable.
    assert fit[3.0] < fit[0.0] - 0.1, fit


def test_keras_round_trip_gives_identical_predictions(tmp_path):
    model = compile_model(
        make_model(
            base_representation=["embedding", "conv"],
            adversarial_loss="mse",
            adversary={"hidden_units": (8, 8)},
            gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(3.0),
            total_steps=40,
            adversarial_weight=2.0,
        )
    )
    x, y = data()
    model.fit(x, y, epochs=1, batch_size=16, verbose=0)
    restored = run_model_saving_test(model, x, tmp_path)
    config = restored.get_config()
    assert config["base_representation"] == ["embedding", "conv"]
    assert config["adversarial_loss"] == "mse"
    assert config["adversarial_weight"] == 2.0
    assert config["total_steps"] == 40
    assert restored.gradient_reversal_schedule.gamma == 3.0
    iterations = restored.gradient_reversal.iterations
    assert int(keras.ops.convert_to_numpy(iterations)) == 4
    assert restored.adversaries[0].hidden_units == (8, 8)
    for layer_a, layer_b in (
        (model.gradient_reversal, restored.gradient_reversal),
        (model.target_standardizers[1], restored.target_standardizers[1]),
    ):
        for a, b in zip(layer_a.weights, layer_b.weights):
            np.testing.assert_array_equal(
                keras.ops.convert_to_numpy(a), keras.ops.convert_to_numpy(b)
            )
    parts_a = model.forward_with_adversaries(x)
    parts_b = restored.forward_with_adversaries(x)
    for a, b in zip(parts_a["acorl_predictions"], parts_b["acorl_predictions"]):
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(a),
            keras.ops.convert_to_numpy(b),
            atol=1e-5,
        )
    # The restored model keeps training.
    compile_model(restored).fit(x, y, epochs=1, batch_size=32, verbose=0)


def test_base_representations_of_any_form():
    class Subclassed(keras.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.flat = keras.layers.Flatten()
            self.dense = keras.layers.Dense(5)

        def call(self, inputs):
            return self.dense(self.flat(inputs))

    subclassed = Subclassed()
    subclassed(np.zeros((1, *SHAPE), "float32"))
    model = make_model(
        base_models=[cnn("a", 4), cnn("b", 4), subclassed],
        base_representation=[
            "conv",  # Rank 4: global average pooled.
            lambda m: m.get_layer("gap").output,
            None,
        ],
    )
    assert [a.output_dim for a in model.adversaries] == [4, 4, 5]
    compile_model(model).fit(*data(), epochs=1, batch_size=32, verbose=0)


def test_dict_inputs_and_datasets():
    inputs = {
        "image": keras.Input(shape=SHAPE, name="image"),
        "extra": keras.Input(shape=(3,), name="extra"),
    }
    joined = keras.layers.Concatenate()(
        [keras.layers.Flatten()(inputs["image"]), inputs["extra"]]
    )
    base = keras.Model(
        inputs, keras.layers.Dense(NUM_CLASSES, name="embedding")(joined)
    )
    alliance = keras.Model(inputs, keras.layers.Dense(6)(joined))
    model = compile_model(
        keras_acorl.ComplementaryModel(
            [base], alliance, head=keras.layers.Dense(NUM_CLASSES)
        )
    )
    x, y = data()
    features = {"image": x, "extra": np.ones((64, 3), "float32")}
    model.fit(features, y, epochs=1, batch_size=16, verbose=0)

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 4

        def __getitem__(self, i):
            part = slice(16 * i, 16 * (i + 1))
            return {k: v[part] for k, v in features.items()}, y[part]

    history = model.fit(Batches(), epochs=1, verbose=0)
    assert "adversary_fit_0" in history.history
    if keras.backend.backend() == "tensorflow":
        import tensorflow as tf

        ds = tf.data.Dataset.from_tensor_slices((features, y)).batch(16)
        model.fit(ds, epochs=1, verbose=0)
    if keras.backend.backend() == "torch":
        import torch

        class Torchset(torch.utils.data.Dataset):
            def __len__(self):
                return 64

            def __getitem__(self, i):
                return {k: v[i] for k, v in features.items()}, y[i]

        loader = torch.utils.data.DataLoader(Torchset(), batch_size=16)
        model.fit(loader, epochs=1, verbose=0)


class _StopAt(keras.callbacks.Callback):
    def __init__(self, epoch):
        super().__init__()
        self.epoch = epoch

    def on_epoch_begin(self, epoch, logs=None):
        if epoch == self.epoch:
            raise RuntimeError("Interrupted")


def test_backup_and_restore_resumes_to_the_same_weights(tmp_path):
    x, y = data(96)

    def run(callbacks):
        keras.utils.set_random_seed(7)
        model = compile_model(
            make_model(
                gradient_reversal_schedule=keras_acorl.schedules.DANNRamp()
            )
        )
        scheduler = keras_acorl.callbacks.GradientReversalScheduler()
        history = model.fit(
            x,
            y,
            epochs=4,
            batch_size=32,
            shuffle=False,
            verbose=0,
            callbacks=[scheduler, *callbacks],
        )
        return model, history.history["gradient_reversal_scale"]

    model, scales = run([])
    reference = [keras.ops.convert_to_numpy(v) for v in model.weights]
    # 4 epochs of 3 steps; the logged scale is the epoch's mean factor.
    ramp = keras_acorl.schedules.DANNRamp()
    expected = [
        np.mean([ramp((3 * e + b) / 12) for b in range(3)]) for e in range(4)
    ]
    np.testing.assert_allclose(scales, expected, rtol=1e-5)
    backup = keras.callbacks.BackupAndRestore(os.path.join(tmp_path, "b"))
    with pytest.raises(RuntimeError, match="Interrupted"):
        run([backup, _StopAt(2)])
    resumed, scales = run([keras.callbacks.BackupAndRestore(backup.backup_dir)])
    # The resumed run continues the schedule: epochs 2 and 3 only.
    np.testing.assert_allclose(scales, expected[2:], rtol=1e-5)
    iterations = resumed.gradient_reversal.iterations
    assert int(keras.ops.convert_to_numpy(iterations)) == 12
    after = [keras.ops.convert_to_numpy(v) for v in resumed.weights]
    assert len(after) == len(reference)
    for variable, a, b in zip(resumed.weights, after, reference):
        np.testing.assert_allclose(a, b, atol=1e-5, err_msg=variable.path)


def test_fit_without_labels_is_a_clear_error():
    model = compile_model(make_model())
    x, _ = data()
    with pytest.raises(ValueError, match="needs labels"):
        model.fit(x, epochs=1, verbose=0)


def test_compile_without_task_loss_is_a_clear_error():
    model = make_model()
    model.compile(optimizer="adam")
    with pytest.raises(ValueError, match="task loss"):
        model.fit(*data(), epochs=1, verbose=0)


def test_schedule_without_total_steps_is_a_clear_error():
    model = compile_model(
        make_model(gradient_reversal_schedule=keras_acorl.schedules.DANNRamp())
    )
    with pytest.raises(ValueError, match="total_steps"):
        model.fit(*data(), epochs=1, verbose=0)


def _other_shape_base():
    inputs = keras.Input(shape=(4, 4, 1))
    return keras.Model(inputs, keras.layers.Dense(3)(inputs))


def _rank6_base():
    inputs = keras.Input(shape=SHAPE)
    deep = keras.layers.Reshape((2, 2, 2, 2, 4), name="deep")(inputs)
    return keras.Model(inputs, keras.layers.Dense(3)(deep))


_FACTORIES = (_other_shape_base, _rank6_base)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(base_models=[]), ValueError, "base_models"),
        (dict(base_models=["model"]), TypeError, r"base_models\[0\]"),
        (dict(base_models=[keras.layers.Dense(3)]), TypeError, "base_models"),
        (dict(alliance="encoder"), TypeError, "alliance"),
        (dict(base_models=[_other_shape_base]), ValueError, "input shape"),
        (
            dict(base_representation="missing"),
            ValueError,
            r"missing.*Available layers.*embedding",
        ),
        (
            dict(base_representation=["embedding"]),
            ValueError,
            "one entry per model",
        ),
        (
            dict(base_models=[_rank6_base], base_representation="deep"),
            ValueError,
            "rank 2",
        ),
        (dict(adversarial_weight=-1.0), ValueError, "adversarial_weight"),
        (dict(adversarial_weight="1"), TypeError, "adversarial_weight"),
        (dict(adversarial_weight=True), TypeError, "adversarial_weight"),
        (
            dict(adversarial_weight=float("nan")),
            ValueError,
            "adversarial_weight",
        ),
        (
            dict(adversarial_weight=float("inf")),
            ValueError,
            "adversarial_weight",
        ),
        (
            dict(gradient_reversal_schedule=0.5),
            TypeError,
            "gradient_reversal_schedule",
        ),
        (dict(total_steps=0), ValueError, "total_steps"),
        (dict(adversarial_loss="l1"), ValueError, "adversarial_loss"),
        (dict(adversary=3), TypeError, "adversary"),
        (dict(head="dense"), TypeError, "head"),
        (dict(standardize_targets="yes"), TypeError, "standardize_targets"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    kwargs = {
        k: [m() if m in _FACTORIES else m for m in v]
        if k == "base_models"
        else v
        for k, v in kwargs.items()
    }
    with pytest.raises(error, match=match):
        make_model(**kwargs)


def test_precomputed_base_representations_match_live_base_models():
    model = compile_model(make_model())
    x, y = data()
    cached = model.precompute(x, batch_size=16)
    assert [a.shape for a in cached["base_representations"]] == [
        (64, 12),
        (64, 7),
    ]
    live = model.evaluate(x, y, verbose=0, return_dict=True)
    stored = model.evaluate(cached, y, verbose=0, return_dict=True)
    for key in ("loss", "adversarial_loss", "adversary_fit_0", "accuracy"):
        assert stored[key] == pytest.approx(live[key], rel=1e-4), key
    np.testing.assert_allclose(
        model.predict(cached, verbose=0), model.predict(x, verbose=0)
    )
    history = model.fit(cached, y, epochs=1, batch_size=16, verbose=0)
    assert "adversary_fit_1" in history.history


def _alliance_kernel_step(model, x, y):
    """The change of the alliance's last kernel in one SGD step."""
    kernel = model.alliance.layers[-1].kernel
    before = keras.ops.convert_to_numpy(kernel).copy()
    model.fit(x, y, batch_size=len(x), epochs=1, shuffle=False, verbose=0)
    return keras.ops.convert_to_numpy(kernel) - before


@pytest.mark.parametrize("schedule", [None, "dann"])
def test_adversarial_weight_set_between_fits_changes_the_gradient(schedule):
    # The alliance's step is -lr * (g_task - w * s * g_adv): linear in the
    # weight w and in the schedule's factor s, read in the compiled step.
    ramp = keras_acorl.schedules.DANNRamp()
    model = make_model(
        adversarial_weight=1.0,
        gradient_reversal_schedule=ramp if schedule else None,
        total_steps=10,
    )
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        jit_compile=keras.backend.backend() != "torch",
    )
    x, y = data(16)
    initial = model.get_weights()
    steps = {}
    for weight, step in ((1.0, 3), (0.0, 3), (np.float32(2.5), 3), (1.0, 7)):
        model.set_weights(initial)
        model.gradient_reversal.iterations.assign(step)
        model.adversarial_weight = weight
        steps[float(weight), step] = _alliance_kernel_step(model, x, y)
    assert model.adversarial_weight == 1.0
    task = steps[0.0, 3]
    adversarial = steps[1.0, 3] - task
    assert np.abs(adversarial).max() > 1e-4
    factor = (
        {3: 1.0, 7: 1.0} if schedule is None else {3: ramp(0.3), 7: ramp(0.7)}
    )
    np.testing.assert_allclose(
        steps[2.5, 3] - task, 2.5 * adversarial, rtol=1e-3, atol=1e-6
    )
    np.testing.assert_allclose(
        steps[1.0, 7] - task,
        factor[7] / factor[3] * adversarial,
        rtol=1e-3,
        atol=1e-6,
    )
    with pytest.raises(TypeError, match="adversarial_weight"):
        model.adversarial_weight = True
    with pytest.raises(ValueError, match="adversarial_weight"):
        model.adversarial_weight = -1.0


def test_sequential_models_in_every_model_class():
    # Keras gives a Sequential model `inputs`/`outputs` but no `input`/
    # `output` until it is called; every class must take one (the
    # docstrings promise "functional or Sequential with an input").
    def sequential(name, units=3):
        return keras.Sequential(
            [
                keras.Input((4,)),
                keras.layers.Dense(6, activation="relu", name=f"{name}_rep"),
                keras.layers.Dense(units, name=f"{name}_out"),
            ],
            name=name,
        )

    x = np.random.default_rng(0).normal(size=(16, 4)).astype("float32")
    y = np.arange(16) % 3
    base, teacher, student = sequential("b"), sequential("t"), sequential("s")
    alliance = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(5, activation="relu")]
    )
    head = keras.layers.Dense(3)
    model = keras_acorl.ComplementaryModel(
        [base], alliance, head=head, base_representation="b_rep"
    )
    assert [a.output_dim for a in model.adversaries] == [6]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(model.classifier(x)),
        keras.ops.convert_to_numpy(head(alliance(x))),
        atol=1e-6,
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)

    meal = keras_acorl.MEALDistiller(
        [teacher], student, taps=[("s_rep", "t_rep")]
    )
    assert meal.export_inputs() is student.inputs[0]
    before = weights_snapshot(student)
    meal.compile(optimizer="adam")
    meal.fit(x, epochs=1, batch_size=8, verbose=0)
    after = weights_snapshot(student)
    assert any(np.abs(after[k] - before[k]).max() > 0 for k in before)

    fusion = keras_acorl.FusionEnsemble([base, teacher], method="mean_logits")
    expected = (
        keras.ops.convert_to_numpy(base(x))
        + keras.ops.convert_to_numpy(teacher(x))
    ) / 2
    np.testing.assert_allclose(
        fusion.predict(x, verbose=0), expected, atol=1e-5
    )
