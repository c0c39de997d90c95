import keras
import numpy as np
import pytest

from keras_acorl.zoo import small_cnn
from keras_acorl.zoo import split_encoder_head
from tests.test_docstring_examples import run_examples


@pytest.mark.parametrize(
    "input_shape,dropout", [((28, 28, 1), 0.0), ((8, 8, 1), 0.2)]
)
def test_small_cnn_shapes_and_layers(input_shape, dropout):
    model = small_cnn(
        input_shape, 10, width=4, embedding_dim=12, dropout=dropout
    )
    x = np.random.rand(3, *input_shape).astype("float32")
    assert model.predict(x, verbose=0).shape == (3, 10)
    assert model.get_layer("embedding").output.shape == (None, 12)
    assert model.get_layer("logits").output.shape == (None, 10)
    bns = [
        layer
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    ]
    assert len(bns) == 3
    assert isinstance(
        model.get_layer("gap"), keras.layers.GlobalAveragePooling2D
    )


def test_small_cnn_trains():
    rng = np.random.RandomState(0)
    x = rng.rand(32, 8, 8, 1).astype("float32")
    y = np.arange(32) % 3
    # The class is the brightness: easy to learn in a few steps.
    x += y[:, None, None, None].astype("float32")
    keras.utils.set_random_seed(0)
    model = small_cnn((8, 8, 1), 3, width=4, embedding_dim=8)
    model.compile(
        optimizer=keras.optimizers.Adam(0.01),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(x, y, epochs=4, batch_size=16, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < 0.8 * losses[0], losses


def _run(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def test_split_encoder_head_reproduces_the_model_and_shares_weights():
    model = small_cnn((8, 8, 1), 5, width=4, embedding_dim=6, dropout=0.1)
    encoder, head = split_encoder_head(model)
    x = np.random.RandomState(0).rand(4, 8, 8, 1).astype("float32")
    z = _run(encoder, x)
    assert z.shape == (4, 6)
    np.testing.assert_array_equal(
        z,
        _run(keras.Model(model.input, model.get_layer("embedding").output), x),
    )
    np.testing.assert_array_equal(_run(head, z), _run(model, x))
    assert [layer.name for layer in head.layers[1:]] == ["dropout", "logits"]
    model_ids = {id(v) for v in model.weights}
    assert {id(v) for v in head.weights} <= model_ids
    assert {id(v) for v in encoder.weights} <= model_ids
    assert len(encoder.weights) + len(head.weights) == len(model.weights)

    # Training the head trains the model's logits layer, and only it.
    logits_before = [w.copy() for w in model.get_layer("logits").get_weights()]
    conv_before = model.get_layer("conv_0").get_weights()[0].copy()
    head.compile(
        optimizer=keras.optimizers.SGD(0.5),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    head.fit(z, np.arange(4) % 5, epochs=1, batch_size=4, verbose=0)
    for before, after in zip(
        logits_before, model.get_layer("logits").get_weights()
    ):
        assert not np.allclose(before, after)
    np.testing.assert_array_equal(
        model.get_layer("conv_0").get_weights()[0], conv_before
    )
    np.testing.assert_allclose(
        _run(head, _run(encoder, x)), _run(model, x), rtol=1e-6, atol=1e-6
    )

    # Cutting elsewhere works too.
    encoder, head = split_encoder_head(model, representation="gap")
    assert encoder.output_shape == (None, 16)  # 4 * width channels.
    np.testing.assert_array_equal(_run(head, _run(encoder, x)), _run(model, x))


def test_split_encoder_head_errors():
    model = small_cnn((8, 8, 1), 5, width=4)
    with pytest.raises(
        ValueError, match=r"`representation`.*'nope'.*Available.*'logits'"
    ):
        split_encoder_head(model, representation="nope")
    with pytest.raises(TypeError, match="`representation`.*int"):
        split_encoder_head(model, representation=3)
    with pytest.raises(TypeError, match="`model` must be a keras.Model"):
        split_encoder_head(keras.layers.Dense(3))

    # A residual connection from before the cut to after it.
    inputs = keras.Input(shape=(4,))
    hidden = keras.layers.Dense(4, name="hidden")(inputs)
    embedding = keras.layers.Dense(4, name="embedding")(hidden)
    merged = keras.layers.Add(name="add")([hidden, embedding])
    outputs = keras.layers.Dense(2, name="logits")(merged)
    residual = keras.Model(inputs, outputs, name="residual")
    with pytest.raises(ValueError, match="`representation`.*branches across"):
        split_encoder_head(residual)
    # Cutting after the merge is fine.
    encoder, head = split_encoder_head(residual, representation="add")
    x = np.random.RandomState(1).rand(3, 4).astype("float32")
    np.testing.assert_array_equal(
        _run(head, _run(encoder, x)), _run(residual, x)
    )


def test_small_cnn_argument_errors():
    with pytest.raises(ValueError, match="input_shape"):
        small_cnn((28, 28), 10)
    with pytest.raises(ValueError, match="num_classes"):
        small_cnn((8, 8, 1), 0)
    with pytest.raises(ValueError, match="dropout"):
        small_cnn((8, 8, 1), 10, dropout=1.0)


@pytest.mark.parametrize(
    "target",
    [
        "keras_acorl.zoo.small_cnn:small_cnn",
        "keras_acorl.zoo.split_encoder_head:split_encoder_head",
    ],
)
def test_docstring_examples_run(target):
    # FusionEnsemble, backbone_classifier, ...: tests/test_docstring_examples.
    run_examples(target)
