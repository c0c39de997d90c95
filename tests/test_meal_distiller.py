import warnings

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.losses import soft_cross_entropy
from tests.helpers import assert_weights_unchanged
from tests.helpers import run_model_saving_test
from tests.helpers import value_and_gradient
from tests.helpers import weights_snapshot

SHAPE = (8, 8, 1)
CLASSES = 4


def cnn(width, name):
    inputs = keras.Input(shape=SHAPE)
    h = keras.layers.Conv2D(width, 3, padding="same", name="block1")(inputs)
    h = keras.layers.BatchNormalization(name="bn")(h)
    h = keras.layers.ReLU(name="relu")(h)
    h = keras.layers.Conv2D(width, 3, padding="same", name="block2")(h)
    h = keras.layers.GlobalAveragePooling2D(name="gap")(h)
    return keras.Model(inputs, keras.layers.Dense(CLASSES)(h), name=name)


def mlp(width, name, classes=CLASSES):
    inputs = keras.Input(shape=SHAPE)
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(width, activation="relu", name="hidden")(h)
    return keras.Model(inputs, keras.layers.Dense(classes)(h), name=name)


def data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(1.0, 2.0, size=(n, *SHAPE)).astype("float32")
    return x, rng.integers(0, CLASSES, size=(n,))


def teachers():
    return [cnn(4, "t0"), cnn(6, "t1"), mlp(16, "t2")]


def compile_distiller(distiller, **kwargs):
    distiller.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        discriminator_optimizer=keras.optimizers.Adam(1e-3),
        **kwargs,
    )
    return distiller


def test_soft_cross_entropy_equals_the_formula():
    rng = np.random.default_rng(0)
    s = rng.normal(size=(5, 7)).astype("float32")
    t = rng.normal(size=(5, 7)).astype("float32")
    for temperature in (1.0, 3.0):
        p = np.exp(t / temperature)
        p /= p.sum(-1, keepdims=True)
        log_q = s / temperature - np.log(
            np.exp(s / temperature).sum(-1, keepdims=True)
        )
        expected = -(p * log_q).sum(-1).mean() * temperature**2
        tensors = [keras.ops.convert_to_tensor(a) for a in (s, t, p)]
        actual = soft_cross_entropy(*tensors, temperature)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(actual), expected, rtol=1e-5
        )


def _softmax(a):
    e = np.exp(a - a.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


@pytest.mark.parametrize(
    "name, formula",
    [
        (
            "kl",
            lambda s, t, p, T: (
                (p * (np.log(p) - np.log(_softmax(s / T)))).sum(-1).mean()
                * T**2
            ),
        ),
        ("l1", lambda s, t, p, T: np.abs(s - t).mean()),
        ("l2", lambda s, t, p, T: np.square(s - t).mean()),
        ("l1_soft", lambda s, t, p, T: np.abs(_softmax(s / T) - p).mean()),
        ("l2_soft", lambda s, t, p, T: np.square(_softmax(s / T) - p).mean()),
    ],
)
def test_similarities_equal_their_formulas(name, formula):
    rng = np.random.default_rng(1)
    s = rng.normal(size=(5, 7)).astype("float32")
    t = rng.normal(size=(5, 7)).astype("float32")
    for temperature in (1.0, 3.0):
        p = _softmax(t / temperature)
        tensors = [keras.ops.convert_to_tensor(a) for a in (s, t, p)]
        actual = keras_acorl.losses.SIMILARITIES[name](*tensors, temperature)
        np.testing.assert_allclose(
            keras.ops.convert_to_numpy(actual),
            formula(s, t, p, temperature),
            rtol=1e-5,
            atol=1e-7,
        )


@pytest.mark.parametrize("mode", ["joint", "grl", "alternating", "none"])
def test_label_free_fit_trains_student_and_never_teachers(mode):
    distiller = compile_distiller(
        keras_acorl.MEALDistiller(
            teachers(),
            cnn(3, "student"),
            taps=[("block2", ["block2", "block2", "hidden"])],
            adversarial_mode=mode,
            align_dim=8,
            seed=3,
        )
    )
    before = [weights_snapshot(t) for t in distiller.teachers]
    student_before = weights_snapshot(distiller.student)
    x, _ = data()
    history = distiller.fit(x, epochs=2, batch_size=16, verbose=0)
    for snapshot, teacher in zip(before, distiller.teachers):
        assert_weights_unchanged(snapshot, teacher)
    after = weights_snapshot(distiller.student)
    assert any(not np.array_equal(student_before[k], after[k]) for k in after)
    assert "similarity_loss" in history.history
    has_discriminators = mode != "none"
    assert ("discriminator_accuracy" in history.history) == has_discriminators
    assert len(distiller.discriminators) == (2 if has_discriminators else 0)


def test_random_mode_draws_one_teacher_per_step_and_all_over_time():
    distiller = compile_distiller(
        keras_acorl.MEALDistiller(
            teachers(), mlp(4, "student"), teacher_mode="random", seed=0
        )
    )
    x, _ = data(96)
    history = distiller.fit(x, epochs=1, batch_size=2, verbose=0)
    rates = [history.history[f"teacher_{k}_draw_rate"][0] for k in range(3)]
    # One teacher per step: the per-step indicators sum to 1.
    assert sum(rates) == pytest.approx(1.0)
    # 48 draws: every teacher gets drawn.
    assert min(rates) > 0.1, rates


class _Counter(keras.layers.Layer):
    calls = {}

    def call(self, inputs):
        _Counter.calls[self.name] = _Counter.calls.get(self.name, 0) + 1
        return inputs


@pytest.mark.skipif(
    keras.backend.backend() == "jax",
    reason="jax.lax.switch traces every branch in Python, even eagerly; "
    "only the drawn one executes.",
)
def test_random_mode_runs_only_the_drawn_teacher():
    def counted(name):
        inputs = keras.Input(shape=SHAPE)
        h = _Counter(name=f"count_{name}")(keras.layers.Flatten()(inputs))
        return keras.Model(inputs, keras.layers.Dense(CLASSES)(h), name=name)

    _Counter.calls = {}
    distiller = keras_acorl.MEALDistiller(
        [counted("a"), counted("b"), counted("c")],
        mlp(4, "student"),
        teacher_mode="random",
        adversarial_mode="none",
        seed=1,
    )
    distiller.compile(optimizer="adam", run_eagerly=True)
    x, _ = data(40)
    _Counter.calls = {}
    distiller.fit(x, epochs=1, batch_size=4, verbose=0)
    assert sum(_Counter.calls.values()) == 10  # One teacher per step.
    assert len(_Counter.calls) >= 2


def test_grl_mode_flips_the_discriminator_gradient_reaching_the_student():
    distiller = keras_acorl.MEALDistiller(
        teachers(), mlp(4, "student"), adversarial_mode="joint"
    )
    rng = np.random.default_rng(0)
    student = rng.normal(size=(6, CLASSES)).astype("float32")
    teacher = keras.ops.convert_to_tensor(
        rng.normal(size=(6, CLASSES)).astype("float32")
    )

    def gradient(mode):
        distiller.adversarial_mode = mode

        def loss(s):
            with keras.StatelessScope():
                return distiller._adversarial_loss([s], [teacher])

        return value_and_gradient(loss, student)[1]

    joint, reversed_ = gradient("joint"), gradient("grl")
    assert np.abs(joint).max() > 1e-4
    np.testing.assert_allclose(reversed_, -joint, rtol=1e-5, atol=1e-7)
    # "alternating": only the non-saturating fooling term reaches the student.
    alternating = gradient("alternating")
    assert not np.allclose(alternating, joint)


def test_alternating_mode_is_a_discriminator_step_then_a_student_step():
    # 16 classes: discriminator widths 8, 4, 2 (tiny ones can start dead).
    x, _ = data(32)
    teacher = mlp(16, "t0", classes=16)
    student_weights = mlp(8, "student", classes=16).get_weights()

    def run(mode, discriminator_weights, student_lr, discriminator_lr):
        student = mlp(8, "student", classes=16)
        student.set_weights(student_weights)
        distiller = keras_acorl.MEALDistiller(
            [teacher], student, teacher_mode="mean", adversarial_mode=mode
        )
        if discriminator_weights is not None:
            distiller.discriminators[0].set_weights(discriminator_weights)
        distiller.compile(
            optimizer=keras.optimizers.SGD(student_lr),
            discriminator_optimizer=keras.optimizers.SGD(discriminator_lr),
        )
        distiller.fit(x, batch_size=32, epochs=1, shuffle=False, verbose=0)
        return (
            student.get_weights(),
            distiller.discriminators[0].get_weights(),
        )

    initial = run("alternating", None, 0.0, 0.0)[1]
    student_a, discriminator_a = run("alternating", initial, 0.5, 0.5)
    # Phase 1 is the discriminator's own step: the same as in "joint" mode.
    _, discriminator_joint = run("joint", initial, 0.0, 0.5)
    for a, b in zip(discriminator_a, discriminator_joint):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert any(not np.allclose(a, b) for a, b in zip(discriminator_a, initial))
    # Phase 2: the student stepped against the *updated* discriminator.
    student_after, _ = run("alternating", discriminator_a, 0.5, 0.0)
    for a, b in zip(student_a, student_after):
        np.testing.assert_allclose(a, b, atol=1e-5)
    student_before, _ = run("alternating", initial, 0.5, 0.0)
    assert any(
        not np.allclose(a, b, atol=1e-5)
        for a, b in zip(student_a, student_before)
    )


def test_precomputed_teacher_outputs_give_the_same_loss():
    for mode in ("random", "mean"):
        distiller = compile_distiller(
            keras_acorl.MEALDistiller(
                teachers(),
                cnn(3, "student"),
                teacher_mode=mode,
                taps=[("block2", ["block2", "block2", "hidden"])],
                adversarial_mode="joint",
                align_dim=8,
            )
        )
        x, _ = data()
        cached = distiller.precompute(x, batch_size=32)
        assert [a.shape for a in cached["teacher_outputs"]] == [
            (64, 3, 8),
            (64, 3, CLASSES),
        ]
        live = distiller.evaluate(x, verbose=0, return_dict=True)
        stored = distiller.evaluate(cached, verbose=0, return_dict=True)
        for key in ("loss", "similarity_loss", "discriminator_loss"):
            assert stored[key] == pytest.approx(live[key], rel=1e-4), key
        distiller.fit(cached, epochs=1, batch_size=16, verbose=0)


def test_mean_mode_targets_the_mean_teacher_softmax():
    distiller = keras_acorl.MEALDistiller(
        teachers(), mlp(4, "student"), teacher_mode="mean"
    )
    x, _ = data(8)
    stack = keras.ops.convert_to_numpy(distiller.teacher_outputs(x)[-1])
    expected = np.stack(
        [t.predict(x, verbose=0) for t in distiller.teachers], axis=1
    )
    np.testing.assert_allclose(stack, expected, atol=1e-5)


@pytest.mark.parametrize("training", [True, False])
def test_call_returns_the_student_logits_in_every_mode(training):
    distiller = keras_acorl.MEALDistiller(
        teachers(),
        cnn(3, "student"),
        taps=[("block2", ["block2", "block2", "hidden"])],
        align_dim=8,
    )
    x, _ = data(8)
    outputs = distiller(x, training=training)
    expected = distiller.student(x, training=training)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(outputs),
        keras.ops.convert_to_numpy(expected),
        atol=1e-5,
    )


class _StudentCounter(keras.layers.Layer):
    calls = 0

    def call(self, inputs):
        _StudentCounter.calls += 1
        return inputs


def test_fit_and_evaluate_run_the_student_once_per_batch():
    inputs = keras.Input(shape=SHAPE)
    h = keras.layers.Conv2D(3, 3, padding="same", name="block")(inputs)
    h = _StudentCounter()(h)
    h = keras.layers.GlobalAveragePooling2D()(h)
    student = keras.Model(inputs, keras.layers.Dense(CLASSES)(h))
    distiller = compile_distiller(
        keras_acorl.MEALDistiller(
            teachers(),
            student,
            taps=[("block", ["block2", "block2", "hidden"])],
            align_dim=4,
        ),
        run_eagerly=True,
    )

    def passes(run, n):
        # Keras may build the model once per `fit` (a symbolic or abstract
        # pass): count the passes that grow with the number of batches.
        _StudentCounter.calls = 0
        run(data(n)[0], batch_size=8, verbose=0)
        return _StudentCounter.calls

    distiller.fit(data(8)[0], verbose=0)  # Builds the optimizer.
    for run in (distiller.fit, distiller.evaluate):
        assert passes(run, 64) - passes(run, 32) == 4  # 4 more batches.


def test_labels_are_optional_and_used_with_label_weight():
    x, y = data()
    distiller = keras_acorl.MEALDistiller(
        teachers(), mlp(4, "student"), label_weight=0.5
    )
    compile_distiller(
        distiller,
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = distiller.fit(x, y, epochs=1, batch_size=16, verbose=0)
    assert "accuracy" in history.history
    assert history.history["loss"][0] > history.history["similarity_loss"][0]
    with pytest.raises(ValueError, match="label_weight"):
        distiller.fit(x, epochs=1, verbose=0)


def test_label_free_fit_reports_no_unmeasured_compiled_metrics():
    x, y = data()
    distiller = compile_distiller(
        keras_acorl.MEALDistiller(teachers(), mlp(4, "student")),
        metrics=["accuracy"],
    )
    logs = distiller.fit(x, epochs=1, batch_size=16, verbose=0).history
    assert "accuracy" not in logs and "similarity_loss" in logs
    logs = distiller.evaluate(x, y, verbose=0, return_dict=True)
    assert 0.0 <= logs["accuracy"] <= 1.0


def test_compile_settings_survive_a_keras_round_trip(tmp_path):
    distiller = keras_acorl.MEALDistiller(
        teachers(), mlp(4, "student"), adversarial_mode="alternating"
    )
    distiller.compile(
        optimizer=keras.optimizers.Adam(0.01),
        discriminator_optimizer=keras.optimizers.SGD(0.25),
    )
    x, _ = data()
    distiller.fit(x, epochs=1, batch_size=16, verbose=0)
    path = str(tmp_path / "distiller.keras")
    distiller.save(path)
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*compile.*")
        restored = keras.saving.load_model(path)
    rates = sorted(
        float(keras.ops.convert_to_numpy(o.learning_rate))
        for o in restored.optimizer.optimizers
    )
    np.testing.assert_allclose(rates, [0.01, 0.25])
    assert int(keras.ops.convert_to_numpy(restored.optimizer.iterations)) == 4
    restored.fit(x, epochs=1, batch_size=16, verbose=0)  # Training resumes.
    assert int(keras.ops.convert_to_numpy(restored.optimizer.iterations)) == 8


def test_discriminators_have_their_own_learning_rate():
    distiller = keras_acorl.MEALDistiller(
        teachers(), mlp(4, "student"), adversarial_mode="joint"
    )
    distiller.compile(
        optimizer=keras.optimizers.SGD(0.1),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
    )
    discriminator = weights_snapshot(distiller.discriminators[0])
    student = weights_snapshot(distiller.student)
    distiller.fit(data()[0], epochs=1, batch_size=16, verbose=0)
    assert_weights_unchanged(discriminator, distiller.discriminators[0])
    after = weights_snapshot(distiller.student)
    assert any(not np.array_equal(student[k], after[k]) for k in after)
    with pytest.raises(ValueError, match="discriminator_optimizer"):
        optimizer = keras.optimizers.Adam()
        distiller.compile(
            optimizer=optimizer, discriminator_optimizer=optimizer
        )


def test_keras_round_trip_and_bare_student(tmp_path):
    distiller = compile_distiller(
        keras_acorl.MEALDistiller(
            teachers(),
            cnn(3, "student"),
            teacher_mode="mean",
            taps=[("block1", ["block1", "block1", "hidden"])],
            similarity="kl",
            temperature=2.0,
            gamma=[0.1, 1.0],
            eta=[0.5, 1.0],
            adversarial_mode="joint",
            align_dim=6,
            discriminator_final_relu=True,
        )
    )
    x, _ = data()
    distiller.fit(x, epochs=1, batch_size=32, verbose=0)
    restored = run_model_saving_test(distiller, x, tmp_path)
    config = restored.get_config()
    assert config["gamma"] == [0.1, 1.0] and config["similarity"] == "kl"
    assert restored.discriminators[0].final_relu is True
    np.testing.assert_allclose(
        restored.student.predict(x, verbose=0),
        distiller.student.predict(x, verbose=0),
        atol=1e-6,
    )
    run_model_saving_test(distiller.student, x, tmp_path, name="student.keras")
    assert not any("discriminator" in v.path for v in distiller.student.weights)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        (dict(teachers=[]), ValueError, "teachers"),
        (dict(teachers=[mlp]), TypeError, r"teachers\[0\]"),
        (
            dict(teachers=[lambda: mlp(8, "t", classes=7)]),
            ValueError,
            "7 logits",
        ),
        (dict(taps=[("nope", "block2")]), ValueError, "nope.*Available"),
        (dict(gamma=[1.0, 1.0, 1.0]), ValueError, "gamma"),
        (dict(eta=[1.0]), ValueError, "eta"),
        (dict(temperature=0.0), ValueError, "temperature"),
        (dict(temperature=-1.0), ValueError, "temperature"),
        (dict(teacher_mode="vote"), ValueError, "teacher_mode"),
        (dict(similarity="cos"), ValueError, "similarity"),
        (dict(adversarial_mode="gan"), ValueError, "adversarial_mode"),
        (
            dict(taps=[("block2", ["block2"])]),
            ValueError,
            r"taps\[0\]. must have one entry per model",
        ),
        (dict(align_dim=0), ValueError, "align_dim"),
        (dict(align_dim=4.0), TypeError, "align_dim"),
        (dict(discriminator_reduction=0), ValueError, "discriminator_red"),
        (dict(discriminator_final_relu=1), TypeError, "discriminator_final"),
        (dict(seed=1.5), TypeError, "seed"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    if "teachers" in kwargs:
        kwargs["teachers"] = [
            t() if getattr(t, "__name__", "") == "<lambda>" else t
            for t in kwargs["teachers"]
        ]
    arguments = dict(
        teachers=[cnn(4, "a"), cnn(4, "b")],
        student=cnn(3, "s"),
        taps=[("block2", "block2")],
    )
    arguments.update(kwargs)
    with pytest.raises(error, match=match):
        keras_acorl.MEALDistiller(**arguments)


def test_regularization_is_added_once_whatever_the_label_weight():
    x, y = data(32)
    inputs = keras.Input(shape=SHAPE)
    h = keras.layers.Flatten()(inputs)
    h = keras.layers.Dense(
        16, activation="relu", kernel_regularizer=keras.regularizers.L2(0.1)
    )(h)
    student = keras.Model(inputs, keras.layers.Dense(CLASSES)(h))
    regularization = float(
        sum(keras.ops.convert_to_numpy(loss) for loss in student.losses)
    )
    assert regularization > 0.1
    label_loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    label_loss = float(
        keras.ops.convert_to_numpy(
            label_loss_fn(y, student.predict(x, verbose=0))
        )
    )
    frozen = teachers()
    totals = []
    for label_weight in (0.0, 0.5, 2.0):
        distiller = keras_acorl.MEALDistiller(
            frozen,
            student,
            teacher_mode="mean",
            adversarial_mode="none",
            label_weight=label_weight,
        )
        distiller.compile(optimizer="sgd", loss=label_loss_fn)
        logs = distiller.evaluate(
            x, y, batch_size=32, verbose=0, return_dict=True
        )
        expected = (
            logs["similarity_loss"] + label_weight * label_loss + regularization
        )
        assert logs["loss"] == pytest.approx(expected, rel=1e-5), label_weight
        totals.append(logs["loss"])
    # The label term scales with `label_weight`; the regularization does not.
    assert totals[1] - totals[0] == pytest.approx(0.5 * label_loss, rel=1e-4)
    assert totals[2] - totals[0] == pytest.approx(2.0 * label_loss, rel=1e-4)


def _soft_cross_entropy(student, teachers_, temperature):
    """NumPy MEAL V2 similarity: soft CE against the mean teacher softmax."""

    def log_softmax(a):
        a = a / temperature
        a = a - a.max(-1, keepdims=True)
        return a - np.log(np.exp(a).sum(-1, keepdims=True))

    probs = np.mean([np.exp(log_softmax(t)) for t in teachers_], axis=0)
    per_sample = -(probs * log_softmax(student)).sum(-1)
    return per_sample.mean() * temperature**2


def test_hyperparameters_set_after_a_fit_change_the_next_steps():
    x, y = data(16)
    distiller = keras_acorl.MEALDistiller(
        teachers(),
        mlp(4, "student"),
        teacher_mode="mean",
        temperature=1.0,
        adversarial_mode="joint",
    )
    label_loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    # Learning rates 0: every step sees the same weights.
    distiller.compile(
        optimizer=keras.optimizers.SGD(0.0),
        discriminator_optimizer=keras.optimizers.SGD(0.0),
        loss=label_loss_fn,
    )
    student = distiller.student.predict(x, verbose=0)
    teacher_logits = [t.predict(x, verbose=0) for t in distiller.teachers]
    label_loss = float(keras.ops.convert_to_numpy(label_loss_fn(y, student)))

    class SetTemperature(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            if epoch == 1:
                self.model.temperature = 2.0

    logs = distiller.fit(
        x, y, batch_size=16, epochs=2, callbacks=[SetTemperature()], verbose=0
    ).history
    similarity = logs["similarity_loss"]
    assert similarity[0] == pytest.approx(
        _soft_cross_entropy(student, teacher_logits, 1.0), rel=1e-4
    )
    # Set during the fit, from a callback: the second epoch uses it.
    assert similarity[1] == pytest.approx(
        _soft_cross_entropy(student, teacher_logits, 2.0), rel=1e-4
    )
    assert abs(similarity[1] - similarity[0]) > 1e-3
    discriminator = logs["discriminator_loss"][0]

    distiller.temperature = np.float32(3.0)
    distiller.gamma = [0.5]
    distiller.eta = (2,)
    distiller.label_weight = 0.25
    logs = distiller.fit(x, y, batch_size=16, verbose=0).history
    expected_similarity = 0.5 * _soft_cross_entropy(
        student, teacher_logits, 3.0
    )
    assert logs["similarity_loss"][0] == pytest.approx(
        expected_similarity, rel=1e-4
    )
    assert logs["discriminator_loss"][0] == pytest.approx(
        2.0 * discriminator, rel=1e-4
    )
    assert logs["loss"][0] == pytest.approx(
        expected_similarity + 2.0 * discriminator + 0.25 * label_loss,
        rel=1e-4,
    )
    config = distiller.get_config()
    assert (config["temperature"], config["gamma"], config["eta"]) == (
        3.0,
        [0.5],
        [2.0],
    )
    assert config["label_weight"] == 0.25


@pytest.mark.parametrize(
    "name, value, error, match",
    [
        ("temperature", 0.0, ValueError, "temperature.*> 0"),
        ("temperature", float("nan"), ValueError, "temperature"),
        ("temperature", True, TypeError, "temperature.*bool"),
        ("label_weight", -1.0, ValueError, "label_weight.*>= 0"),
        ("label_weight", float("inf"), ValueError, "label_weight"),
        ("label_weight", "0.5", TypeError, "label_weight.*str"),
        ("gamma", [1.0], ValueError, "gamma.*2 real numbers"),
        ("gamma", [1.0, float("nan")], ValueError, r"gamma\[1\]"),
        ("eta", [1.0, np.bool_(True)], TypeError, r"eta\[1\]"),
    ],
)
def test_hyperparameter_setters_validate(name, value, error, match):
    distiller = keras_acorl.MEALDistiller(
        [cnn(4, "a")], cnn(3, "s"), taps=[("block2", "block2")]
    )
    before = getattr(distiller, name)
    with pytest.raises(error, match=match):
        setattr(distiller, name, value)
    assert getattr(distiller, name) == before
    with pytest.raises(error, match=match):
        keras_acorl.MEALDistiller(
            [cnn(4, "b")],
            cnn(3, "t"),
            taps=[("block2", "block2")],
            **{name: value},
        )


def test_numpy_scalars_are_accepted_as_hyperparameters():
    distiller = keras_acorl.MEALDistiller(
        [mlp(8, "a")],
        mlp(4, "s"),
        temperature=np.float32(2.0),
        label_weight=np.int64(1),
        gamma=np.array([0.5]),
        eta=[np.float64(0.25)],
    )
    config = distiller.get_config()
    assert (config["temperature"], config["label_weight"]) == (2.0, 1.0)
    assert (config["gamma"], config["eta"]) == ([0.5], [0.25])
    assert all(
        type(v) is float
        for v in [config["temperature"], *config["gamma"], *config["eta"]]
    )


def test_alternating_mode_needs_its_own_discriminator_optimizer():
    distiller = keras_acorl.MEALDistiller(
        [mlp(8, "a")], mlp(4, "s"), adversarial_mode="alternating"
    )
    optimizer = keras.optimizers.MultiOptimizer(
        keras.optimizers.OptimizerMap(keras.optimizers.SGD())
    )
    with pytest.raises(ValueError, match="discriminator_optimizer"):
        distiller.compile(optimizer=optimizer)


@pytest.mark.skipif(
    keras.backend.backend() != "jax", reason="The JAX trainer's hook."
)
def test_jax_look_ahead_fails_loudly_without_the_step_state():
    # `fit` in "alternating" mode (test above) checks that the JAX trainer
    # still hands the optimizer state over; outside a step, or if Keras
    # stops doing so, look_ahead says why instead of reading stale state.
    from keras_acorl import keras_compat

    distiller = compile_distiller(
        keras_acorl.MEALDistiller(
            [mlp(8, "a")], mlp(4, "s"), adversarial_mode="alternating"
        )
    )
    variables = distiller.discriminators[0].trainable_variables
    grads = [keras.ops.zeros(v.shape) for v in variables]
    with pytest.raises(RuntimeError, match="compute_loss_and_updates"):
        keras_compat.look_ahead(
            distiller, distiller.discriminator_optimizer, grads, variables
        )


# A task where the teachers know more than the labels: classes 0/1 and 2/3
# are near neighbours (close weight vectors), which hard labels (the
# teachers' argmax) do not say.
FEATURES = 6


def _linear_teacher(weights, name):
    inputs = keras.Input(shape=(FEATURES,))
    layer = keras.layers.Dense(CLASSES, use_bias=False)
    model = keras.Model(inputs, layer(inputs), name=name)
    layer.set_weights([weights])
    return model


def _linear_student(name):
    keras.utils.set_random_seed(3)
    inputs = keras.Input(shape=(FEATURES,))
    return keras.Model(inputs, keras.layers.Dense(CLASSES)(inputs), name=name)


@pytest.fixture(scope="module")
def similar_classes_task():
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(FEATURES, 2))
    weights = np.repeat(centres, 2, axis=1) + 0.3 * rng.normal(
        size=(FEATURES, CLASSES)
    )
    teachers_ = [
        _linear_teacher(
            (weights + 0.1 * rng.normal(size=weights.shape)).astype("float32"),
            f"linear_teacher_{k}",
        )
        for k in range(3)
    ]
    x = rng.normal(size=(640, FEATURES)).astype("float32")
    ensemble = np.mean(
        [_softmax(t.predict(x, verbose=0)) for t in teachers_], axis=0
    )
    y = ensemble.argmax(-1)
    split = 512
    return teachers_, (x[:split], y[:split]), (x[split:], ensemble[split:])


def _kl_to_ensemble(student, x, ensemble):
    log_q = np.log(_softmax(student.predict(x, verbose=0)) + 1e-12)
    return float(np.mean(np.sum(ensemble * (np.log(ensemble) - log_q), -1)))


def test_distilled_student_moves_toward_the_teachers(similar_classes_task):
    teachers_, (x, y), (x_test, ensemble) = similar_classes_task
    fit_kwargs = dict(batch_size=64, epochs=15, verbose=0)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    label_student = _linear_student("label_student")
    label_student.compile(optimizer=keras.optimizers.Adam(0.05), loss=loss)
    label_student.fit(x, y, **fit_kwargs)
    label_kl = _kl_to_ensemble(label_student, x_test, ensemble)

    for recipe in (keras_acorl.MEALDistiller.DEFAULT_RECIPE, "meal_v1"):
        student = _linear_student(f"student_{recipe}")
        distiller = keras_acorl.MEALDistiller.from_recipe(
            recipe, teachers=teachers_, student=student, seed=0
        )
        distiller.compile(
            optimizer=keras.optimizers.Adam(0.05),
            discriminator_optimizer=keras.optimizers.Adam(1e-4),
            loss=loss,
        )
        distiller.fit(x, y, **fit_kwargs)
        distilled_kl = _kl_to_ensemble(student, x_test, ensemble)
        # The same student, init and steps: the soft targets carry the
        # class similarities the labels lack.
        assert distilled_kl < 0.5 * label_kl, (recipe, distilled_kl, label_kl)


def test_recipes_build_what_they_name():
    recipes = keras_acorl.MEALDistiller.RECIPES
    assert {"meal_v1", "meal_v2", keras_acorl.MEALDistiller.DEFAULT_RECIPE} <= (
        set(recipes)
    )
    expected = {
        "meal_v1": dict(
            teacher_mode="random",
            adversarial_mode="joint",
            temperature=1.0,
            label_weight=0.0,
        ),
        "meal_v2": dict(
            teacher_mode="mean",
            adversarial_mode="joint",
            temperature=1.0,
            label_weight=0.0,
        ),
    }
    for name, values in expected.items():
        distiller = keras_acorl.MEALDistiller.from_recipe(
            name, teachers=[mlp(8, "a"), mlp(6, "b")], student=mlp(4, "s")
        )
        config = distiller.get_config()
        assert {k: config[k] for k in values} == values, name
        assert len(distiller.discriminators) == 1
    # The default is the default recipe; overrides win over the recipe.
    default = keras_acorl.MEALDistiller([mlp(8, "c")], mlp(4, "t"))
    recipe = recipes[keras_acorl.MEALDistiller.DEFAULT_RECIPE]
    config = default.get_config()
    assert {k: config[k] for k in recipe} == recipe
    overridden = keras_acorl.MEALDistiller.from_recipe(
        "meal_v1", [mlp(8, "d")], mlp(4, "u"), temperature=3.0
    )
    assert overridden.temperature == 3.0
    assert overridden.teacher_mode == "random"
    with pytest.raises(ValueError, match="`recipe`.*meal_v1.*'meal_v3'"):
        keras_acorl.MEALDistiller.from_recipe(
            "meal_v3", [mlp(8, "e")], mlp(4, "v")
        )
