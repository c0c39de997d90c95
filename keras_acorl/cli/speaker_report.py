"""The report of `keras-acorl reproduce speaker`: the table over seeds,
`report.md`, `results.json`, DET curves and training curves (PNG)."""

import json
import os

import numpy as np

from keras_acorl.cli import complementarity_section
from keras_acorl.cli import fusion_protocol
from keras_acorl.cli import speaker_complementarity
from keras_acorl.cli.speaker_scoring import ACORL
from keras_acorl.cli.speaker_scoring import ACORL_LR
from keras_acorl.cli.speaker_scoring import INDEPENDENT
from keras_acorl.cli.speaker_scoring import TRADITIONAL
from keras_acorl.cli.speaker_scoring import TRADITIONAL_LR
from keras_acorl.cli.speaker_scoring import fusion_names
from keras_acorl.cli.speaker_scoring import rows

METRICS = ("eer", "min_dcf_0.01", "min_dcf_0.05")


def summarize(runs, alliances=None):
    """`{row: {metric: {"mean", "std", "values"}}}` over the seeds
    (population standard deviation); `alliances`: as `speaker_scoring.rows`'
    argument."""
    summary = {}
    for row in rows(alliances):
        summary[row] = {}
        for metric in METRICS:
            values = [run["metrics"][row][metric] for run in runs]
            summary[row][metric] = {
                "mean": float(np.mean(values)),
                "std": float(np.std(values)),
                "values": values,
            }
    return summary


def format_table(runs, alliances=None):
    """The results as a Markdown table (mean ± std over seeds)."""
    summary = summarize(runs, alliances)
    seeds = ", ".join(str(run["seed"]) for run in runs)
    lines = [
        "| Model | EER % | minDCF(0.01) | minDCF(0.05) "
        f"| EER % per seed ({seeds}) | CKA to base |",
        "|---|---|---|---|---|---|",
    ]
    for row, description in rows(alliances).items():
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


def paired(runs, alliances):
    """Per alliance: its objective and weight, and the per-seed
    differences to the independent model (alliance minus independent, in
    EER / rate units; negative is better): own EER, fused EER (embeddings
    and logistic, vs traditional fusion), both-wrong rate with the base."""
    result = {}
    for alliance in alliances:
        name = alliance["name"]
        fusion, fusion_lr = fusion_names(name)

        def diff(new, old, key="eer"):
            if key == "both_wrong":
                return [run[key][new] - run[key][old] for run in runs]
            return [
                run["metrics"][new][key] - run["metrics"][old][key]
                for run in runs
            ]

        result[name] = {
            "objective": alliance["objective"],
            "weight": alliance["weight"],
            "own_eer": diff(name, INDEPENDENT),
            "fused_eer": diff(fusion, TRADITIONAL),
            "fused_eer_logistic": diff(fusion_lr, TRADITIONAL_LR),
            "fused_min_dcf_0.01": diff(fusion, TRADITIONAL, "min_dcf_0.01"),
            "both_wrong": diff(name, INDEPENDENT, "both_wrong"),
        }
    return result


def format_objectives(runs, alliances):
    """Markdown table of the alliances side by side with the independent
    model (mean ± std over seeds) and `paired`'s differences with 95%
    t-intervals (points)."""

    def mean_std(values, scale=100.0, digits=2):
        values = scale * np.asarray(values, dtype=float)
        return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"

    def metric(row, key="eer"):
        return [run["metrics"][row][key] for run in runs]

    traditional = np.mean(metric(TRADITIONAL))
    lines = [
        "| New model | own EER % | fused EER % | fused / traditional "
        "| fused EER % (logistic) | fused minDCF(0.01) "
        "| both wrong with the base % | Δ own EER | Δ fused EER "
        "| Δ fused EER (logistic) | Δ fused minDCF(0.01) | Δ both wrong |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]

    def cells(label, model, fusion, fusion_lr):
        both = [run["both_wrong"][model] for run in runs]
        return [
            label,
            mean_std(metric(model)),
            mean_std(metric(fusion)),
            f"{np.mean(metric(fusion)) / traditional:.3f}",
            mean_std(metric(fusion_lr)),
            mean_std(metric(fusion, "min_dcf_0.01"), scale=1.0, digits=3),
            mean_std(both),
        ]

    row = cells(
        "independent (traditional fusion)",
        INDEPENDENT,
        TRADITIONAL,
        TRADITIONAL_LR,
    )
    lines.append("| " + " | ".join(row + [""] * 5) + " |")
    differences = paired(runs, alliances)
    for alliance in alliances:
        d = differences[alliance["name"]]
        row = cells(
            f"{alliance['objective']} {alliance['weight']:g}",
            alliance["name"],
            *fusion_names(alliance["name"]),
        )
        row += [
            fusion_protocol.format_interval(d[key])
            for key in ("own_eer", "fused_eer", "fused_eer_logistic")
        ]
        row.append(
            fusion_protocol.format_interval(
                d["fused_min_dcf_0.01"], scale=1.0, digits=3
            )
        )
        row.append(fusion_protocol.format_interval(d["both_wrong"]))
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def write_report(output_dir, config, runs, seconds, alliances=None):
    """Writes `report.md`, `results.json`, `det_curves.png`,
    `training_curves.png` and the complementarity PNGs; returns
    `{"table": ..., "summary": ...}` (and `"objectives"`, the side-by-side
    table, with `alliances`, `speaker_training.alliances`' list)."""
    os.makedirs(output_dir, exist_ok=True)
    table = format_table(runs, alliances)
    summary = summarize(runs, alliances)
    gains = fusion_gains(runs)
    _plot_det(
        runs[0], os.path.join(output_dir, "det_curves.png"), rows(alliances)
    )
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
                "both_wrong": run["both_wrong"],
                "histories": run["histories"],
                complementarity_section.KEY: run.get(
                    complementarity_section.KEY
                ),
            }
            for run in runs
        ],
    }
    text = _report_text(config, table, gains, seconds, len(runs))
    out = {"table": table, "summary": summary}
    if alliances is not None:
        out["objectives"] = format_objectives(runs, alliances)
        results["alliances"] = alliances
        results["paired"] = paired(runs, alliances)
        text += OBJECTIVES_TEXT.format(table=out["objectives"])
    with open(os.path.join(output_dir, "results.json"), "w") as f:
        json.dump(results, f, indent=2)
    with open(os.path.join(output_dir, "report.md"), "w") as f:
        f.write(text + section)
    return out


OBJECTIVES_TEXT = """## Complementarity objectives side by side

One alliance per objective (`--objectives`), each from the independent
model's initial weights and crop order, fused with the base like the
independent model. EER and both-wrong rates in %, minDCF at p_target 0.01,
mean ± std over the seeds. Both wrong: test trials the model and the base
both decide wrongly, each accepting at its own EER threshold. Fused /
traditional: mean fused EER (embeddings) over the mean traditional fused
EER. Δ: alliance minus independent (fusions: minus traditional fusion) per
seed, mean [95% t-interval] in points; negative is better.

{table}

"""


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


def _plot_det(run, path, table):
    from keras_acorl.speaker import plot_det_curves

    curves = {
        description: (run["scores"][row], run["labels"])
        for row, description in table.items()
    }
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
