"""The complementarity objectives of ComplementaryModel.

One small synthetic task (labels visible in two noisy views; the frozen
base reads view `a` only), trained once per objective in module-scoped
fixtures from the same initialization and batch order: each objective must
lower the quantity it targets against the independent model (weight 0).
"""

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl import keras_compat
from keras_acorl.analysis import linear_cka
from keras_acorl.objectives import TargetStandardizer
from tests.helpers import assert_weights_unchanged
from tests.helpers import run_model_saving_test
from tests.helpers import weights_snapshot

CLASSES = 4
EPOCHS = 8
NOISE = 2.0


def _views(n=512, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, CLASSES, n)
    means_a, means_b = rng.normal(size=(2, CLASSES, 8))
    a = means_a[y] + NOISE * rng.normal(size=(n, 8))
    b = means_b[y] + NOISE * rng.normal(size=(n, 8))
    return np.concatenate([a, b], axis=1).astype("float32"), y


@pytest.fixture(scope="module")
def task():
    keras.utils.set_random_seed(0)
    x, y = _views()
    inputs = keras.Input(shape=(16,))
    embedding = keras.layers.Dense(16, activation="relu", name="embedding")
    base = keras.Model(inputs, keras.layers.Dense(CLASSES)(embedding(inputs)))
    mask = np.concatenate([np.ones(8), np.zeros(8)]).astype("float32")
    base.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    base.fit(x * mask, y, epochs=10, batch_size=64, verbose=0)
    kernel, bias = embedding.get_weights()
    kernel[8:] = 0.0  # The base model reads view `a` only.
    embedding.set_weights([kernel, bias])
    return {"x": x, "y": y, "base": base, "snapshot": weights_snapshot(base)}


def _train(task, objective, weight, base_representation):
    keras.utils.set_random_seed(1)
    inputs = keras.Input(shape=(16,))
    alliance = keras.Model(
        inputs, keras.layers.Dense(16, activation="relu")(inputs)
    )
    head = keras.layers.Dense(CLASSES)
    model = keras_acorl.ComplementaryModel(
        [task["base"]],
        alliance,
        head=head,
        base_representation=base_representation,
        adversarial_weight=weight,
        objective=objective,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-2),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    history = model.fit(
        task["x"],
        task["y"],
        epochs=EPOCHS,
        batch_size=64,
        shuffle=False,
        verbose=0,
    )
    assert_weights_unchanged(task["snapshot"], task["base"])
    return model, history.history


@pytest.fixture(scope="module")
def independent(task):
    # Weight 0: an independent model; the conditional adversary only
    # measures.
    return _train(task, "conditional", 0.0, "embedding")


@pytest.fixture(scope="module")
def trained(task):
    """One model per objective, trained with weight > 0."""
    settings = {
        "conditional": (3.0, "embedding"),
        "independence": (3.0, "embedding"),
        "ensemble": (3.0, None),
        "input_gradient": (3.0, None),
    }
    return {
        name: _train(task, name, weight, spec)
        for name, (weight, spec) in settings.items()
    }


def _both_wrong(model, task):
    base = task["base"].predict(task["x"], verbose=0).argmax(-1)
    mine = model.classifier.predict(task["x"], verbose=0).argmax(-1)
    y = task["y"]
    return float(np.mean((base != y) & (mine != y)))


def _gradient_cosine(model, task):
    x = keras.ops.convert_to_tensor(task["x"])
    labels = keras.ops.one_hot(task["y"], CLASSES)

    def gradient(network):
        return keras.ops.convert_to_numpy(
            keras_compat.gradients(
                lambda t: keras.ops.sum(network(t[0]) * labels), [x]
            )[0]
        )

    a, b = gradient(model.classifier), gradient(task["base"])
    cosine = (a * b).sum(-1) / np.sqrt((a * a).sum(-1) * (b * b).sum(-1))
    return float(np.mean(cosine**2))


def test_every_objective_keeps_learning_the_task(independent, trained):
    accuracy = independent[1]["accuracy"][-1]
    assert accuracy > 0.8
    for name, (_, history) in trained.items():
        assert history["accuracy"][-1] > 0.7, name


def test_conditional_lowers_the_conditional_adversary_fit(independent, trained):
    fit_free = independent[1]["adversary_fit_0"][-1]
    fit_pushed = trained["conditional"][1]["adversary_fit_0"][-1]
    # Measured: 0.73 -> 0.54 (JAX).
    assert fit_pushed < fit_free - 0.05, (fit_free, fit_pushed)


def test_independence_lowers_cka_with_the_base(task, independent, trained):
    extractor = independent[0].base_extractors[0]
    v = extractor.predict(task["x"], verbose=0)

    def cka(model):
        return linear_cka(model.alliance.predict(task["x"], verbose=0), v)

    free, pushed = cka(independent[0]), cka(trained["independence"][0])
    # Measured: 0.47 -> 0.05 (JAX).
    assert pushed < free - 0.1, (free, pushed)
    history = trained["independence"][1]
    assert history["cka_0"][-1] < history["cka_0"][0]


def test_ensemble_lowers_the_both_wrong_rate(task, independent, trained):
    free = _both_wrong(independent[0], task)
    pushed = _both_wrong(trained["ensemble"][0], task)
    # Measured: 0.080 -> 0.061 (JAX), 0.090 -> 0.068 (torch).
    assert pushed < free - 0.01, (free, pushed)
    history = trained["ensemble"][1]
    assert history["fused_loss"][-1] < history["fused_loss"][0]


def test_input_gradient_lowers_the_gradient_cosine(task, independent, trained):
    free = _gradient_cosine(independent[0], task)
    pushed = _gradient_cosine(trained["input_gradient"][0], task)
    # Measured: 0.23 -> 0.02 (JAX).
    assert pushed < free - 0.1, (free, pushed)
    logged = trained["input_gradient"][1]["gradient_cosine_0"]
    assert logged[-1] < logged[0]


def test_loss_is_the_task_loss_plus_the_term_also_when_precomputed(
    task, trained
):
    x, y = task["x"][:128], task["y"][:128]
    for name, (model, _) in trained.items():
        live = model.evaluate(x, y, batch_size=128, verbose=0, return_dict=True)
        task_loss = keras.losses.SparseCategoricalCrossentropy(
            from_logits=True
        )(y, model.predict(x, verbose=0))
        first = model.objective.metric_names(1)[0]
        np.testing.assert_allclose(
            live["loss"],
            float(keras.ops.convert_to_numpy(task_loss)) + live[first],
            rtol=1e-4,
            err_msg=name,
        )
        if name in ("ensemble", "independence"):
            cached_x = model.precompute(x)
            cached = model.evaluate(
                cached_x, y, batch_size=128, verbose=0, return_dict=True
            )
            for key, value in live.items():
                assert cached[key] == pytest.approx(value, rel=1e-4), (
                    name,
                    key,
                )


def test_keras_round_trip_of_every_objective(task, trained, tmp_path):
    x = task["x"][:64]
    y = task["y"][:64]
    for name, (model, _) in trained.items():
        restored = run_model_saving_test(model, x, tmp_path, f"{name}.keras")
        assert type(restored.objective) is type(model.objective)
        assert restored.objective.get_config() == model.objective.get_config()
        assert restored.get_config()["objective"]["config"]["name"] == (
            model.objective.name
        )
        a = model.evaluate(x, y, verbose=0, return_dict=True)
        b = restored.evaluate(x, y, verbose=0, return_dict=True)
        for key, value in a.items():
            assert b[key] == pytest.approx(value, rel=1e-4, abs=1e-6), (
                name,
                key,
            )


def test_objective_by_name_or_instance_and_bad_values(task):
    inputs = keras.Input(shape=(16,))
    alliance = keras.Model(inputs, keras.layers.Dense(4)(inputs))

    def build(**kwargs):
        return keras_acorl.ComplementaryModel(
            [task["base"]],
            alliance,
            head=keras.layers.Dense(CLASSES),
            **kwargs,
        )

    objective = keras_acorl.objectives.IndependenceObjective(epsilon=1e-6)
    assert build(objective=objective).objective is objective
    with pytest.raises(ValueError, match="already used"):
        build(objective=objective)
    assert isinstance(
        build().objective, keras_acorl.objectives.AdversarialObjective
    )
    with pytest.raises(ValueError, match="objective.*'dice'"):
        build(objective="dice")
    with pytest.raises(TypeError, match="objective"):
        build(objective=3)
    with pytest.raises(ValueError, match="'ensemble'.*base_representation"):
        build(objective="ensemble", base_representation="embedding")
    with pytest.raises(
        ValueError, match="'input_gradient'.*base model 0's output"
    ):
        build(objective="input_gradient", base_representation="embedding")
    with pytest.raises(TypeError, match="from_logits"):
        keras_acorl.objectives.EnsembleObjective(from_logits="yes")
    with pytest.raises(ValueError, match="epsilon"):
        keras_acorl.objectives.InputGradientObjective(epsilon=0.0)
    with pytest.raises(TypeError, match="epsilon"):
        keras_acorl.objectives.IndependenceObjective(epsilon=True)
    with pytest.raises(ValueError, match="forward_with_adversaries"):
        build(objective="independence").forward_with_adversaries(task["x"][:4])


def test_ensemble_logit_scale_multiplies_the_outputs():
    rng = np.random.default_rng(0)
    # Cosine-like outputs; fused probabilities stay above the loss clip.
    output, base = rng.uniform(-0.2, 0.2, size=(2, 6, 3)).astype("float32")
    y = np.array([0, 1, 2, 0, 1, 2])
    objective = keras_acorl.objectives.EnsembleObjective(logit_scale=30.0)
    objective.setup(None, [3], 4, 3)
    _, (_, fused_loss) = objective.compute(
        targets=[base], output=output, factor=1.0, y=y
    )

    def softmax(z):
        e = np.exp(z - z.max(-1, keepdims=True))
        return e / e.sum(-1, keepdims=True)

    fused = (softmax(30.0 * output) + softmax(30.0 * base)) / 2
    expected = -np.mean(np.log(fused[np.arange(6), y]))
    assert float(keras.ops.convert_to_numpy(fused_loss)) == pytest.approx(
        expected, rel=1e-4
    )
    config = objective.get_config()
    assert config["logit_scale"] == 30.0
    restored = keras_acorl.objectives.EnsembleObjective.from_config(config)
    assert restored.logit_scale == 30.0
    for bad in (0.0, float("nan"), True):
        with pytest.raises((TypeError, ValueError), match="logit_scale"):
            keras_acorl.objectives.EnsembleObjective(logit_scale=bad)


def test_target_standardizer_counts_every_sample_once():
    # 65 samples in batches of 16: the last batch has one sample.
    rng = np.random.default_rng(0)
    v = rng.gamma(2.0, 3.0, size=(65, 5)).astype("float32")
    layer = TargetStandardizer(epsilon=np.float32(1e-6))
    for start in range(0, 65, 16):
        layer(v[start : start + 16], training=True)
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.mean), v.mean(0), rtol=1e-5
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer.variance), v.var(0), rtol=1e-4
    )
    out = keras.ops.convert_to_numpy(layer(v))
    np.testing.assert_allclose(out.mean(0), 0.0, atol=1e-4)
    np.testing.assert_allclose(out.std(0), 1.0, atol=1e-4)
    with pytest.raises(ValueError, match="epsilon"):
        TargetStandardizer(epsilon=-1.0)


def test_batch_size_one_keeps_the_adversary_working(task):
    keras.utils.set_random_seed(2)
    inputs = keras.Input(shape=(16,))
    alliance = keras.Model(inputs, keras.layers.Dense(8)(inputs))
    model = keras_acorl.ComplementaryModel(
        [task["base"]],
        alliance,
        head=keras.layers.Dense(CLASSES),
        base_representation="embedding",
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    x, y = task["x"][:33], task["y"][:33]
    history = model.fit(x, y, batch_size=1, epochs=1, verbose=0)
    # With batch statistics every 1-sample target was 0: loss exactly 1.
    assert history.history["adversarial_loss"][0] < 0.999
    assert history.history["adversary_fit_0"][0] > 0.001
    # Running statistics over all 33 samples, one at a time.
    v = model.base_extractors[0].predict(x, verbose=0)
    standardizer = model.target_standardizers[0]
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(standardizer.mean), v.mean(0), atol=1e-4
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(standardizer.variance),
        v.var(0),
        rtol=1e-3,
        atol=1e-5,
    )
