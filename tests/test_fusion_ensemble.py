import keras
import numpy as np
import pytest

from keras_acorl.models.fusion_ensemble import FusionEnsemble
from tests.helpers import assert_weights_unchanged
from tests.helpers import run_model_saving_test
from tests.helpers import run_serialization_test
from tests.helpers import weights_snapshot

NUM_CLASSES = 3


def make_member(seed, num_classes=NUM_CLASSES, probs=False, input_dim=8):
    """Every member has the same model name and layer names, as two models
    built by the same function would."""
    inputs = keras.Input(shape=(input_dim,), name="features")
    x = keras.layers.Dense(
        16,
        activation="relu",
        name="hidden",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
        bias_initializer=keras.initializers.RandomNormal(seed=seed + 1),
    )(inputs)
    outputs = keras.layers.Dense(
        num_classes,
        activation="softmax" if probs else None,
        name="logits",
        kernel_initializer=keras.initializers.GlorotUniform(seed=seed + 2),
        bias_initializer=keras.initializers.RandomNormal(seed=seed + 3),
    )(x)
    return keras.Model(inputs, outputs, name="member")


def make_members(probs=False):
    return [make_member(10, probs=probs), make_member(20, probs=probs)]


def make_x(n=32, seed=0):
    return np.random.RandomState(seed).normal(size=(n, 8)).astype("float32")


def softmax(logits):
    logits = logits - logits.max(axis=-1, keepdims=True)
    exp = np.exp(logits)
    return exp / exp.sum(axis=-1, keepdims=True)


def predict(model, x):
    return np.asarray(model.predict(x, verbose=0))


def run(model, x):
    """Eager inference call: much faster than `predict` for the members'
    reference outputs."""
    return keras.ops.convert_to_numpy(model(x, training=False))


def to_numpy(value):
    return keras.ops.convert_to_numpy(value)


def member_probs(members, x, member_outputs):
    outputs = [run(m, x) for m in members]
    if member_outputs == "logits":
        outputs = [softmax(o) for o in outputs]
    return outputs


# The autouse fixture clears the Keras session after every test, which costs
# about half a second: related cases share one test to keep the file fast.


def test_mean_probs_matches_numpy_and_evaluates():
    x = make_x()
    for member_outputs in ("logits", "probs"):
        members = make_members(probs=member_outputs == "probs")
        expected = np.mean(member_probs(members, x, member_outputs), axis=0)
        fusion = FusionEnsemble(members, member_outputs=member_outputs)
        assert fusion.output_kind == "probs"
        actual = predict(fusion, x)
        np.testing.assert_allclose(actual, expected, atol=1e-5)
        np.testing.assert_allclose(fusion.fusion_weights, [0.5, 0.5])

    y = np.random.RandomState(1).randint(0, NUM_CLASSES, size=(32,))
    fusion.compile(
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False)
    )
    loss = fusion.evaluate(x, y, batch_size=32, verbose=0)
    cross_entropy = -np.mean(np.log(expected[np.arange(32), y]))
    np.testing.assert_allclose(loss, cross_entropy, rtol=1e-4)


def test_mean_logits_matches_numpy():
    members = make_members()
    x = make_x()
    expected = np.mean([run(m, x) for m in members], axis=0)
    fusion = FusionEnsemble(members, method="mean_logits")
    assert fusion.output_kind == "logits"
    np.testing.assert_allclose(predict(fusion, x), expected, atol=1e-5)


def test_fixed_weighted_probs_match_numpy():
    x = make_x()
    for member_outputs in ("logits", "probs"):
        members = make_members(probs=member_outputs == "probs")
        probs = member_probs(members, x, member_outputs)
        expected = 0.25 * probs[0] + 0.75 * probs[1]
        fusion = FusionEnsemble(
            members,
            method="weighted_probs",
            weights=[1.0, 3.0],
            member_outputs=member_outputs,
        )
        assert fusion.output_kind == "probs"
        np.testing.assert_allclose(fusion.fusion_weights, [0.25, 0.75])
        np.testing.assert_allclose(predict(fusion, x), expected, atol=1e-5)
    # NumPy weights work too.
    fusion = FusionEnsemble(
        members, method="weighted_probs", weights=np.array([2, 6], "float32")
    )
    np.testing.assert_allclose(fusion.fusion_weights, [0.25, 0.75])


def test_learned_weights_start_equal_and_follow_the_variable():
    members = make_members()
    x = make_x()
    probs = member_probs(members, x, "logits")
    fusion = FusionEnsemble(members, method="weighted_probs", weights="learn")
    np.testing.assert_allclose(fusion.fusion_weights, [0.5, 0.5])
    np.testing.assert_allclose(
        predict(fusion, x), np.mean(probs, axis=0), atol=1e-5
    )
    fusion.fusion_logits.assign(np.log(np.array([1.0, 4.0], "float32")))
    np.testing.assert_allclose(fusion.fusion_weights, [0.2, 0.8], atol=1e-6)
    expected = 0.2 * probs[0] + 0.8 * probs[1]
    np.testing.assert_allclose(run(fusion, x), expected, atol=1e-5)


def _head_output(fusion, features):
    kernel = to_numpy(fusion.head.kernel)
    bias = to_numpy(fusion.head.bias)
    return features @ kernel + bias


def _hidden(member, x):
    extractor = keras.Model(member.input, member.get_layer("hidden").output)
    return run(extractor, x)


def test_concat_matches_numpy():
    members = make_members()
    x = make_x()
    outputs = [run(m, x) for m in members]
    hidden = [_hidden(m, x) for m in members]
    cases = {
        "outputs": (None, outputs),
        "hidden": ("hidden", hidden),
        "mixed": (["hidden", None], [hidden[0], outputs[1]]),
        "callable": (lambda model: model.get_layer("hidden").output, hidden),
    }
    for case, (representations, features) in cases.items():
        fusion = FusionEnsemble(
            members, method="concat", member_representations=representations
        )
        assert fusion.output_kind == "logits"
        assert fusion.fusion_weights is None
        features = np.concatenate(features, axis=-1)
        assert tuple(fusion.head.kernel.shape) == (
            features.shape[1],
            NUM_CLASSES,
        ), case
        expected = _head_output(fusion, features)
        actual = predict(fusion, x) if case == "mixed" else run(fusion, x)
        np.testing.assert_allclose(actual, expected, atol=1e-5, err_msg=case)


def test_concat_custom_head_allows_different_output_sizes():
    members = [make_member(10, num_classes=3), make_member(20, num_classes=4)]
    x = make_x()
    head = keras.layers.Dense(2, name="my_head")
    fusion = FusionEnsemble(members, method="concat", head=head)
    assert fusion.head is head
    features = np.concatenate([run(m, x) for m in members], axis=-1)
    assert tuple(head.kernel.shape) == (7, 2)
    expected = _head_output(fusion, features)
    np.testing.assert_allclose(run(fusion, x), expected, atol=1e-5)


def _good_member():
    """Classifies `argmax(x[:, :3])` perfectly: logits = 5 * x[:, :3]."""
    member = make_member(10)
    w1 = np.zeros((8, 16), "float32")
    w2 = np.zeros((16, NUM_CLASSES), "float32")
    for j in range(NUM_CLASSES):
        w1[j, j], w1[j, NUM_CLASSES + j] = 1.0, -1.0
        w2[j, j], w2[NUM_CLASSES + j, j] = 5.0, -5.0
    member.set_weights(
        [w1, np.zeros(16, "float32"), w2, np.zeros(NUM_CLASSES, "float32")]
    )
    return member


def test_learned_weights_favor_the_better_member_and_members_stay_frozen():
    good, noise = _good_member(), make_member(20)
    x = make_x(256)
    y = np.argmax(x[:, :NUM_CLASSES], axis=-1)
    assert np.mean(np.argmax(run(good, x), axis=-1) == y) == 1.0
    before = [weights_snapshot(good), weights_snapshot(noise)]

    fusion = FusionEnsemble(
        [good, noise], method="weighted_probs", weights="learn"
    )
    fusion.compile(
        optimizer=keras.optimizers.Adam(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
    )
    fusion.fit(x, y, epochs=5, batch_size=64, verbose=0)

    weights = fusion.fusion_weights
    assert weights[0] > 0.75, weights
    assert_weights_unchanged(before[0], good)
    assert_weights_unchanged(before[1], noise)
    # The fused output uses exactly the reported weights.
    probs = member_probs([good, noise], x, "logits")
    expected = weights[0] * probs[0] + weights[1] * probs[1]
    np.testing.assert_allclose(predict(fusion, x), expected, atol=1e-5)


def test_concat_fit_trains_only_the_head():
    members = make_members()
    x = make_x(64)
    y = np.random.RandomState(1).randint(0, NUM_CLASSES, size=(64,))
    before = [weights_snapshot(m) for m in members]
    fusion = FusionEnsemble(
        members, method="concat", member_representations="hidden"
    )
    kernel_before = to_numpy(fusion.head.kernel).copy()
    fusion.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    fusion.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert not np.allclose(to_numpy(fusion.head.kernel), kernel_before)
    for snapshot, member in zip(before, members):
        assert_weights_unchanged(snapshot, member)


def test_members_are_always_called_in_inference_mode():
    inputs = keras.Input(shape=(8,))
    x = keras.layers.Dropout(0.5)(inputs)
    outputs = keras.layers.Dense(NUM_CLASSES)(x)
    members = [keras.Model(inputs, outputs), make_member(20)]
    fusion = FusionEnsemble(members)
    assert all(not m.trainable for m in members)
    x = make_x()
    np.testing.assert_allclose(
        to_numpy(fusion(x, training=True)),
        to_numpy(fusion(x, training=False)),
        atol=1e-6,
    )


# name: (FusionEnsemble kwargs, number of trainable weights).
FUSION_CONFIGS = {
    "mean_probs": (dict(method="mean_probs"), 0),
    "mean_probs_from_probs": (
        dict(method="mean_probs", member_outputs="probs"),
        0,
    ),
    "mean_logits": (dict(method="mean_logits"), 0),
    "weighted_fixed": (dict(method="weighted_probs", weights=[1.0, 3.0]), 0),
    "weighted_learn": (dict(method="weighted_probs", weights="learn"), 1),
    "concat": (dict(method="concat"), 2),
    "concat_hidden": (
        dict(method="concat", member_representations=["hidden", None]),
        2,
    ),
}


def _make_fusion(name):
    kwargs, _ = FUSION_CONFIGS[name]
    members = make_members(probs=kwargs.get("member_outputs") == "probs")
    return members, FusionEnsemble(members, name="fusion", **kwargs)


def test_trainable_and_non_trainable_weight_split():
    for name, (_, trainable_count) in FUSION_CONFIGS.items():
        members, fusion = _make_fusion(name)
        assert len(fusion.trainable_weights) == trainable_count, name
        # Two frozen members, each with two kernels and two biases.
        member_ids = {id(w) for m in members for w in m.weights}
        assert len(member_ids) == 8
        non_trainable_ids = {id(w) for w in fusion.non_trainable_weights}
        assert non_trainable_ids == member_ids, name
        trainable_ids = {id(w) for w in fusion.trainable_weights}
        if name == "weighted_learn":
            assert trainable_ids == {id(fusion.fusion_logits)}
        if name.startswith("concat"):
            assert trainable_ids == {id(w) for w in fusion.head.weights}


def test_keras_saving_round_trip_with_duplicate_layer_names(tmp_path):
    x = make_x()
    # One configuration per method (and per kind of `weights`).
    names = [
        "mean_probs",
        "mean_logits",
        "weighted_fixed",
        "weighted_learn",
        "concat_hidden",
    ]
    for name in names:
        members, fusion = _make_fusion(name)
        # Same model name and same layer names in both members.
        assert members[0].name == members[1].name
        assert [layer.name for layer in members[0].layers] == [
            layer.name for layer in members[1].layers
        ]
        if name == "weighted_learn":
            fusion.fusion_logits.assign(np.array([1.5, -0.5], "float32"))
        restored = run_model_saving_test(
            fusion, x, tmp_path, name=f"{name}.keras"
        )
        assert restored.method == fusion.method, name
        assert restored.output_kind == fusion.output_kind, name
        assert restored.name == "fusion"
        if fusion.fusion_weights is not None:
            np.testing.assert_allclose(
                restored.fusion_weights, fusion.fusion_weights, atol=1e-6
            )
        # Each restored member got its own weights back, in order.
        assert len(restored.members) == 2
        for original, member in zip(members, restored.members):
            assert not member.trainable
            np.testing.assert_allclose(
                run(member, x), run(original, x), atol=1e-6, err_msg=name
            )


def test_saving_after_fit_with_compile(tmp_path):
    members = make_members()
    x = make_x(64)
    y = np.random.RandomState(1).randint(0, NUM_CLASSES, size=(64,))
    fusion = FusionEnsemble(members, method="weighted_probs", weights="learn")
    fusion.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        metrics=["accuracy"],
    )
    fusion.fit(x, y, epochs=2, batch_size=32, verbose=0)
    assert not np.allclose(fusion.fusion_weights, [0.5, 0.5])
    restored = run_model_saving_test(fusion, x, tmp_path)
    np.testing.assert_allclose(
        restored.fusion_weights, fusion.fusion_weights, atol=1e-6
    )
    expected = fusion.evaluate(x, y, verbose=0)
    np.testing.assert_allclose(
        restored.evaluate(x, y, verbose=0), expected, rtol=1e-5
    )


def test_get_config_round_trip():
    for name in ("weighted_fixed", "concat_hidden"):
        kwargs, _ = FUSION_CONFIGS[name]
        fusion = FusionEnsemble(make_members(), **kwargs)
        config = fusion.get_config()
        assert config["method"] == kwargs["method"]
        assert "trainable" in config  # Chained from keras.Model.get_config.
        run_serialization_test(fusion)


def hidden_representation(member):
    """A representation callable that is not registered with Keras: it is
    found only through `custom_objects`."""
    return member.get_layer("hidden").output


def test_from_config_passes_custom_objects_to_representation_specs(tmp_path):
    members = make_members()
    x = make_x()
    fusion = FusionEnsemble(
        members, method="concat", member_representations=hidden_representation
    )
    expected = run(fusion, x)
    custom_objects = {"hidden_representation": hidden_representation}
    config = fusion.get_config()
    with pytest.raises(TypeError, match="hidden_representation"):
        FusionEnsemble.from_config(config)
    restored = FusionEnsemble.from_config(config, custom_objects=custom_objects)
    assert restored.get_config() == config
    restored.set_weights(fusion.get_weights())
    np.testing.assert_allclose(run(restored, x), expected, atol=1e-6)

    path = str(tmp_path / "fusion.keras")
    fusion.save(path)
    loaded = keras.saving.load_model(path, custom_objects=custom_objects)
    np.testing.assert_allclose(run(loaded, x), expected, atol=1e-6)


def test_works_inside_a_functional_model():
    members = make_members()
    fusion = FusionEnsemble(members, method="mean_logits")
    inputs = keras.Input(shape=(8,))
    outputs = keras.layers.Activation("softmax")(fusion(inputs))
    outer = keras.Model(inputs, outputs)
    x = make_x()
    expected = softmax(np.mean([run(m, x) for m in members], axis=0))
    np.testing.assert_allclose(run(outer, x), expected, atol=1e-5)


@keras.saving.register_keras_serializable(package="keras_acorl_tests")
class SubclassedMember(keras.Model):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.hidden = keras.layers.Dense(16, activation="relu")
        self.out = keras.layers.Dense(NUM_CLASSES)

    def call(self, inputs):
        return self.out(self.hidden(inputs))


def test_subclassed_members_are_frozen_and_saved(tmp_path):
    x = make_x()
    members = [SubclassedMember(), SubclassedMember()]
    for member in members:
        member(x)
    fusion = FusionEnsemble(members)
    expected = np.mean(member_probs(members, x, "logits"), axis=0)
    np.testing.assert_allclose(predict(fusion, x), expected, atol=1e-5)
    assert fusion.trainable_weights == []
    # On TensorFlow, the restored members are built with trainable=False
    # before their sublayers exist: those must end up frozen too.
    restored = run_model_saving_test(fusion, x, tmp_path)
    assert restored.trainable_weights == []
    assert len(restored.non_trainable_weights) == 8


def test_member_errors():
    with pytest.raises(ValueError, match="`members`"):
        FusionEnsemble([])
    with pytest.raises(TypeError, match=r"`members\[1\]`"):
        FusionEnsemble([make_member(10), keras.layers.Dense(3)])
    member = make_member(10)
    with pytest.raises(ValueError, match="`members`.*same model object"):
        FusionEnsemble([member, member])
    with pytest.raises(ValueError, match="`members`.*same input shape"):
        FusionEnsemble([member, make_member(20, input_dim=5)])
    other = make_member(20, num_classes=4)
    for method in ("mean_probs", "concat"):
        with pytest.raises(ValueError, match=r"`members`.*sizes.*: 3, .*: 4"):
            FusionEnsemble([member, other], method=method)


def test_method_and_member_outputs_errors():
    members = make_members()
    with pytest.raises(ValueError, match="`method`.*mean_logits.*mean_probs"):
        FusionEnsemble(members, method="median")
    with pytest.raises(ValueError, match="`member_outputs`.*probs"):
        FusionEnsemble(members, member_outputs="softmax")
    with pytest.raises(ValueError, match="member_outputs='logits'"):
        FusionEnsemble(members, method="mean_logits", member_outputs="probs")
    with pytest.raises(ValueError, match="`head`.*concat"):
        FusionEnsemble(members, head=keras.layers.Dense(3))
    with pytest.raises(ValueError, match="`member_representations`.*concat"):
        FusionEnsemble(members, member_representations="hidden")
    with pytest.raises(ValueError, match="`member_representations`.*nope"):
        FusionEnsemble(members, method="concat", member_representations="nope")


def test_weights_errors():
    members = make_members()
    bad_weights = [
        ([1.0], ValueError),
        ([1.0, 2.0, 3.0], ValueError),
        ([1.0, -0.5], ValueError),
        ([0.0, 0.0], ValueError),
        ([1.0, float("nan")], ValueError),
        ("learned", ValueError),
        (None, ValueError),
        (0.5, TypeError),
        ([1.0, "a"], TypeError),
    ]
    for weights, error in bad_weights:
        with pytest.raises(error, match="`weights"):
            FusionEnsemble(members, method="weighted_probs", weights=weights)
    for method in ("mean_probs", "mean_logits", "concat"):
        with pytest.raises(ValueError, match="`weights`.*weighted_probs"):
            FusionEnsemble(members, method=method, weights=[1.0, 1.0])


def _l2(features):
    return features / np.linalg.norm(features, axis=-1, keepdims=True)


def test_l2_normalized_concat_with_identity_head(tmp_path):
    """Embedding-level fusion: concatenated unit-norm embeddings, no head."""
    x = make_x()
    members = [make_member(10, num_classes=4), make_member(20)]
    fusion = FusionEnsemble(
        members,
        method="concat",
        member_representations=[None, "hidden"],
        normalize_representations=True,
        head="identity",
        name="fusion",
    )
    assert fusion.head is None and fusion.output_kind == "features"
    assert fusion.trainable_weights == []
    expected = np.concatenate(
        [_l2(run(members[0], x)), _l2(_hidden(members[1], x))], axis=-1
    )
    np.testing.assert_allclose(predict(fusion, x), expected, atol=1e-5)
    np.testing.assert_allclose(
        np.linalg.norm(predict(fusion, x)[:, :4], axis=-1), 1.0, atol=1e-5
    )
    restored = run_model_saving_test(fusion, x, tmp_path)
    assert restored.normalize_representations and restored.head is None
    config = fusion.get_config()
    assert config["head"] == "identity"
    assert config["normalize_representations"] is True

    # Normalization also works in front of the default trainable head.
    with_head = FusionEnsemble(
        make_members(), method="concat", normalize_representations=True
    )
    features = np.concatenate(
        [_l2(run(m, x)) for m in with_head.members], axis=-1
    )
    np.testing.assert_allclose(
        predict(with_head, x), _head_output(with_head, features), atol=1e-5
    )
    with pytest.raises(ValueError, match="`normalize_representations`.*concat"):
        FusionEnsemble(make_members(), normalize_representations=True)
    with pytest.raises(TypeError, match="'identity' or None"):
        FusionEnsemble(make_members(), method="concat", head="linear")
