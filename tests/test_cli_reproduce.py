import json
import os
import subprocess
import sys

import keras
import numpy as np
import pytest

from keras_acorl.cli import demo
from keras_acorl.cli import reproduce_image
from keras_acorl.cli.checkpoints import config_hash
from keras_acorl.cli.main import build_parser
from keras_acorl.cli.main import main
from tests.subprocess_run import eager_tensorflow
from tests.subprocess_run import failure_message
from tests.subprocess_run import run_cli
from tests.subprocess_run import run_python

ROWS = (
    "| base cnn_narrow",
    "| independent",
    "| ACoRL alliance (cnn_narrow, adversarial 0.5)",
    "| ACoRL alliance (cnn_narrow, ensemble 1.0)",
    "| MEAL student",
    "| traditional fusion (bases + independent)",
    "| ACoRL fusion (bases + alliance, ensemble)",
    "| traditional fusion (bases + independent, weight fitted on validation)",
    "| ACoRL fusion (bases + alliance, ensemble, weight fitted on validation)",
    "| adversarial 0.5 | 1.0 ± 0.0 |",
    "| ensemble 1.0 | 1.0 ± 0.0 |",
)
# One small base keeps the run short; the families are tested in
# test_zoo_backbones.py. Two objectives: one alliance each.
QUICK = [
    "reproduce",
    "image",
    "--quick",
    "--bases",
    "cnn_narrow",
    "--objectives",
    "adversarial,ensemble=1",
    "--members",
    "2",
]


def test_reproduce_image_quick_and_resume(tmp_path, capsys):
    output_dir = tmp_path / "out"
    # The first run trains every model: in a child process, so a native
    # crash in a backend kernel fails this test only (with its signal).
    # The resume run (one small CNN) stays in this process, which saves
    # the child's start-up (imports) time; both run TensorFlow functions
    # eagerly (see `run_cli`).
    argv = [*QUICK, "--output-dir", str(output_dir)]
    out = run_cli(argv).stdout
    assert "[1/9] seed 0: base model base_cnn_narrow" in out
    assert "growing ensemble: member 2 against the frozen members 1..1" in out
    assert "reusing" not in out and "| ACoRL fusion" in out

    report = (output_dir / "report.md").read_text()
    assert "| Model | Test accuracy (mean ± std)" in report
    for row in ROWS:
        assert row in report
    assert "quick mode" in report and "ACoRL fusion - traditional" in report
    assert "The complementary ensemble of 2 members matches" in report
    for png in ("accuracy.png", "training_curves.png", "cka.png", "growth.png"):
        assert (output_dir / png).read_bytes().startswith(b"\x89PNG")
    assert "| base_cnn_narrow vs alliance |" in report
    grid = output_dir / "complementarity_attribution_grid.png"
    assert grid.read_bytes().startswith(b"\x89PNG")
    first = json.loads((output_dir / "results.json").read_text())
    assert first["config"]["backend"] == keras.backend.backend()
    run = first["runs"]["0"]
    names = run["cka"]["names"]
    assert names == [
        "base_cnn_narrow",
        "independent",
        "alliance",
        "alliance_ensemble",
        "student",
    ]
    for i in range(len(names)):
        assert run["cka"]["matrix"][i][i] == pytest.approx(1.0)
    accuracy = run["accuracy"]
    assert (
        f"traditional fusion {accuracy['traditional_fusion']:.4f}, "
        f"acorl_fusion {accuracy['acorl_fusion']:.4f}, "
        f"acorl_fusion_ensemble {accuracy['acorl_fusion_ensemble']:.4f}"
    ) in out
    acorl = (
        "| ACoRL fusion (bases + alliance, adversarial) | "
        f"{accuracy['acorl_fusion']:.4f}"
    )
    assert acorl in report
    # One base: no fitted weight can do worse on validation than the base
    # alone (weight 0), and joint errors are errors of each model.
    for name in ("independent", "alliance", "alliance_ensemble"):
        assert run["both_wrong"][name] <= 1 - accuracy[name] + 1e-9
        assert run["both_wrong"][name] <= 1 - accuracy["base_cnn_narrow"]
    assert set(run["fusion_weights"]) == {
        "traditional_fusion",
        "acorl_fusion",
        "acorl_fusion_ensemble",
    }
    assert all(0 <= w <= 1 for w in run["fusion_weights"].values())
    paired = first["paired"]["alliance_ensemble"]
    assert paired["fused"] == [
        accuracy["acorl_fusion_ensemble"] - accuracy["traditional_fusion"]
    ]
    assert first["config"]["new_model"] == "cnn_narrow"
    # Growth starts from the first base alone.
    for curve in ("independent", "complementary"):
        assert len(run["growth"][curve]) == 2
        assert run["growth"][curve][0] == accuracy["base_cnn_narrow"]
    pairs = run["complementarity"]["pairs"]
    assert set(pairs) >= {
        "base_cnn_narrow|independent",
        "base_cnn_narrow|alliance",
    }
    history = run["histories"]["alliance"]
    assert len(history["adversarial_loss"]) == 1
    checkpoints = output_dir / "checkpoints"
    (config_dir,) = checkpoints.iterdir()
    saved = sorted(p.name for p in (config_dir / "seed_0").glob("*.keras"))
    assert saved == [
        "alliance.keras",
        "alliance_ensemble.keras",
        "base_cnn_narrow.keras",
        "grow_alliance_2.keras",
        "grow_independent_2.keras",
        "independent.keras",
        "student.keras",
    ]

    # A run killed while training (or saving) the student: no student
    # file, perhaps a half-written one under its temporary name. The re-run
    # reuses the rest, retrains the student and gives the same results.
    os.remove(config_dir / "seed_0" / "student.keras")
    (config_dir / "seed_0" / "student.partial.keras").write_bytes(b"PK\x03")
    with eager_tensorflow():
        assert main(argv) == 0
    out = capsys.readouterr().out
    assert out.count("reusing ") == 6
    assert "saved " in out and "student.keras" in out
    second = json.loads((output_dir / "results.json").read_text())
    assert second["runs"]["0"]["accuracy"] == pytest.approx(run["accuracy"])

    # Another configuration gets another folder: no stale reuse.
    config = json.loads((config_dir / "manifest.json").read_text())
    assert config_hash(config) == config_dir.name
    assert config_hash({**config, "adversarial_weight": 0.0}) != config_dir.name


# The child runs on another backend whichever runs this process: once is
# enough (`make test` runs backend-free tests on its first backend only).
@pytest.mark.backend_free
def test_backend_option_reruns_on_that_backend(tmp_path):
    other = "torch" if keras.backend.backend() != "torch" else "jax"
    # A dataset whose problem shows only when the child loads it, after it
    # printed its backend (a missing folder is refused before that).
    corrupt = tmp_path / "images" / "cat" / "0.png"
    corrupt.parent.mkdir(parents=True)
    corrupt.write_bytes(b"not an image")
    process = subprocess.run(
        [
            sys.executable,
            "-m",
            "keras_acorl.cli.main",
            "reproduce",
            "image",
            "--backend",
            other,
            "--dataset",
            str(tmp_path / "images"),
            "--output-dir",
            str(tmp_path / "out"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert process.returncode == 2
    assert f"Backend: {other}" in process.stdout
    assert f"Image file '{corrupt}' cannot be decoded" in process.stderr
    assert "Traceback" not in process.stderr


def test_a_crash_in_a_child_process_names_its_signal():
    crash = "import os, signal; os.kill(os.getpid(), signal.SIGSEGV)"
    process = run_python(["-c", crash], check=False)
    assert process.returncode == -11
    assert "was killed by SIGSEGV (-11)" in failure_message(["-c"], process)
    failed = run_python(
        ["-c", "print('partial'); raise SystemExit(3)"], check=False
    )
    message = failure_message(["-c"], failed)
    assert "exited with status 3" in message and "partial" in message


def test_parser_defaults_and_demo_alias(capsys):
    args = build_parser().parse_args(["reproduce", "image"])
    assert args.seeds is None and args.epochs is None
    assert args.dataset == "cluttered_mnist5k"
    assert args.bases == ["cnn", "resnet"]
    assert args.objectives is None and args.patience == 2
    demo_args = build_parser().parse_args(["demo"])
    assert demo_args.func is reproduce_image.run_from_args
    assert demo_args.output_dir.replace("\\", "/") == "outputs/demo"
    assert demo.DEFAULT_OUTPUT_DIR.replace("\\", "/") == "outputs/demo"
    with pytest.raises(SystemExit):
        main(["reproduce", "image", "--epochs", "0"])
    with pytest.raises(SystemExit):
        main(["reproduce", "image", "--backend", "numpy"])
    with pytest.raises(SystemExit):
        main(["reproduce", "image", "--objectives", "adversarial,nope"])
    assert "`objectives` entries must be one of" in capsys.readouterr().err
    capsys.readouterr()
    assert main(["reproduce"]) == 2  # No task: prints help.
    assert "image" in capsys.readouterr().out


def test_student_starts_from_the_independent_model():
    # MEAL V2 style: the student holds a copy of the independent model's
    # trained weights, in variables of its own.
    def build(family, model_seed, name):
        keras.utils.set_random_seed(model_seed)
        return reproduce_image._build(family, (12, 12, 1), 3, name)

    independent = build("cnn_narrow", 7, "independent")
    student = reproduce_image.pretrained_student(
        independent, build, "cnn_narrow"
    )
    assert student.name == "student"
    before = independent.get_weights()
    for ours, theirs in zip(student.get_weights(), before, strict=True):
        np.testing.assert_array_equal(ours, theirs)
    # A fresh build with the same seed differs: the copy did the work.
    fresh = build("cnn_narrow", 0, "fresh").get_weights()
    assert any(
        not np.array_equal(a, b) for a, b in zip(fresh, before, strict=True)
    )
    kernel = student.trainable_weights[0]
    kernel.assign(kernel + 1.0)
    np.testing.assert_array_equal(independent.get_weights()[0], before[0])
