import json

import pytest

from keras_acorl.cli import demo
from keras_acorl.cli.main import build_parser
from keras_acorl.cli.main import main

ROWS = (
    "| base A",
    "| base B",
    "| independent",
    "| ACoRL alliance",
    "| traditional fusion",
    "| ACoRL fusion",
)


def test_demo_quick_writes_report_and_curves(tmp_path, capsys):
    output_dir = tmp_path / "demo"
    assert main(["demo", "--quick", "--output-dir", str(output_dir)]) == 0

    report = (output_dir / "report.md").read_text()
    assert "| Model | Test accuracy | CKA to base A" in report
    for row in ROWS:
        assert row in report
    assert "quick mode" in report
    assert "ACoRL fusion - traditional fusion:" in report
    png = (output_dir / "training_curves.png").read_bytes()
    assert png.startswith(b"\x89PNG")

    results = json.loads((output_dir / "results.json").read_text())
    assert set(results["accuracy"]) == {
        "base_a",
        "base_b",
        "independent",
        "alliance",
        "traditional_fusion",
        "acorl_fusion",
    }
    for value in results["accuracy"].values():
        assert 0.0 <= value <= 1.0
    for name in ("independent", "alliance"):
        assert set(results["cka"][name]) == {"base_a", "base_b"}
        for value in results["cka"][name].values():
            assert 0.0 <= value <= 1.0
        assert results["probe_r2"][name] <= 1.0
    history = results["histories"]["alliance"]
    for key in ("loss", "adversarial_loss", "adversary_fit_0"):
        assert len(history[key]) == results["config"]["epochs"]
    # Progress lines and the table go to stdout.
    out = capsys.readouterr().out
    assert "[1/7]" in out and "| ACoRL fusion" in out


def test_quick_mode_from_env(monkeypatch):
    monkeypatch.setenv(demo.QUICK_ENV, "1")
    assert demo.quick_mode_from_env()
    monkeypatch.setenv(demo.QUICK_ENV, "0")
    assert not demo.quick_mode_from_env()
    monkeypatch.delenv(demo.QUICK_ENV)
    assert not demo.quick_mode_from_env()


def test_parser_defaults_and_errors(capsys):
    args = build_parser().parse_args(["demo"])
    assert args.output_dir.replace("\\", "/") == "outputs/demo"
    assert args.seed == 0 and args.epochs is None
    assert args.adversarial_weight == demo.DEFAULT_ADVERSARIAL_WEIGHT
    with pytest.raises(SystemExit):
        main(["demo", "--epochs", "0"])
    with pytest.raises(SystemExit):
        main(["demo", "--adversarial-weight", "-1"])
    assert "finite float >= 0" in capsys.readouterr().err
    assert main([]) == 2  # No command: prints help.
    assert "demo" in capsys.readouterr().out
