import math

import keras
import numpy as np
import pytest

from keras_acorl.layers import AdaptivePoolAlign
from tests.helpers import run_serialization_test
from tests.test_case import run_layer_test


def reference(block, out_dim):
    """MEAL's alignment written out: flatten positions, adaptive average
    pool them with PyTorch's bin edges, mean over channels."""
    batch, channels = block.shape[0], block.shape[-1]
    flat = block.reshape(batch, -1, channels)
    length = flat.shape[1]
    out = np.zeros((batch, out_dim, channels))
    for i in range(out_dim):
        start = math.floor(i * length / out_dim)
        end = math.ceil((i + 1) * length / out_dim)
        out[:, i] = flat[:, start:end].mean(axis=1)
    return out.mean(axis=-1)


@pytest.mark.parametrize(
    "shape, out_dim",
    [
        ((2, 7, 7, 3), 16),  # 49 -> 16, uneven bins.
        ((2, 4, 4, 5), 16),  # 16 -> 16.
        ((2, 3, 3, 2), 20),  # 9 -> 20, up-sampling.
        ((2, 10, 4), 3),  # Sequence input.
        ((2, 11), 4),  # Rank 2: pooled along the features.
        # Sizes where keras.ops.adaptive_average_pool (JAX) puts other bin
        # edges than PyTorch (Keras 3.15).
        ((2, 21, 2), 7),
        ((2, 3, 3, 2), 15),
    ],
)
def test_matches_reference_and_torch(shape, out_dim):
    block = np.random.rand(*shape).astype("float32")
    layer = AdaptivePoolAlign(out_dim)
    actual = keras.ops.convert_to_numpy(layer(block))
    if len(shape) == 2:
        expected = reference(block[..., None], out_dim)
    else:
        expected = reference(block, out_dim)
    np.testing.assert_allclose(actual, expected, rtol=1e-5, atol=1e-6)

    import torch

    positions = block.reshape(shape[0], -1, shape[-1]).mean(-1)
    if len(shape) == 2:
        positions = block
    torch_out = torch.nn.functional.adaptive_avg_pool1d(
        torch.tensor(positions)[:, None, :], out_dim
    )[:, 0].numpy()
    np.testing.assert_allclose(actual, torch_out, rtol=1e-5, atol=1e-6)


def test_in_a_model_and_serialization():
    inputs = keras.Input(shape=(6, 6, 4))
    model = keras.Model(inputs, AdaptivePoolAlign(5)(inputs))
    assert model.output_shape == (None, 5)
    assert model.count_params() == 0
    run_serialization_test(AdaptivePoolAlign(5, name="align"))


def test_bad_arguments():
    with pytest.raises(TypeError, match="out_dim"):
        AdaptivePoolAlign(2.5)
    with pytest.raises(ValueError, match="out_dim"):
        AdaptivePoolAlign(0)
    with pytest.raises(ValueError, match="known spatial"):
        AdaptivePoolAlign(3).build((None, None, 4))


@pytest.mark.parametrize("shape", [(2, 7, 7, 3), (2, 10, 4), (2, 11)])
def test_adaptive_pool_align_layer(shape):
    block = np.random.rand(*shape).astype("float32")
    run_layer_test(
        AdaptivePoolAlign,
        {"out_dim": 5},
        block,
        expected_output_shape=(2, 5),
        expected_output_data=reference(
            block[..., None] if len(shape) == 2 else block, 5
        ),
        atol=1e-5,
    )
