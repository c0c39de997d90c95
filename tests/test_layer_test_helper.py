"""`run_layer_test` fails on the mistakes it is there to catch."""

import keras
import numpy as np
import pytest

from tests.test_case import run_layer_test

# The helper's logic, not the backend, is under test.
pytestmark = pytest.mark.backend_free


@keras.saving.register_keras_serializable(package="keras_acorl_tests")
class Scale(keras.layers.Layer):
    """A Dense layer times `factor`, with switchable mistakes."""

    def __init__(
        self,
        factor=2.0,
        forget_config=False,
        forget_policy=False,
        frozen=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.factor = factor
        self.forget_config = forget_config
        self.forget_policy = forget_policy
        self.frozen = frozen
        dtype = None if forget_policy else self.dtype_policy
        self.dense = keras.layers.Dense(3, dtype=dtype)

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.dense.trainable = not self.frozen

    def call(self, inputs):
        outputs = self.dense(inputs) * self.factor
        return keras.ops.cast(outputs, self.compute_dtype)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "forget_policy": self.forget_policy,
                "frozen": self.frozen,
            }
        )
        if not self.forget_config:
            config.update({"factor": self.factor})
        return config


def run(**kwargs):
    frozen = kwargs.get("frozen", False)
    run_layer_test(
        Scale,
        {"factor": 3.0, **kwargs},
        np.ones((2, 4), "float32"),
        expected_output_shape=(2, 3),
        expected_num_trainable_weights=0 if frozen else 2,
        expected_num_non_trainable_weights=2 if frozen else 0,
        run_saving=False,
    )


def test_a_correct_layer_passes():
    run()


def test_a_config_without_an_argument_fails():
    # The restored layer has the default `factor` (and shows it).
    with pytest.raises(AssertionError, match="factor"):
        run(forget_config=True)


def test_a_sublayer_outside_the_policy_fails():
    with pytest.raises(AssertionError, match="runs under float32"):
        run(forget_policy=True)


def test_wrong_shapes_and_weight_counts_fail():
    layer_input = np.ones((2, 4), "float32")
    with pytest.raises(AssertionError, match="symbolic shape"):
        run_layer_test(Scale, {}, layer_input, expected_output_shape=(2, 4))
    with pytest.raises(AssertionError, match="2 trainable weights"):
        run_layer_test(Scale, {}, layer_input, expected_output_shape=(2, 3))
