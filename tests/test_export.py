"""`keras_acorl.export_model`: every product exported in every format
from this backend, then served in ONE child process by TensorFlow,
ONNX Runtime and torch (tests/serve_artifacts.py), outputs equal to
`predict` here.

Cost: the exports the backend cannot write itself (torch programs from
TensorFlow and JAX, SavedModels from torch) share one export child
process, and serving is one more.
"""

import json
import os
import re

import keras
import numpy as np
import pytest

import keras_acorl
from keras_acorl.cli.main import main as cli_main
from keras_acorl.export import export_models
from keras_acorl.export.serving_model import serving_model
from keras_acorl.speaker import thin_resnet_se
from tests.subprocess_run import run_python

SUFFIXES = {"tf_saved_model": "", "onnx": ".onnx", "torch": ".pt2"}
ATOL = 1e-5


def _mlp(name, hidden=8, outputs=3):
    inputs = keras.Input(shape=(6,))
    x = keras.layers.Dense(hidden, activation="relu", name="hidden")(inputs)
    return keras.Model(
        inputs, keras.layers.Dense(outputs, name="logits")(x), name=name
    )


def _products():
    """`{name: (model given to export_model, model whose predict is the
    reference)}`: the products users serve, tiny."""
    keras.utils.set_random_seed(3)
    base_a, base_b = _mlp("base_a"), _mlp("base_b", hidden=5)
    complementary = keras_acorl.ComplementaryModel(
        [base_a], _mlp("alliance", outputs=4), head=keras.layers.Dense(3)
    )
    members = [base_a, base_b, complementary.classifier]
    learned = keras_acorl.FusionEnsemble(
        members, method="weighted_probs", weights="learn"
    )
    learned.fusion_logits.assign([0.9, -0.4, 0.2])  # Not uniform.
    distiller = keras_acorl.MEALDistiller([base_a, base_b], _mlp("student"))
    products = {
        # The ComplementaryModel itself: its classifier is exported.
        "classifier": (complementary, complementary.classifier),
        "encoder": complementary.encoder,
        "mean_probs": keras_acorl.FusionEnsemble(members),
        "mean_logits": keras_acorl.FusionEnsemble(
            members, method="mean_logits"
        ),
        "weighted_probs": keras_acorl.FusionEnsemble(
            members, method="weighted_probs", weights=[0.2, 0.3, 0.5]
        ),
        "learned_weights": learned,
        "concat": keras_acorl.FusionEnsemble(
            [base_a, base_b], method="concat", member_representations="hidden"
        ),
        "student": (distiller, distiller.student),
    }
    return {
        name: value if isinstance(value, tuple) else (value, value)
        for name, value in products.items()
    }


def _speaker_embedding_model():
    """Raw waveform (any length) -> L2-normalized embedding, with the
    in-graph log-mel frontend."""
    encoder = thin_resnet_se(
        num_mel_bins=16,
        channels=(4, 8),
        blocks_per_stage=(1, 1),
        embedding_dim=8,
        frontend=True,
    )
    normalized = keras.layers.UnitNormalization()(encoder.output)
    return keras.Model(encoder.input, normalized, name="speaker_embedding")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """`(expected, results, manifest)`: predictions here, the child's
    results (see tests/serve_artifacts.py), the artifacts."""
    folder = tmp_path_factory.mktemp("export")
    x = np.random.default_rng(0).normal(size=(5, 6)).astype("float32")
    products = _products()
    expected, exports, manifest = {}, [], []
    requests = {name: x for name in [*products, "cli"]}
    # The speaker model as a SavedModel and as ONNX (a TF child where the
    # backend cannot trace its strided "same" convolutions over a symbolic
    # length); not as a torch program: torch.export refuses those
    # convolutions' parity guards (README, "Serving").
    speaker = _speaker_embedding_model()
    products["speaker"] = (speaker, speaker)
    requests["speaker"] = (
        np.random.default_rng(1)
        .uniform(-0.1, 0.1, size=(3, 4000))
        .astype("float32")
    )
    for name, (model, reference) in products.items():
        expected[name] = reference.predict(requests[name], verbose=0)
        formats = ["tf_saved_model", "onnx"] if name == "speaker" else SUFFIXES
        for fmt in formats:
            suffix = SUFFIXES[fmt]
            item = {
                "path": str(folder / f"{name}_{fmt}{suffix}"),
                "format": fmt,
                "input_name": "features",
                "output_name": "scores",
            }
            exports.append(dict(item, model=model))
            manifest.append(dict(item, name=name))
    export_models(exports)
    # The command line: a .keras file to ONNX.
    keras_path = str(folder / "classifier.keras")
    products["classifier"][1].save(keras_path)
    cli_path = str(folder / "cli.onnx")
    status = cli_main(["export", keras_path, cli_path, "--format", "onnx"])
    assert status == 0
    expected["cli"] = expected["classifier"]
    manifest.append(
        {
            "name": "cli",
            "format": "onnx",
            "path": cli_path,
            "input_name": "inputs",
            "output_name": "outputs",
        }
    )
    arrays = {}
    for name, request in requests.items():
        arrays[name] = request
        if name == "speaker":
            arrays[f"{name}_bad_shape"] = request[..., None]  # Rank 3.
        else:
            arrays[f"{name}_bad_shape"] = request[:, :5]  # A feature short.
        arrays[f"{name}_bad_dtype"] = request.astype("float64")
    manifest_path = str(folder / "manifest.json")
    with open(manifest_path, "w") as f:
        json.dump(manifest, f)
    inputs_path, results_path = folder / "inputs.npz", folder / "results.npz"
    np.savez(inputs_path, **arrays)
    run_python(
        [
            "-m",
            "tests.serve_artifacts",
            manifest_path,
            str(inputs_path),
            str(results_path),
        ],
        timeout=600,
    )
    return expected, dict(np.load(results_path)), manifest


def test_every_product_serves_from_every_format_like_predict(served):
    expected, results, manifest = served
    for item in manifest:
        key = f"{item['name']}/{item['format']}"
        reference = expected[item["name"]]
        diff = float(np.max(np.abs(results[key] - reference)))
        print(f"max-abs {keras.backend.backend()} {key}: {diff:.2e}")
        np.testing.assert_allclose(
            results[key], reference, atol=ATOL, err_msg=key
        )
        # Dynamic batch: a batch of one serves the same first row.
        np.testing.assert_allclose(
            results[f"{key}/first"], reference[:1], atol=ATOL, err_msg=key
        )


def test_wrong_requests_are_refused_by_every_runtime(served):
    _, results, manifest = served
    for item in manifest:
        key = f"{item['name']}/{item['format']}"
        shape_error = str(results[f"{key}/bad_shape"])
        dtype_error = str(results[f"{key}/bad_dtype"])
        assert re.search(r"shape|dimension|size|rank", shape_error), (
            key,
            shape_error,
        )
        assert re.search(r"float64|double", dtype_error), (key, dtype_error)


def test_training_only_layers_are_never_exported():
    complementary = _products()["classifier"][0]
    serving = serving_model(complementary, "inputs", "outputs")
    assert serving.count_params() == complementary.classifier.count_params()
    inputs = keras.Input(shape=(6,))
    reversed_ = keras_acorl.layers.GradientReversal(name="grl")(inputs)
    model = keras.Model(inputs, keras.layers.Dense(2)(reversed_))
    with pytest.raises(ValueError, match="'grl' \\(GradientReversal\\)"):
        keras_acorl.export_model(model, "unused", format="onnx")


def test_bad_arguments_name_the_argument(tmp_path):
    model = _mlp("m")
    with pytest.raises(ValueError, match="`format`"):
        keras_acorl.export_model(model, str(tmp_path / "m"), format="pb")
    with pytest.raises(ValueError, match="`path` must end with '.pt2'"):
        keras_acorl.export_model(model, str(tmp_path / "m"), format="torch")
    with pytest.raises(ValueError, match="`input_name`"):
        keras_acorl.export_model(
            model, str(tmp_path / "m.onnx"), "onnx", input_name="1 x"
        )
    assert not os.listdir(tmp_path)
