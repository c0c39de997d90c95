"""The controlled headroom task of benchmarks/headroom_task.py."""

import keras
import numpy as np
import pytest

from benchmarks import headroom_task


def test_targets_and_ideal_loss_values():
    y = np.array([0, 3, 8])
    soft = headroom_task.pair_blind_targets(y)
    np.testing.assert_allclose(soft[1], [0, 0, 0.5, 0.5, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(soft.sum(-1), 1.0)
    targets = headroom_task.ideal_targets(y)
    logits = np.random.default_rng(0).normal(size=(3, 10)).astype("float32")
    expected = []
    for row, label in zip(logits, y):
        mate = label ^ 1
        cross_entropy = np.log(np.exp(row).sum()) - row[label]
        pair = np.log1p(np.exp(row[mate] - row[label]))
        expected.append(cross_entropy + pair)
    loss = headroom_task.ideal_loss(
        keras.ops.convert_to_tensor(targets),
        keras.ops.convert_to_tensor(logits),
    )
    np.testing.assert_allclose(
        keras.ops.convert_to_numpy(loss), expected, rtol=1e-5
    )


def test_measure_and_interval_values():
    task = object.__new__(headroom_task.HeadroomTask)
    task.y_test = np.array([0, 1, 2, 3])
    # The base names the pair and is unsure within it.
    task.base_probs = np.array(
        [[0.5, 0.5, 0, 0], [0.6, 0.4, 0, 0], [0, 0, 0.4, 0.6], [0, 0, 0.6, 0.4]]
    )
    partner = np.array(
        [[0.3, 0.7, 0, 0], [0, 1.0, 0, 0], [0, 0.1, 0.9, 0], [1.0, 0, 0, 0]]
    )
    result = task.measure(partner)
    assert result == {"partner": 0.5, "fused": 0.5, "both_wrong": 0.25}
    assert task.pair_accuracy() == 1.0
    mean, low, high = headroom_task.interval([1.0, 2.0, 3.0])
    # mean 2, sem 1/sqrt(3), t(0.975, 2) = 4.303
    assert mean == 2.0
    np.testing.assert_allclose(high - mean, 4.3027 / np.sqrt(3), rtol=1e-4)
    assert low == pytest.approx(2 * mean - high)
