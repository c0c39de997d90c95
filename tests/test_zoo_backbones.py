import keras
import numpy as np
import pytest

from keras_acorl.zoo import application_classifier
from keras_acorl.zoo import backbone_classifier
from keras_acorl.zoo import resnet_classifier
from keras_acorl.zoo import split_encoder_head


def _builders():
    def custom(shape):
        inputs = keras.Input(shape=shape)
        x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
        return backbone_classifier(keras.Model(inputs, x), 3, embedding_dim=8)

    return {
        "resnet": lambda shape: resnet_classifier(
            shape, 3, stackwise_num_filters=(64,), embedding_dim=8
        ),
        "mobilenet": lambda shape: application_classifier(
            "MobileNetV3Small",
            shape,
            3,
            embedding_dim=8,
            minimalistic=True,
            alpha=0.5,
            include_preprocessing=False,
        ),
        "custom": custom,
    }


# MobileNetV3 is only built and split (below): compiling its training step
# takes minutes on 2 CPU cores.
@pytest.mark.parametrize("family", ["resnet", "custom"])
def test_backbone_builds_trains_and_splits(family):
    shape = (16, 16, 1)  # Below 32x32: the application resizes.
    model = _builders()[family](shape)
    assert model.output_shape == (None, 3)
    x = np.random.default_rng(0).random((8, *shape)).astype("float32")
    y = np.arange(8) % 3
    model.compile(
        optimizer=keras.optimizers.SGD(0.1),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    before = [np.array(w) for w in model.trainable_weights]
    model.fit(x, y, batch_size=8, epochs=1, verbose=0)
    after = model.trainable_weights
    assert any(not np.allclose(b, a) for b, a in zip(before, after))

    encoder, head = split_encoder_head(model)
    assert encoder.output_shape == (None, 8)
    np.testing.assert_allclose(
        head.predict(encoder.predict(x, verbose=0), verbose=0),
        model.predict(x, verbose=0),
        rtol=1e-4,
        atol=1e-4,
    )


def test_application_classifier_builds_and_splits():
    model = _builders()["mobilenet"]((16, 16, 1))
    assert model.output_shape == (None, 3)
    backbone = model.get_layer("mobilenetv3small_backbone")
    assert backbone.get_layer("resize").output.shape[1:3] == (32, 32)
    encoder, head = split_encoder_head(model)
    assert encoder.output_shape == (None, 8)
    assert head.output_shape == (None, 3)


def test_backbone_classifier_errors():
    with pytest.raises(TypeError, match="`backbone` must be a keras.Model"):
        backbone_classifier(keras.layers.Dense(2), 3)
    inputs = keras.Input(shape=(4,))
    flat = keras.Model(inputs, keras.layers.Reshape((2, 2))(inputs))
    with pytest.raises(ValueError, match="feature map"):
        backbone_classifier(flat, 3)
    with pytest.raises(TypeError, match="num_classes"):
        backbone_classifier(keras.Model(inputs, inputs), 2.5)
    with pytest.raises(ValueError, match="architecture"):
        application_classifier("NoSuchNet", (32, 32, 3), 2)
    with pytest.raises(ValueError, match="input_shape"):
        resnet_classifier((32, 32), 2)
