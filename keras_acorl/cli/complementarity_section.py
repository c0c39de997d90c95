"""The "complementarity" part of the `reproduce` reports: per seed, base vs
independent and base vs alliance (CKA, diversity, attribution overlap), and
the report section with an attribution grid."""

import numpy as np
from scipy import stats

from keras_acorl.cli import comparison_report

GRID_KEY = "complementarity_grid"
KEY = "complementarity"


def measure(models, base_names, x_test, y_test, quick, new=None):
    """`{KEY: comparison, GRID_KEY: grid}` for the bases and the new models
    (`new`: names, default independent and alliance) on the test split."""
    from keras_acorl.analysis.model_comparison import compare_models

    names = [*base_names, *(new or ("independent", "alliance"))]
    result = compare_models(
        [models[name] for name in names],
        x_test,
        y_test,
        names=names,
        attribution_samples=32 if quick else 300,
        per_class=1 if quick else 2,
    )
    grid = result.pop("grid")
    return {KEY: result, GRID_KEY: grid}


def _pairs(result, base_names, new):
    return [f"{base}|{name}" for name in new for base in base_names]


def write_section(
    runs,
    output_dir,
    base_names,
    new=("independent", "alliance"),
    description=None,
    legend=comparison_report.LEGEND,
):
    """Pops the grids out of `runs` (not JSON), writes the PNGs of the first
    seed and returns the Markdown section ("" when nothing was measured).

    `description`: the text above the table, formatted with `seeds` and
    the first result's entries (None: the image report's); `legend`: the
    text below the verdicts."""
    from keras_acorl.analysis.comparison_plots import write_comparison_plots

    seeds = [s for s in runs if KEY in runs[s]]
    grids = {s: runs[s].pop(GRID_KEY, None) for s in runs}
    if not seeds:
        return ""
    results = [runs[s][KEY] for s in seeds]
    first = dict(results[0], grid=grids[seeds[0]])
    write_comparison_plots(first, output_dir, prefix="complementarity_")
    pairs = _pairs(results[0], base_names, new)
    summary = comparison_report.mean_rows(results, pairs)
    if description is None:
        description = (
            "Test split, mean ± std over {seeds} seed(s); attributions on "
            "the first {attribution_samples} test images, for the true "
            "class."
        )
    description = description.format(seeds=len(seeds), **results[0])
    lines = [
        "## Complementarity: does the alliance look elsewhere?",
        "",
        description,
        "",
        comparison_report.table(summary, results[0]["methods"]),
        "",
        *_verdicts(results, base_names, new),
        "",
        legend,
        "",
        f"Attribution grid and heatmaps of seed {seeds[0]}:",
        "",
        "![Attribution grid](complementarity_attribution_grid.png)",
        "",
        "![CKA](complementarity_cka.png)",
        "",
        "![Diversity and attribution overlap](complementarity_diversity.png)",
        "",
    ]
    return "\n".join(lines)


def _verdicts(results, base_names, new):
    """One line per measure: alliance minus independent, per seed paired,
    mean with a 95% t-interval when there are several seeds."""
    independent, alliance = new
    measures = [
        ("linear CKA to the bases", "linear_cka"),
        ("double fault with the bases", "double_fault"),
    ]
    measures += [
        (
            f"{method} rank correlation with the bases",
            f"{method}_rank_correlation",
        )
        for method in results[0]["methods"]
    ]
    lines = []
    for text, key in measures:
        differences = []
        for result in results:
            rows = comparison_report.pair_rows(
                result, _pairs(result, base_names, new)
            )
            values = {
                name: np.nanmean([rows[f"{b}|{name}"][key] for b in base_names])
                for name in new
            }
            differences.append(values[alliance] - values[independent])
        mean = float(np.mean(differences))
        if len(differences) > 1:
            half = stats.t.ppf(0.975, len(differences) - 1) * stats.sem(
                differences
            )
            interval = (
                f" (95% t-interval {mean - half:+.3f} to {mean + half:+.3f})"
            )
        else:
            interval = " (one seed: no interval)"
        lines.append(
            f"- {text}: alliance - independent = {mean:+.3f}{interval}; "
            "per seed " + ", ".join(f"{d:+.3f}" for d in differences) + "."
        )
    return lines
