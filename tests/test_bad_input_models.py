"""Bad input to the models (`ComplementaryModel`, `MEALDistiller`,
`FusionEnsemble`, `GradientReversal`) gets an error naming the argument
before any step runs, on every backend."""

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.layers import GradientReversal

FEATURES, CLASSES = 6, 3


def _mlp(name):
    inputs = keras.Input((FEATURES,))
    hidden = keras.layers.Dense(4, activation="relu", name="embedding")(inputs)
    return keras.Model(inputs, keras.layers.Dense(CLASSES)(hidden), name=name)


def _complementary(**kwargs):
    inputs = keras.Input((FEATURES,))
    encoder = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    model = keras_acorl.ComplementaryModel(
        [_mlp("base")],
        encoder,
        head=keras.layers.Dense(CLASSES),
        base_representation="embedding",
        **kwargs,
    )
    model.compile(
        optimizer="sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    return model


def _distiller():
    distiller = keras_acorl.MEALDistiller([_mlp("teacher")], _mlp("student"))
    distiller.compile(optimizer="sgd")
    return distiller


class _Batches(keras.utils.PyDataset):
    def __init__(self, x, y, batches):
        super().__init__()
        self.x, self.y, self.batches = x, y, batches

    def __len__(self):
        return self.batches

    def __getitem__(self, index):
        return self.x, self.y


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    x = rng.random((16, FEATURES)).astype("float32")
    return x, rng.integers(0, CLASSES, 16)


@pytest.fixture(scope="module")
def complementary():
    return _complementary()


def _weights(model):
    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_x_is_refused_before_training(complementary, data, bad):
    x, y = data
    x = x.copy()
    x[3, 2] = bad
    before = _weights(complementary)
    with pytest.raises(ValueError, match="`x` contains 1 NaN or infinite"):
        complementary.fit(x, y, epochs=1, verbose=0)
    for old, new in zip(before, _weights(complementary)):
        np.testing.assert_array_equal(old, new)
    distiller = _distiller()
    with pytest.raises(ValueError, match="`x` contains 1 NaN or infinite"):
        distiller.fit(x, epochs=1, verbose=0)
    cached = complementary.precompute(data[0])
    cached["base_representations"][0][0, 0] = np.nan
    with pytest.raises(ValueError, match="x\\['base_representations'\\]"):
        complementary.fit(cached, y, verbose=0)


def test_a_non_finite_loss_stops_fit_with_an_error(data):
    x, y = data
    x = x.copy()
    x[0, 0] = np.nan  # Only a dataset gets past the array check.
    model = _complementary()
    with pytest.raises(ValueError, match="diverged in epoch 1"):
        model.fit(_Batches(x, y, 2), epochs=2, verbose=0)


@pytest.mark.parametrize(
    "labels, match",
    [
        (np.full(16, 7), "class ids in \\[7, 7\\] but must be in \\[0, 2\\]"),
        (np.full(16, -1), "class ids in \\[-1, -1\\]"),
        (np.full(16, 1.5), "integer class ids"),
    ],
)
def test_sparse_labels_out_of_range(complementary, data, labels, match):
    with pytest.raises(ValueError, match=f"`y` .*{match}|`y` {match}"):
        complementary.fit(data[0], labels, verbose=0)
    with pytest.raises(ValueError, match="`validation_data\\[1\\]`"):
        complementary.fit(
            data[0], data[1], validation_data=(data[0], labels), verbose=0
        )


def test_meal_label_loss_labels_are_checked(data):
    distiller = keras_acorl.MEALDistiller(
        [_mlp("teacher")], _mlp("student"), label_weight=1.0
    )
    distiller.compile(
        optimizer="sgd",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    with pytest.raises(ValueError, match="`y` holds class ids in \\[9, 9\\]"):
        distiller.fit(data[0], np.full(16, 9), verbose=0)


def test_one_hot_labels_with_a_sparse_loss(complementary, data):
    one_hot = keras.utils.to_categorical(data[1], CLASSES)
    with pytest.raises(ValueError, match="`y` looks one-hot.*argmax"):
        complementary.fit(data[0], one_hot, verbose=0)


def test_string_inputs(complementary, data):
    with pytest.raises(TypeError, match="`x` must hold numbers.*dtype <U"):
        complementary.fit(np.full((16, FEATURES), "a"), data[1], verbose=0)
    with pytest.raises(TypeError, match="`y` must hold numbers"):
        complementary.fit(data[0], np.full(16, "cat"), verbose=0)


def test_empty_data_gives_one_clear_error(complementary, data):
    import tensorflow as tf

    x, y = data
    empties = [
        (x[:0], y[:0]),
        (tf.data.Dataset.from_tensor_slices((x[:0], y[:0])).batch(4), None),
        (_Batches(x, y, 0), None),
    ]
    for inputs, labels in empties:
        with pytest.raises(ValueError, match="`x` given to `fit\\(\\)` is"):
            complementary.fit(inputs, labels, verbose=0)
        with pytest.raises(ValueError, match="`x` given to `evaluate\\(\\)`"):
            complementary.evaluate(inputs, labels, verbose=0)
        with pytest.raises(ValueError, match="`x` given to `predict\\(\\)`"):
            complementary.predict(inputs, verbose=0)
    # Unknown length, empty: the same error after the fact.
    unknown = tf.data.Dataset.from_tensor_slices((x, y)).filter(
        lambda a, b: b > 100
    )
    with pytest.raises(ValueError, match="`x` given to `fit\\(\\)` is"):
        complementary.fit(unknown.batch(4), verbose=0)


def test_wrong_feature_size_names_the_expected_shape(complementary):
    fused = keras_acorl.FusionEnsemble([_mlp("a"), _mlp("b")])
    for model in (complementary, fused):
        with pytest.raises(ValueError) as info:
            model.predict(np.zeros((4, FEATURES + 1), "float32"), verbose=0)
        first_line = str(info.value).splitlines()[0]
        assert first_line.startswith("`x` must have shape (None, 6)")
        assert "Received shape (4, 7)" in first_line


def test_fusion_of_probabilities_refuses_logit_members(data):
    fused = keras_acorl.FusionEnsemble(
        [_mlp("a"), _mlp("b")], member_outputs="probs"
    )
    with pytest.raises(ValueError, match="`member_outputs`='probs' but"):
        fused.predict(10.0 * data[0], verbose=0)
    inputs = keras.Input((FEATURES,))
    softmax = keras.Model(
        inputs, keras.layers.Dense(CLASSES, activation="softmax")(inputs)
    )
    ok = keras_acorl.FusionEnsemble([softmax], member_outputs="probs")
    np.testing.assert_allclose(
        ok.predict(data[0], verbose=0).sum(axis=-1), 1.0, rtol=1e-5
    )


@pytest.mark.parametrize(
    "schedule, error, match",
    [
        (lambda p: p * float("nan"), ValueError, "must return a finite"),
        (lambda p: "fast", TypeError, "must return a real number"),
        (lambda p: keras.ops.ones((2,)), ValueError, "must return a scalar"),
        ("ramp", TypeError, "must be None or a callable"),
    ],
)
def test_schedules_are_probed(schedule, error, match):
    with pytest.raises(error, match=f"`gradient_reversal_schedule` {match}"):
        _complementary(gradient_reversal_schedule=schedule, total_steps=4)
    with pytest.raises(error, match=f"`schedule` {match}"):
        GradientReversal(schedule=schedule)


def test_numpy_scalars_and_user_argument_names():
    model = _complementary(
        adversarial_weight=np.float32(0.5), total_steps=np.int64(4)
    )
    assert model.adversarial_weight == 0.5 and model.total_steps == 4
    assert GradientReversal(scale=np.float64(2.0)).scale == 2.0
    with pytest.raises(ValueError, match="`adversarial_weight` must be a fin"):
        _complementary(adversarial_weight=np.float32("nan"))
    with pytest.raises(TypeError, match="`adversarial_weight`"):
        model.adversarial_weight = True
    teacher, student = _mlp("teacher"), _mlp("student")
    distiller = keras_acorl.MEALDistiller(
        [teacher], student, temperature=np.float32(2.0), align_dim=np.int64(8)
    )
    assert distiller.temperature == 2.0 and distiller.align_dim == 8
    with pytest.raises(ValueError, match="`align_dim` must be a positive"):
        keras_acorl.MEALDistiller([teacher], student, align_dim=0)
    with pytest.raises(ValueError, match="`discriminator_reduction` must be"):
        keras_acorl.MEALDistiller([teacher], student, discriminator_reduction=0)


def test_cosine_distance_gradient_is_finite_at_a_zero_row():
    from keras_acorl.losses.representation_losses import cosine_distance

    inputs = keras.Input((3,))
    zero = keras.layers.Dense(4, kernel_initializer="zeros")(inputs)
    model = keras.Model(inputs, zero)
    model.compile(optimizer="adam", loss=cosine_distance)
    targets = np.ones((8, 4), "float32")
    history = model.fit(np.ones((8, 3), "float32"), targets, verbose=0)
    assert history.history["loss"][0] == pytest.approx(1.0)
    for weight in model.weights:
        assert np.isfinite(keras.ops.convert_to_numpy(weight)).all()
    # It moved towards the targets: the distance went down.
    after = cosine_distance(targets, model.predict(targets[:, :3], verbose=0))
    assert float(keras.ops.max(after)) < 1.0
