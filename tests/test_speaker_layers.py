import keras
import numpy as np
import pytest

from keras_acorl.speaker import AttentiveStatisticsPooling
from keras_acorl.speaker import CosineClassifier
from keras_acorl.speaker import LogMelFrontend
from keras_acorl.speaker import SERes2Block
from keras_acorl.speaker import StatisticsPooling
from tests.helpers import run_model_saving_test
from tests.test_case import run_layer_test


def frames(batch=3, time=17, channels=6, seed=0):
    rng = np.random.default_rng(seed)
    return rng.normal(1.0, 2.0, size=(batch, time, channels)).astype("float32")


def plain_statistics(x):
    return np.concatenate([x.mean(axis=1), x.std(axis=1)], axis=-1)


def test_statistics_pooling_layer():
    x = frames()
    run_layer_test(
        StatisticsPooling,
        {"epsilon": 1e-6},
        x,
        expected_output_shape=(3, 12),
        expected_output_data=plain_statistics(x),
        atol=1e-4,
    )


@pytest.mark.parametrize("global_context", [True, False])
def test_attentive_statistics_pooling_layer(global_context):
    run_layer_test(
        AttentiveStatisticsPooling,
        {"attention_channels": 4, "global_context": global_context},
        frames(),
        expected_output_shape=(3, 12),
        expected_num_trainable_weights=4,
    )


def test_cosine_classifier_layer():
    run_layer_test(
        CosineClassifier,
        {"num_classes": 5},
        frames()[:, 0],
        expected_output_shape=(3, 5),
        expected_num_trainable_weights=1,
    )


@pytest.mark.parametrize("channels, trainable", [(6, 16), (8, 18)])
def test_se_res2_block_layer(channels, trainable):
    # Three (conv, batch norm) units and the squeeze-excitation; a 1x1
    # shortcut when the channels change.
    run_layer_test(
        SERes2Block,
        {"channels": channels, "dilation": 2, "scale": 2, "se_channels": 2},
        frames(channels=6),
        expected_output_shape=(3, 17, channels),
        expected_num_trainable_weights=trainable,
        expected_num_non_trainable_weights=6,
    )


def test_log_mel_frontend_layer():
    audio = np.random.default_rng(0).uniform(-0.1, 0.1, (2, 1600))
    run_layer_test(
        LogMelFrontend,
        {"num_mel_bins": 20, "fft_length": 400},
        audio.astype("float32"),
        expected_output_shape=(2, 11, 20),
    )


def test_statistics_pooling_is_mean_and_std():
    x = frames()
    actual = keras.ops.convert_to_numpy(StatisticsPooling()(x))
    np.testing.assert_allclose(actual, plain_statistics(x), atol=1e-4)
    # Constant frames: std at the floor, not NaN.
    constant = keras.ops.convert_to_numpy(
        StatisticsPooling()(np.ones((1, 5, 2)))
    )
    np.testing.assert_allclose(constant, [[1.0, 1.0, 0.0, 0.0]], atol=1e-3)


@pytest.mark.parametrize("global_context", [True, False])
def test_attentive_pooling_with_uniform_attention_is_plain(global_context):
    x = frames()
    layer = AttentiveStatisticsPooling(4, global_context=global_context)
    pooled = keras.ops.convert_to_numpy(layer(x))
    assert pooled.shape == (3, 12)
    # Trained scorer: attention differs from uniform.
    assert np.abs(pooled - plain_statistics(x)).max() > 1e-3
    kernel, bias = layer.scores.get_weights()
    layer.scores.set_weights([np.zeros_like(kernel), np.zeros_like(bias)])
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(layer(x)), plain_statistics(x), atol=1e-4
    )


def test_attentive_pooling_weights_frames():
    # A scorer that only attends to frames whose first channel is large.
    x = frames(batch=1, time=4, channels=2)
    x[0, :, 0] = [0.0, 0.0, 10.0, 0.0]
    layer = AttentiveStatisticsPooling(1, global_context=False)
    layer(x)
    layer.hidden.set_weights([np.array([[1.0], [0.0]]), np.zeros(1)])
    layer.scores.set_weights([np.full((1, 2), 50.0), np.zeros(2)])
    mean = keras.ops.convert_to_numpy(layer(x))[0, :2]
    np.testing.assert_allclose(mean, x[0, 2], atol=1e-3)


def test_pooling_takes_any_number_of_frames(tmp_path):
    inputs = keras.Input(shape=(None, 6))
    model = keras.Model(
        inputs,
        [
            AttentiveStatisticsPooling(5, name="attentive")(inputs),
            StatisticsPooling(name="plain")(inputs),
        ],
    )
    for time in (4, 23):
        x = frames(time=time)
        attentive, plain = model.predict(x, verbose=0)
        assert attentive.shape == (3, 12)
        np.testing.assert_allclose(plain, plain_statistics(x), atol=1e-4)
    run_model_saving_test(model, frames(time=9), tmp_path)


def test_cosine_classifier_outputs_cosines():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(4, 8)).astype("float32")
    layer = CosineClassifier(5)
    cosines = keras.ops.convert_to_numpy(layer(3.0 * x))
    kernel = keras.ops.convert_to_numpy(layer.kernel)
    expected = (x / np.linalg.norm(x, axis=1, keepdims=True)) @ (
        kernel / np.linalg.norm(kernel, axis=0, keepdims=True)
    )
    np.testing.assert_allclose(cosines, expected, atol=1e-5)
    # An embedding along a class weight has cosine 1 with it.
    aligned = keras.ops.convert_to_numpy(layer(kernel[:, 2][None] * 7.0))
    np.testing.assert_allclose(aligned[0, 2], 1.0, atol=1e-5)


def test_se_res2_block_residual():
    block = SERes2Block(8, dilation=2, scale=4, se_channels=2)
    x = frames(channels=8)
    block(x)
    # Zeroing the last batch norm's scale and offset leaves the identity.
    gamma, beta, mean, variance = block.expand[1].get_weights()
    block.expand[1].set_weights(
        [np.zeros_like(gamma), np.zeros_like(beta), mean, variance]
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(block(x)), x, atol=1e-5
    )
    projected = SERes2Block(12, scale=3, se_channels=2)
    assert projected.compute_output_shape((3, None, 8)) == (3, None, 12)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"\(batch, frames, channels\)"):
        StatisticsPooling()(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match=r"\(batch, frames, channels\)"):
        AttentiveStatisticsPooling(4)(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="attention_channels"):
        AttentiveStatisticsPooling(0)
    with pytest.raises(ValueError, match="num_classes"):
        CosineClassifier(0)
    with pytest.raises(ValueError, match=r"\(batch, dim\)"):
        CosineClassifier(3)(np.ones((2, 3, 4), "float32"))
    with pytest.raises(ValueError, match="scale"):
        SERes2Block(10, scale=4)
