import keras
import numpy as np
import pytest

from keras_acorl.zoo import small_cnn
from keras_acorl.zoo import split_encoder_head


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
    x = np.random.rand(32, 8, 8, 1).astype("float32")
    y = np.random.randint(0, 3, size=(32,))
    model = small_cnn((8, 8, 1), 3, width=4, embedding_dim=8)
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    history = model.fit(x, y, epochs=2, batch_size=16, verbose=0)
    assert np.isfinite(history.history["loss"]).all()


def test_split_encoder_head_shares_weights():
    model = small_cnn((8, 8, 1), 5, width=4, embedding_dim=6, dropout=0.1)
    encoder, head = split_encoder_head(model)
    x = np.random.rand(4, 8, 8, 1).astype("float32")
    z = encoder.predict(x, verbose=0)
    assert z.shape == (4, 6)
    np.testing.assert_allclose(
        head.predict(z, verbose=0), model.predict(x, verbose=0), atol=1e-5
    )
    # Shared: changing the model's logits layer changes the head.
    logits = model.get_layer("logits")
    kernel, bias = logits.get_weights()
    logits.set_weights([kernel * 0.0, bias + 1.0])
    np.testing.assert_allclose(head.predict(z, verbose=0), 1.0, atol=1e-6)
    assert {id(v) for v in head.weights} <= {id(v) for v in model.weights}
    # Cutting elsewhere works too.
    encoder, head = split_encoder_head(model, representation="gap")
    assert encoder.output_shape == (None, 16)  # 4 * width channels.
    np.testing.assert_allclose(
        head.predict(encoder.predict(x, verbose=0), verbose=0),
        model.predict(x, verbose=0),
        atol=1e-5,
    )


def test_split_encoder_head_unknown_layer_lists_names():
    model = small_cnn((8, 8, 1), 5, width=4)
    with pytest.raises(ValueError, match="representation.*Available.*logits"):
        split_encoder_head(model, representation="nope")


def test_small_cnn_argument_errors():
    with pytest.raises(ValueError, match="input_shape"):
        small_cnn((28, 28), 10)
    with pytest.raises(ValueError, match="num_classes"):
        small_cnn((8, 8, 1), 0)
    with pytest.raises(ValueError, match="dropout"):
        small_cnn((8, 8, 1), 10, dropout=1.0)
