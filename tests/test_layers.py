import keras
import numpy as np
import pytest

from keras_acorl.layers import Adversary
from keras_acorl.layers import Discriminator
from tests.helpers import run_model_saving_test
from tests.helpers import run_serialization_test


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


def test_discriminator_final_relu_is_optional():
    x = np.random.randn(64, 8).astype("float32")
    plain = Discriminator()
    relu = Discriminator(final_relu=True)
    assert np.min(keras.ops.convert_to_numpy(relu(x))) >= 0.0
    assert np.min(keras.ops.convert_to_numpy(plain(x))) < 0.0


def test_adversary_is_an_mlp_without_batch_norm():
    layer = Adversary(output_dim=5, hidden_units=(7, 6))
    assert layer(np.ones((2, 3), "float32")).shape == (2, 5)
    assert [w.shape for w in layer.trainable_weights][::2] == [
        (3, 7),
        (7, 6),
        (6, 5),
    ]
    assert layer.non_trainable_weights == []


def test_serialization_and_saving(tmp_path):
    run_serialization_test(Discriminator(reduction=4, final_relu=True))
    run_serialization_test(Adversary(3, hidden_units=(4,), activation="tanh"))
    inputs = keras.Input(shape=(12,))
    model = keras.Model(
        inputs,
        [Discriminator()(inputs), Adversary(4, hidden_units=(5,))(inputs)],
    )
    run_model_saving_test(model, np.random.rand(3, 12), tmp_path)


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
