"""The report of `keras-acorl reproduce image`: table over seeds, PNG plots
(accuracy bars, training curves, CKA heatmap), `report.md` and
`results.json`."""

import json
import os

import numpy as np

from keras_acorl.cli import complementarity_section
from keras_acorl.cli import fusion_protocol


def _alliances(config):
    """`[(objective, weight, alliance row, fusion row), ...]`."""
    from keras_acorl.cli.reproduce_image import alliance_names

    objectives = config["objectives"]
    return [
        (objective, weight, alliance, fusion)
        for (objective, weight), (alliance, fusion) in zip(
            objectives, alliance_names(objectives)
        )
    ]


def _rows(config):
    new = config["new_model"]
    alliances = _alliances(config)
    rows = [(f"base_{family}", f"base {family}") for family in config["bases"]]
    rows.append(("independent", f"independent ({new})"))
    rows += [
        (alliance, f"ACoRL alliance ({new}, {objective} {weight})")
        for objective, weight, alliance, _ in alliances
    ]
    rows.append(
        ("student", f"MEAL student ({new}, independent + distilled, no labels)")
    )
    rows.append(("base_fusion", "fusion of the bases"))
    fusions = [
        ("traditional_fusion", "traditional fusion (bases + independent")
    ]
    fusions += [
        (fusion, f"ACoRL fusion (bases + alliance, {objective}")
        for objective, _, _, fusion in alliances
    ]
    rows += [(name, text + ")") for name, text in fusions]
    rows += [
        (f"{name}_fitted", text + ", weight fitted on validation)")
        for name, text in fusions
    ]
    return rows


def summarize(runs):
    """`{row: {"mean", "std", "min", "max", "values"}}` of the accuracies
    over seeds (population standard deviation)."""
    names = next(iter(runs.values()))["accuracy"]
    summary = {}
    for name in names:
        values = [run["accuracy"][name] for run in runs.values()]
        summary[name] = {
            "mean": float(np.mean(values)),
            "std": float(np.std(values)),
            "min": float(np.min(values)),
            "max": float(np.max(values)),
            "values": values,
        }
    return summary


def mean_cka(runs):
    """`(names, matrix)`: linear CKA between all representations, averaged
    over seeds."""
    first = next(iter(runs.values()))["cka"]
    matrix = np.mean([run["cka"]["matrix"] for run in runs.values()], axis=0)
    return first["names"], matrix


def format_table(runs, config):
    """The results as a Markdown table: mean ± std over seeds, range, per
    seed, CKA to the bases and probe R² from them."""
    summary = summarize(runs)
    names, cka = mean_cka(runs)
    base_rows = [names.index(f"base_{family}") for family in config["bases"]]
    seeds = list(runs)
    lines = [
        "| Model | Test accuracy (mean ± std) | min – max | per seed "
        "| mean CKA to bases | probe R² from bases |",
        "|---|---|---|---|---|---|",
    ]
    for name, description in _rows(config):
        if name not in summary:
            continue
        row = summary[name]
        cka_text = r2_text = ""
        if name in names:
            i = names.index(name)
            others = [cka[i, j] for j in base_rows if j != i]
            cka_text = f"{np.mean(others):.3f}" if others else ""
        probes = [runs[s]["probe_r2"].get(name) for s in seeds]
        if probes[0] is not None:
            r2_text = f"{np.mean(probes):.3f}"
        per_seed = " / ".join(f"{v:.3f}" for v in row["values"])
        lines.append(
            f"| {description} | {row['mean']:.4f} ± {row['std']:.4f} "
            f"| {row['min']:.3f} – {row['max']:.3f} | {per_seed} "
            f"| {cka_text} | {r2_text} |"
        )
    return "\n".join(lines)


def paired(runs, config):
    """Per objective, per-seed differences to the independent model (in
    accuracy units): the new model's own accuracy, the fusion with equal
    and with fitted weights, the both-wrong rate; and the best epochs."""
    result = {}
    for objective, weight, alliance, fusion in _alliances(config):

        def diff(new, old, key="accuracy"):
            return [run[key][new] - run[key][old] for run in runs.values()]

        result[alliance] = {
            "objective": objective,
            "weight": weight,
            "partner": diff(alliance, "independent"),
            "fused": diff(fusion, "traditional_fusion"),
            "fused_fitted": diff(
                f"{fusion}_fitted", "traditional_fusion_fitted"
            ),
            "both_wrong": diff(alliance, "independent", key="both_wrong"),
        }
    return result


def format_paired(runs, config):
    """Markdown table of `paired` with 95% t-intervals (points), the
    both-wrong rates and best epochs (mean ± std over seeds)."""

    def mean_std(values, scale=1.0, digits=4):
        values = scale * np.asarray(values, dtype=float)
        return f"{values.mean():.{digits}f} ± {values.std():.{digits}f}"

    def over_seeds(key, name):
        return [run[key][name] for run in runs.values()]

    lines = [
        "| New model | best epoch | both wrong with the bases "
        "| Δ own accuracy | Δ fused (equal) | Δ fused (val-fitted) |",
        "|---|---|---|---|---|---|",
        "| independent "
        f"| {mean_std(over_seeds('best_epoch', 'independent'), digits=1)} "
        f"| {mean_std(over_seeds('both_wrong', 'independent'))} | | | |",
    ]
    for alliance, d in paired(runs, config).items():
        cells = [
            f"{d['objective']} {d['weight']}",
            mean_std(over_seeds("best_epoch", alliance), digits=1),
            mean_std(over_seeds("both_wrong", alliance)),
            *(
                fusion_protocol.format_interval(d[key])
                for key in ("partner", "fused", "fused_fitted")
            ),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fusion_gain(runs):
    """One line: ACoRL fusion minus traditional fusion (equal weights),
    the per-seed paired difference with its 95% t-interval, and how many
    seeds it won."""
    gains = [
        run["accuracy"]["acorl_fusion"] - run["accuracy"]["traditional_fusion"]
        for run in runs.values()
    ]
    wins = sum(g > 0 for g in gains)
    ties = sum(g == 0 for g in gains)
    return (
        "ACoRL fusion - traditional fusion: "
        f"{fusion_protocol.format_interval(gains)} points of test accuracy "
        f"(mean [95% t-interval]) over {len(gains)} seed(s), std "
        f"{100 * np.std(gains):.2f} (ACoRL ahead in {wins}, tied in {ties})."
    )


def write_report(output_dir, config, runs, bases, seconds):
    """Writes `report.md`, `results.json` and the PNGs; returns the results
    dict (also holding `table`, `paired_table` and `gain`)."""
    table = format_table(runs, config)
    paired_table = format_paired(runs, config)
    gain = fusion_gain(runs)
    paths = {
        "accuracy_plot": os.path.join(output_dir, "accuracy.png"),
        "curves": os.path.join(output_dir, "training_curves.png"),
        "cka_plot": os.path.join(output_dir, "cka.png"),
        "report": os.path.join(output_dir, "report.md"),
        "results": os.path.join(output_dir, "results.json"),
    }
    summary = summarize(runs)
    _plot_accuracy(summary, config, paths["accuracy_plot"])
    _plot_curves(runs, paths["curves"])
    _plot_cka(*mean_cka(runs), paths["cka_plot"])
    section = complementarity_section.write_section(
        runs, output_dir, [f"base_{family}" for family in bases]
    )
    if config.get("members", 1) > 1:
        from keras_acorl.cli import growing_ensemble

        paths["growth_plot"] = os.path.join(output_dir, "growth.png")
        growing_ensemble.plot(runs.values(), paths["growth_plot"])
        section += "\n" + "\n".join(
            growing_ensemble.report_lines(runs.values())
        )
    with open(paths["report"], "w") as f:
        f.write(_report(config, table, paired_table, gain, seconds) + section)
    results = {
        "config": config,
        "runs": runs,
        "summary": summary,
        "seconds": seconds,
        "table": table,
        "paired_table": paired_table,
        "paired": paired(runs, config),
        "gain": gain,
        **paths,
    }
    with open(paths["results"], "w") as f:
        json.dump(results, f, indent=2)
    return results


def _report(config, table, paired_table, gain, seconds):
    seeds = ", ".join(str(s) for s in config["seeds"])
    objectives = ", ".join(f"{o} (weight {w})" for o, w in config["objectives"])
    return "\n".join(
        [
            "# keras-acorl reproduce image: ACoRL vs. traditional fusion",
            "",
            f"Dataset `{config['dataset']}` ({config['train_samples']} "
            f"training / {config['validation_samples']} validation / "
            f"{config['test_samples']} test images, "
            f"{config['num_classes']} classes), backend "
            f"`{config['backend']}`, seeds {seeds}, "
            + (
                f"{config['epochs']} epoch(s) (quick mode: no early stopping)"
                if config["quick"]
                else f"at most {config['epochs']} epochs with early stopping "
                f"(patience {config['patience']})"
            )
            + f", batch size {config['batch_size']}, objectives {objectives}"
            + f". Run time {seconds:.0f} s.",
            "",
            table,
            "",
            gain,
            "",
            "Paired per seed against the independent model (Δ in points, "
            "mean [95% t-interval]; fusions against traditional fusion with "
            "the same weighting); both wrong: share of test images that the "
            "bases' fusion and the new model both misclassify:",
            "",
            paired_table,
            "",
            "- Fusion averages the members' probabilities, with equal "
            "weights or with the new model's weight fitted (grid 0..1, "
            "log-loss) on the validation split; the bases share the rest.",
            f"- The new models have the first base's architecture "
            f"(`{config['new_model']}`). The independent model and each "
            "alliance share initialization and batch order; only the "
            "alliance's objective against the frozen bases differs. Every "
            "labeled model trains until its validation accuracy stops "
            "improving and keeps its best weights "
            "(`keras.callbacks.EarlyStopping`).",
            "- The MEAL student starts from the trained independent model "
            "(as MEAL V2 starts from a pre-trained student), then learns "
            "from the bases' outputs only, without labels, for the full "
            "`--epochs` budget (`keras_acorl.MEALDistiller` defaults, the "
            '`"soft_mean"` recipe: the mean of the bases\' softmaxes at '
            "temperature 4, no discriminator).",
            "- std: standard deviation over seeds; per seed: accuracy for "
            "each seed in order.",
            "- CKA: linear CKA of the model's `embedding` to each base's on "
            "the test images, averaged over bases and seeds. Probe R²: "
            "held-out R² of a ridge probe predicting the model's embedding "
            "from the bases' embeddings. Lower: more that the bases lack.",
            "",
            "![Accuracy](accuracy.png)",
            "",
            "![Training curves](training_curves.png)",
            "",
            "![Linear CKA](cka.png)",
            "",
        ]
    )


def _figure(**kwargs):
    from matplotlib.figure import Figure

    return Figure(layout="constrained", **kwargs)


def _plot_accuracy(summary, config, path):
    """Bars of the mean accuracy with the std as error bars, and each seed
    as a dot."""
    rows = [(n, d) for n, d in _rows(config) if n in summary]
    figure = _figure(figsize=(9, 0.5 * len(rows) + 1.5))
    axis = figure.subplots()
    positions = np.arange(len(rows))
    means = [summary[n]["mean"] for n, _ in rows]
    stds = [summary[n]["std"] for n, _ in rows]
    axis.barh(positions, means, xerr=stds, color="#8fb3d9", capsize=3)
    for position, (name, _) in zip(positions, rows):
        values = summary[name]["values"]
        axis.plot(values, [position] * len(values), "k.", markersize=4)
    axis.set_yticks(positions, [d for _, d in rows], fontsize="small")
    axis.invert_yaxis()
    low = min(summary[n]["min"] for n, _ in rows)
    axis.set_xlim(max(0.0, low - 0.05), 1.0)
    axis.set(xlabel="test accuracy (bar: mean, line: ± std, dots: seeds)")
    axis.grid(alpha=0.3, axis="x")
    figure.savefig(path, dpi=100)


def _plot_curves(runs, path):
    """Per model: training accuracy (dashed) and validation accuracy (solid) per
    epoch for every seed; the alliance's adversarial terms."""
    figure = _figure(figsize=(13, 4))
    acc_axis, loss_axis, adv_axis = figure.subplots(1, 3)
    colors = {}
    for seed, run in runs.items():
        for name, history in run["histories"].items():
            loss = history.get("loss")
            if not loss:
                continue
            epochs = range(1, len(loss) + 1)
            label = name if name not in colors else None
            if "accuracy" in history:
                (line,) = acc_axis.plot(
                    epochs,
                    history["accuracy"],
                    linestyle="--",
                    color=colors.get(name),
                    label=label,
                )
                colors.setdefault(name, line.get_color())
                if "val_accuracy" in history:
                    acc_axis.plot(
                        epochs, history["val_accuracy"], color=colors[name]
                    )
            (line,) = loss_axis.plot(
                epochs, loss, color=colors.get(name), label=label
            )
            colors.setdefault(name, line.get_color())
            if name == "alliance":
                for key in sorted(history):
                    if key.startswith("adversar"):
                        adv_axis.plot(
                            epochs,
                            history[key],
                            marker="o",
                            label=f"{key} (seed {seed})",
                        )
    acc_axis.set(title="Accuracy (dashed: train, solid: validation)")
    loss_axis.set(title="Training loss (student: distillation loss)")
    adv_axis.set(title="Alliance: adversarial terms")
    for axis in (acc_axis, loss_axis, adv_axis):
        axis.set(xlabel="epoch")
        if axis.get_legend_handles_labels()[0]:
            axis.legend(fontsize="x-small")
        axis.grid(alpha=0.3)
    figure.savefig(path, dpi=100)


def _plot_cka(names, matrix, path):
    """Heatmap of linear CKA between all representations."""
    figure = _figure(figsize=(1.1 * len(names) + 2, 1.0 * len(names) + 1))
    axis = figure.subplots()
    image = axis.imshow(matrix, vmin=0.0, vmax=1.0, cmap="viridis")
    axis.set_xticks(range(len(names)), names, rotation=45, ha="right")
    axis.set_yticks(range(len(names)), names)
    for i in range(len(names)):
        for j in range(len(names)):
            axis.text(
                j,
                i,
                f"{matrix[i, j]:.2f}",
                ha="center",
                va="center",
                color="white" if matrix[i, j] < 0.6 else "black",
                fontsize="small",
            )
    axis.set(
        title="Linear CKA of the embeddings (test images, mean over seeds)"
    )
    figure.colorbar(image, ax=axis)
    figure.savefig(path, dpi=100)
