"""`keras-acorl analyze` on tiny saved models, in this process."""

import json
import os

import keras
import numpy as np
import pytest

from keras_acorl.cli.main import main
from keras_acorl.zoo import small_cnn


@pytest.fixture(scope="module")
def saved_models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("models")
    paths = []
    for i in range(3):
        keras.utils.set_random_seed(i)
        model = small_cnn((8, 8, 1), 10, width=2, embedding_dim=8)
        path = str(folder / f"model_{i}.keras")
        model.save(path)
        paths.append(path)
    return paths


def test_analyze_writes_the_report_and_pictures(saved_models, tmp_path):
    output = str(tmp_path / "analysis")
    status = main(
        [
            "analyze",
            "--models",
            *saved_models,
            "--names",
            "base",
            "independent",
            "alliance",
            "--data",
            "digits",
            "--samples",
            "60",
            "--attribution-samples",
            "12",
            "--per-class",
            "1",
            "--output-dir",
            output,
        ]
    )
    assert status == 0
    for name in ("attribution_grid.png", "cka.png", "diversity.png"):
        assert os.path.getsize(os.path.join(output, name)) > 1000
    with open(os.path.join(output, "report.md")) as f:
        report = f.read()
    assert "| base vs alliance |" in report
    assert "![Attribution grid](attribution_grid.png)" in report
    with open(os.path.join(output, "comparison.json")) as f:
        result = json.load(f)
    assert set(result["pairs"]) == {
        "base|independent",
        "base|alliance",
        "independent|alliance",
    }
    for pair in result["pairs"].values():
        assert 0.0 <= pair["disagreement"] <= 1.0
        assert 0.0 <= pair["grad_cam_top_k_iou"] <= 1.0
        assert pair["n11"] + pair["n10"] + pair["n01"] + pair["n00"] == 60
    cka = np.array(result["linear_cka"])
    np.testing.assert_allclose(np.diag(cka), 1.0)
    np.testing.assert_allclose(cka, cka.T)
    # The accuracy is the saved model's own on the test split.
    from keras_acorl.datasets import load_digits

    _, (x_test, y_test) = load_digits(seed=0)
    model = keras.saving.load_model(saved_models[0])
    expected = np.mean(
        np.argmax(model.predict(x_test[:60], verbose=0), -1) == y_test[:60]
    )
    assert result["accuracy"]["base"] == pytest.approx(expected)


def test_analyze_rejects_mismatched_names(saved_models, tmp_path):
    with pytest.raises(SystemExit, match="`--names`"):
        main(
            [
                "analyze",
                "--models",
                *saved_models[:2],
                "--names",
                "only_one",
                "--output-dir",
                str(tmp_path),
            ]
        )
