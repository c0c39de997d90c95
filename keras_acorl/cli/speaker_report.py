"""The report of `keras-acorl reproduce speaker`: the table over seeds,
`report.md`, `results.json`, DET curves and training curves (PNG)."""

import json
import os

import numpy as np

from keras_acorl.cli import complementarity_section
from keras_acorl.cli import speaker_complementarity
from keras_acorl.cli.speaker_scoring import ACORL
from keras_acorl.cli.speaker_scoring import ACORL_LR
from keras_acorl.cli.speaker_scoring import ROWS
from keras_acorl.cli.speaker_scoring import TRADITIONAL
from keras_acorl.cli.speaker_scoring import TRADITIONAL_LR

METRICS = ("eer", "min_dcf_0.01", "min_dcf_0.05")


def summarize(runs):
    """`{row: {metric: {"mean", "std", "values"}}}` over the seeds
    (population standard deviation)."""
    summary = {}
    for row in ROWS:
        summary[row] = {}
        for metric in METRICS:
            values = [run["metrics"][row][metric] for run in runs]
            summary[row][metric] = {
                "mean": float(np.mean(values)),
                "std": float(np.std(values)),
                "values": values,
            }
    return summary


def format_table(runs):
    """The results as a Markdown table (mean ± std over seeds)."""
    summary = summarize(runs)
    seeds = ", ".join(str(run["seed"]) for run in runs)
    lines = [
        "| Model | EER % | minDCF(0.01) | minDCF(0.05) "
        f"| EER % per seed ({seeds}) | CKA to base |",
        "|---|---|---|---|---|---|",
    ]
    for row, description in ROWS.items():
        eer = summary[row]["eer"]
        cells = [
            description,
            f"{100 * eer['mean']:.2f} ± {100 * eer['std']:.2f}",
        ]
        for metric in METRICS[1:]:
            value = summary[row][metric]
            cells.append(f"{value['mean']:.3f} ± {value['std']:.3f}")
        cells.append(" / ".join(f"{100 * v:.2f}" for v in eer["values"]))
        cka = [run["cka"][row] for run in runs if row in run["cka"]]
        cells.append(f"{np.mean(cka):.3f}" if cka else "")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fusion_gains(runs):
    """EER of traditional fusion minus EER of ACoRL fusion, per seed, for
    both fusion kinds (positive: ACoRL fusion is better)."""
    return {
        kind: [
            run["metrics"][traditional]["eer"] - run["metrics"][acorl]["eer"]
            for run in runs
        ]
        for kind, traditional, acorl in (
            ("embedding", TRADITIONAL, ACORL),
            ("logistic", TRADITIONAL_LR, ACORL_LR),
        )
    }


def write_report(output_dir, config, runs, seconds):
    """Writes `report.md`, `results.json`, `det_curves.png`,
    `training_curves.png` and the complementarity PNGs; returns
    `{"table": ..., "summary": ...}`."""
    os.makedirs(output_dir, exist_ok=True)
    table = format_table(runs)
    summary = summarize(runs)
    gains = fusion_gains(runs)
    _plot_det(runs[0], os.path.join(output_dir, "det_curves.png"))
    _plot_curves(runs, os.path.join(output_dir, "training_curves.png"))
    section = complementarity_section.write_section(
        {run["seed"]: run for run in runs},
        output_dir,
        [speaker_complementarity.BASE],
        description=speaker_complementarity.DESCRIPTION,
        legend=speaker_complementarity.LEGEND,
    )
    results = {
        "config": config,
        "seconds": seconds,
        "summary": summary,
        "fusion_gain_eer": gains,
        "runs": [
            {
                "seed": run["seed"],
                "metrics": run["metrics"],
                "cka": run["cka"],
                "histories": run["histories"],
                complementarity_section.KEY: run.get(
                    complementarity_section.KEY
                ),
            }
            for run in runs
        ],
    }
    with open(os.path.join(output_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(output_dir, "report.md"), "w") as f:
        f.write(
            _report_text(config, table, gains, seconds, len(runs)) + section
        )
    return {"table": table, "summary": summary}


def _report_text(config, table, gains, seconds, num_seeds):
    lines = [
        "# Speaker verification: ACoRL fusion vs traditional fusion",
        "",
        f"Backend `{config['backend']}`, {num_seeds} seed(s), "
        f"{config['epochs']} epoch(s) per model, adversarial weight "
        f"{config['adversarial_weight']}; {seconds / 60:.1f} min.",
        f"Corpus: synthetic (espeak-ng/flite), preset "
        f"`{config['corpus_preset']}`; test trials `trials.txt`, "
        "logistic fusion fitted on `dev_trials.txt` (other speakers).",
        "",
        table,
        "",
        "Lower is better for EER and minDCF. Fusion rows: embedding level "
        "(concatenated L2-normalized embeddings, cosine scoring, i.e. the "
        "mean of the members' cosines) and logistic regression on the "
        "members' scores. CKA to base: linear CKA of the model's test "
        "embeddings with the base model's (lower: more different).",
        "",
        "EER of traditional fusion minus EER of ACoRL fusion, per seed "
        "(points; positive means ACoRL fusion is better):",
    ]
    for kind, values in gains.items():
        points = ", ".join(f"{100 * v:+.2f}" for v in values)
        lines.append(f"- {kind}: {points} (mean {100 * np.mean(values):+.2f})")
    lines += [
        "",
        "![DET curves](det_curves.png)",
        "",
        "![Training curves](training_curves.png)",
        "",
    ]
    return "\n".join(lines)


def _plot_det(run, path):
    from keras_acorl.speaker import plot_det_curves

    curves = {ROWS[row]: (run["scores"][row], run["labels"]) for row in ROWS}
    plot_det_curves(curves, path, title=f"DET curves (seed {run['seed']})")


def _plot_curves(runs, path):
    """Training loss of every model per epoch (all seeds) and the
    alliance's adversary fit."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(11, 4), layout="constrained")
    loss_axis, adversary_axis = figure.subplots(1, 2)
    for run in runs:
        for name, history in run["histories"].items():
            loss = history.get("loss", [])
            epochs = range(1, len(loss) + 1)
            loss_axis.plot(epochs, loss, label=f"{name} (seed {run['seed']})")
            for key, values in sorted(history.items()):
                if key.startswith("adversary_fit"):
                    adversary_axis.plot(
                        range(1, len(values) + 1),
                        values,
                        marker="o",
                        label=f"{key} (seed {run['seed']})",
                    )
    loss_axis.set(title="Training loss (AAM-softmax; alliance: + adversary)")
    adversary_axis.set(title="Alliance: adversary fit to the base embedding")
    for axis in (loss_axis, adversary_axis):
        axis.set(xlabel="epoch")
        axis.grid(alpha=0.3)
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize="x-small")
    figure.savefig(path, dpi=100)
