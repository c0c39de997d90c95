"""`keras-acorl reproduce speaker --quick`: end to end, resume, scoring."""

import json

import keras
import pytest

from keras_acorl.cli import reproduce_speaker
from keras_acorl.cli import speaker_scoring
from keras_acorl.cli.main import main
from keras_acorl.speaker import embed_utterances
from keras_acorl.speaker import equal_error_rate
from keras_acorl.speaker import min_dcf
from keras_acorl.speaker import score_trials
from tests.subprocess_run import eager_tensorflow
from tests.subprocess_run import run_cli
from tests.test_synthetic_speakers import needs_synthesizers

ROWS = (
    "| base (thin ResNet-SE)",
    "| independent (small ECAPA-TDNN)",
    "| ACoRL alliance (small ECAPA-TDNN)",
    "| traditional fusion (base + independent)",
    "| ACoRL fusion (base + alliance)",
    "| traditional fusion, logistic (dev-fitted)",
    "| ACoRL fusion, logistic (dev-fitted)",
)

ALLIANCE_ROWS = ("alliance", "acorl_fusion", "acorl_fusion_lr")


@needs_synthesizers
def test_reproduce_speaker_quick_resume_and_scores(tmp_path, capsys):
    output_dir, corpus_dir = tmp_path / "out", tmp_path / "corpus"
    argv = [
        "reproduce",
        "speaker",
        "--quick",
        "--output-dir",
        str(output_dir),
        "--corpus-dir",
        str(corpus_dir),
    ]
    # The first run trains every model: in a child process, so a native
    # crash in a backend kernel fails this test only (with its signal).
    # The second run only loads and scores: in this process, which saves
    # the child's start-up (imports) time.
    # The first run also trains a second alliance (`--objectives`); the
    # second run, without `--objectives`, reuses the default one.
    objectives = ["--objectives", "adversarial,ensemble=1.0"]
    out = run_cli([*argv, *objectives]).stdout
    assert "reusing" not in out and "| ACoRL fusion" in out
    report = (output_dir / "report.md").read_text()
    for row in ROWS:
        assert row in report
    assert "| ACoRL fusion, ensemble 1 (base + alliance) | " in report
    assert "## Complementarity objectives side by side" in report
    assert "| independent (traditional fusion) | " in report
    assert "| adversarial 0.5 | " in report and "| ensemble 1 | " in report
    pngs = ["det_curves.png", "training_curves.png"]
    pngs += [
        f"complementarity_{name}.png"
        for name in ("attribution_grid", "cka", "diversity")
    ]
    for png in pngs:
        assert (output_dir / png).read_bytes().startswith(b"\x89PNG")
    # Complementarity: base vs independent and vs alliance.
    assert "## Complementarity" in report
    assert "| base vs independent | " in report
    assert "| base vs alliance | " in report
    first = json.loads((output_dir / "results.json").read_text())
    assert first["config"]["backend"] == keras.backend.backend()
    metrics = first["runs"][0]["metrics"]
    ensemble_rows = {f"{row}_ensemble" for row in ALLIANCE_ROWS}
    assert set(metrics) == set(speaker_scoring.ROWS) | ensemble_rows
    assert "fused_loss" in first["runs"][0]["histories"]["alliance_ensemble"]
    # The side-by-side differences: alliance minus independent, per seed.
    paired = first["paired"]["alliance_ensemble"]
    assert paired["objective"] == "ensemble" and paired["weight"] == 1.0
    fused = metrics["acorl_fusion_ensemble"]["eer"]
    assert paired["fused_eer"] == [
        pytest.approx(fused - metrics["traditional_fusion"]["eer"])
    ]
    both_wrong = first["runs"][0]["both_wrong"]
    assert paired["both_wrong"] == [
        pytest.approx(
            both_wrong["alliance_ensemble"] - both_wrong["independent"]
        )
    ]
    base_eer = 100 * metrics["base"]["eer"]
    assert f"| base (thin ResNet-SE) | {base_eer:.2f} ± 0.00 |" in report
    assert "adversary_fit_0" in first["runs"][0]["histories"]["alliance"]
    comparison = first["runs"][0]["complementarity"]
    assert comparison["names"] == ["base", "independent", "alliance"]
    for pair in ("base|independent", "base|alliance"):
        values = comparison["pairs"][pair]
        assert 0.0 <= values["double_fault"] <= 1.0
        assert -1.0 <= values["integrated_gradients_rank_correlation"] <= 1.0
    cka = comparison["linear_cka"][0][2]
    assert cka == pytest.approx(first["runs"][0]["cka"]["alliance"])

    # Both in this process, with TensorFlow functions eager as in the child.
    with eager_tensorflow():
        # A second run reuses every model (and the corpus) and agrees.
        assert main(argv) == 0
        out = capsys.readouterr().out
        assert out.count("reusing") == 3 and "skipping generation" in out
        report = (output_dir / "report.md").read_text()
        assert "objectives side by side" not in report
        second = json.loads((output_dir / "results.json").read_text())
        assert set(second["runs"][0]["metrics"]) == set(speaker_scoring.ROWS)
        for row, values in second["runs"][0]["metrics"].items():
            assert values == pytest.approx(metrics[row])

        # The one-pass scoring agrees with scoring each model on its own, and
        # the embedding fusion is the mean of the members' cosines.
        settings = reproduce_speaker.SETTINGS["quick"]
        data = reproduce_speaker._load_data(str(corpus_dir), settings, False)
        (config_dir,) = (output_dir / "checkpoints").iterdir()
        alone = {}
        for name in ("base", "alliance"):
            classifier = keras.saving.load_model(
                config_dir / "seed_0" / f"{name}.keras", compile=False
            )
            encoder = keras.Model(
                classifier.input, classifier.get_layer("embedding").output
            )
            embeddings = embed_utterances(encoder, data["test"])
            alone[name], labels = score_trials(data["test_trials"], embeddings)
        alone["acorl_fusion"] = (alone["base"] + alone["alliance"]) / 2
        for name, scores in alone.items():
            eer = equal_error_rate(scores, labels)[0]
            assert eer == pytest.approx(metrics[name]["eer"])
            dcf = min_dcf(scores, labels, p_target=0.01)[0]
            assert dcf == pytest.approx(metrics[name]["min_dcf_0.01"])


def test_objectives_argument_and_alliance_names(capsys):
    from keras_acorl.cli import speaker_training
    from keras_acorl.cli.main import build_parser

    parse = build_parser().parse_args
    assert parse(["reproduce", "speaker"]).objectives is None
    args = parse(
        ["reproduce", "speaker", "--objectives", "adversarial,ensemble=1"]
    )
    assert args.objectives == [("adversarial", None), ("ensemble", 1.0)]
    # The child process of `--backend` gets the same objectives.
    forwarded = reproduce_speaker._forwarded(args)
    text = forwarded[forwarded.index("--objectives") + 1]
    assert parse(["reproduce", "speaker", "--objectives", text]).objectives == (
        args.objectives
    )
    settings = reproduce_speaker.settings_for(args)
    alliances = speaker_training.alliances(args.objectives, settings)
    # The default alliance keeps its name and checkpoint; the others are
    # stored under their objective and weight.
    assert [(a["name"], a["checkpoint"], a["default"]) for a in alliances] == [
        ("alliance", "alliance", True),
        ("alliance_ensemble", "alliance_ensemble_w1", False),
    ]
    assert alliances[0]["weight"] == settings["adversarial_weight"]
    other = speaker_training.alliances([("adversarial", 2.0)], settings)
    assert other[0]["checkpoint"] == "alliance_adversarial_w2"
    assert not other[0]["default"]
    rows = speaker_scoring.rows(alliances)
    assert list(rows)[:4] == [
        "base",
        "independent",
        "alliance",
        "alliance_ensemble",
    ]
    assert rows["acorl_fusion_lr_ensemble"] == (
        "ACoRL fusion, ensemble 1, logistic (dev-fitted)"
    )
    assert speaker_scoring.rows() == speaker_scoring.ROWS
    for bad in ("dice", "ensemble,ensemble=2", "ensemble=-1"):
        with pytest.raises(SystemExit):
            parse(["reproduce", "speaker", "--objectives", bad])
        assert "--objectives" in capsys.readouterr().err
