import os
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_acorl


def test_public_surface():
    assert issubclass(keras_acorl.ComplementaryModel, keras.Model)
    assert issubclass(keras_acorl.FusionEnsemble, keras.Model)
    assert issubclass(keras_acorl.layers.GradientReversal, keras.layers.Layer)
    assert callable(keras_acorl.schedules.DANNRamp())
    assert keras_acorl.__version__


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_does_not_pull_in_tensorflow(backend):
    code = (
        "import sys, keras_acorl, keras_acorl.analysis, keras_acorl.datasets;"
        "import keras_acorl.zoo, keras_acorl.speaker;"
        "assert 'tensorflow' not in sys.modules, 'tensorflow imported'"
    )
    env = dict(os.environ, KERAS_BACKEND=backend)
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr[-2000:]


def _classifier_and_data():
    inputs = keras.Input(shape=(6,))
    base = keras.Model(
        inputs, keras.layers.Dense(3)(keras.layers.Dense(8)(inputs))
    )
    enc_in = keras.Input(shape=(6,))
    alliance = keras.Model(enc_in, keras.layers.Dense(5)(enc_in))
    model = keras_acorl.ComplementaryModel(
        [base], alliance, head=keras.layers.Dense(3)
    )
    return base, model, np.random.rand(4, 6).astype("float32")


@pytest.mark.skipif(
    keras.backend.backend() == "torch",
    reason="Keras 3.15 cannot export a SavedModel from the torch backend.",
)
def test_products_export_as_saved_models(tmp_path):
    import tensorflow as tf

    base, model, x = _classifier_and_data()
    fused = keras_acorl.FusionEnsemble([base, model.classifier])
    products = (
        ("classifier", model.classifier),
        ("complementary", model),  # Serves the classifier, no adversaries.
        ("fused", fused),
    )
    for name, product in products:
        path = os.path.join(tmp_path, name)
        product.export(path, format="tf_saved_model", verbose=False)
        loaded = tf.saved_model.load(path)  # Keep a reference while serving.
        served = loaded.serve(tf.constant(x))
        np.testing.assert_allclose(
            np.asarray(served), product.predict(x, verbose=0), atol=1e-5
        )
