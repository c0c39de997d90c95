import os
import pathlib
import re
import subprocess
import sys

import keras
import numpy as np
import pytest

import keras_acorl
import keras_acorl.speaker

ROOT = pathlib.Path(__file__).parent.parent
# Every class `.keras` files name: registered under "keras_acorl>Name".
SERIALIZABLE = (
    keras_acorl.ComplementaryModel,
    keras_acorl.FusionEnsemble,
    keras_acorl.MEALDistiller,
    keras_acorl.callbacks.GradientReversalScheduler,
    keras_acorl.schedules.DANNRamp,
    keras_acorl.layers.AdaptivePoolAlign,
    keras_acorl.layers.Adversary,
    keras_acorl.layers.Discriminator,
    keras_acorl.layers.GradientReversal,
    keras_acorl.objectives.AdversarialObjective,
    keras_acorl.objectives.ComplementarityObjective,
    keras_acorl.objectives.ConditionalAdversarialObjective,
    keras_acorl.objectives.EnsembleObjective,
    keras_acorl.objectives.IndependenceObjective,
    keras_acorl.objectives.InputGradientObjective,
    keras_acorl.objectives.TargetStandardizer,
    keras_acorl.speaker.AdditiveAngularMarginLoss,
    keras_acorl.speaker.AttentiveStatisticsPooling,
    keras_acorl.speaker.CosineClassifier,
    keras_acorl.speaker.LogMelFrontend,
    keras_acorl.speaker.SERes2Block,
    keras_acorl.speaker.StatisticsPooling,
)


@pytest.mark.backend_free
def test_version_matches_pyproject():
    # No tomllib: Python 3.10 is supported.
    text = (ROOT / "pyproject.toml").read_text()
    version = re.search(r'^version = "(.+)"$', text, re.M).group(1)
    assert keras_acorl.__version__ == version


@pytest.mark.backend_free
@pytest.mark.parametrize(
    "package",
    [
        keras_acorl,
        keras_acorl.layers,
        keras_acorl.objectives,
        keras_acorl.speaker,
    ],
)
def test_all_names_resolve(package):
    missing = [n for n in package.__all__ if not hasattr(package, n)]
    assert missing == []
    assert len(set(package.__all__)) == len(package.__all__)


@pytest.mark.backend_free
@pytest.mark.parametrize("cls", SERIALIZABLE, ids=lambda c: c.__name__)
def test_public_classes_are_registered_for_saving(cls):
    name = f"keras_acorl>{cls.__name__}"
    assert keras.saving.get_registered_object(name) is cls
    assert keras.saving.get_registered_name(cls) == name


@pytest.mark.backend_free
@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_import_does_not_pull_in_tensorflow(backend):
    code = (
        "import sys, keras_acorl, keras_acorl.analysis, keras_acorl.datasets;"
        "import keras_acorl.speaker, keras_acorl.zoo;"
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
