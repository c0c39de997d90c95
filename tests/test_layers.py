import keras
import numpy as np
import pytest

from keras_acorl.layers import Adversary
from keras_acorl.layers import Discriminator
from tests.test_case import run_layer_test


def features(batch=4, dim=16, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(batch, dim)).astype("float32")


def to_numpy(x):
    return keras.ops.convert_to_numpy(x)


def relu(x):
    return np.maximum(x, 0.0)


@pytest.mark.parametrize("final_relu", [False, True])
def test_discriminator_layer(final_relu):
    run_layer_test(
        Discriminator,
        {"reduction": 2, "final_relu": final_relu},
        features(),
        expected_output_shape=(4, 2),
        expected_num_trainable_weights=6,
    )


def test_adversary_layer():
    run_layer_test(
        Adversary,
        {"output_dim": 5, "hidden_units": (7, 6), "activation": "tanh"},
        features(dim=3),
        expected_output_shape=(4, 5),
        expected_num_trainable_weights=6,
    )


@pytest.mark.parametrize(
    "reduction, dim, widths", [(2, 16, [8, 4, 2]), (8, 1000, [125, 15, 2])]
)
def test_discriminator_widths_follow_meal(reduction, dim, widths):
    layer = Discriminator(reduction=reduction)
    out = layer(np.ones((3, dim), "float32"))
    assert out.shape == (3, 2)
    kernels = [layer.hidden_layers[0].kernel, layer.hidden_layers[1].kernel]
    kernels.append(layer.logits_layer.kernel)
    assert [int(k.shape[1]) for k in kernels] == widths


def test_discriminator_computes_two_relu_layers_then_logits():
    x = features(batch=64, dim=8)
    plain = Discriminator()
    with_relu = Discriminator(final_relu=True)
    plain(x)
    with_relu(x)
    w3, b3 = plain.logits_layer.get_weights()
    b3 = np.array([-0.5, 0.5], "float32")  # Logits of both signs.
    plain.logits_layer.set_weights([w3, b3])
    with_relu.set_weights(plain.get_weights())
    (w1, b1), (w2, b2) = [layer.get_weights() for layer in plain.hidden_layers]
    logits = relu(relu(x @ w1 + b1) @ w2 + b2) @ w3 + b3
    assert logits.min() < 0.0  # Else the final ReLU would change nothing.
    np.testing.assert_allclose(to_numpy(plain(x)), logits, atol=1e-5)
    np.testing.assert_allclose(to_numpy(with_relu(x)), relu(logits), atol=1e-5)


def test_adversary_is_an_mlp_without_batch_norm():
    x = features(batch=2, dim=3)
    layer = Adversary(output_dim=5, hidden_units=(7, 6))
    layer(x)
    assert [w.shape for w in layer.trainable_weights][::2] == [
        (3, 7),
        (7, 6),
        (6, 5),
    ]
    assert layer.non_trainable_weights == []
    w1, b1, w2, b2, w3, b3 = layer.get_weights()
    expected = relu(relu(x @ w1 + b1) @ w2 + b2) @ w3 + b3
    np.testing.assert_allclose(to_numpy(layer(x)), expected, atol=1e-5)
    # No batch statistics: each row's prediction ignores the other rows.
    np.testing.assert_allclose(to_numpy(layer(x[:1])), expected[:1], atol=1e-5)


def test_bad_arguments():
    with pytest.raises(ValueError, match="reduction"):
        Discriminator(reduction=0)
    with pytest.raises(TypeError, match="final_relu"):
        Discriminator(final_relu="yes")
    with pytest.raises(ValueError, match=r"\(batch, features\)"):
        Discriminator()(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="output_dim"):
        Adversary(0)
    with pytest.raises(ValueError, match="hidden_units"):
        Adversary(3, hidden_units=(0,))
