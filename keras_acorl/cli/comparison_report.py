"""Markdown for a `keras_acorl.analysis.model_comparison.compare_models`
result: one row per model pair."""

import numpy as np

COLUMNS = (
    ("linear CKA", "linear_cka"),
    ("RBF CKA", "rbf_cka"),
    ("disagreement", "disagreement"),
    ("double fault", "double_fault"),
    ("Q", "q_statistic"),
    ("error corr.", "error_correlation"),
)

SHORT_NAMES = {
    "grad_cam": "Grad-CAM",
    "grad_cam_plus_plus": "Grad-CAM++",
    "integrated_gradients": "IG",
    "saliency": "saliency",
}


def pair_rows(result, pairs=None):
    """`{pair: {column: value}}` for the given `"a|b"` pairs (None: all),
    CKA included."""
    names = result["names"]
    rows = {}
    for pair in pairs or result["pairs"]:
        a, b = pair.split("|")
        i, j = names.index(a), names.index(b)
        row = dict(result["pairs"][pair])
        row["linear_cka"] = result["linear_cka"][i][j]
        row["rbf_cka"] = result["rbf_cka"][i][j]
        rows[pair] = row
    return rows


def mean_rows(results, pairs):
    """Per pair, `(mean, std)` of every measure over several results
    (seeds)."""
    per_result = [pair_rows(r, pairs) for r in results]
    summary = {}
    for pair in pairs:
        summary[pair] = {
            key: (
                float(np.nanmean([rows[pair][key] for rows in per_result])),
                float(np.nanstd([rows[pair][key] for rows in per_result])),
            )
            for key in per_result[0][pair]
        }
    return summary


def table(summary, methods, labels=None):
    """A Markdown table of `mean_rows`' output (± std when over several
    results)."""
    columns = list(COLUMNS)
    for method in methods:
        short = SHORT_NAMES.get(method, method)
        columns.append((f"{short} rank corr.", f"{method}_rank_correlation"))
        columns.append((f"{short} top-10% IoU", f"{method}_top_k_iou"))
    lines = [
        "| Pair | " + " | ".join(title for title, _ in columns) + " |",
        "|---" * (len(columns) + 1) + "|",
    ]
    for pair, values in summary.items():
        label = (labels or {}).get(pair, pair.replace("|", " vs "))
        cells = []
        for _, key in columns:
            mean, std = values[key]
            cells.append(f"{mean:.3f}" + (f" ± {std:.3f}" if std else ""))
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


LEGEND = (
    "CKA: similarity of the representations (1: the same up to rotation "
    "and scale). Disagreement: fraction of test samples with different "
    "predicted classes; double fault: fraction both get wrong (what fusion "
    "cannot repair); Q: Yule's Q of the correct/wrong table (0: "
    "independent errors, < 0: one is right where the other is wrong); "
    "error corr.: correlation of the correct/wrong indicators. Attribution "
    "overlap on the true class: Spearman rank correlation of the two "
    "models' maps over all pixels and IoU of their top 10% pixels (low: "
    "the models look at different evidence). Grad-CAM at the last spatial "
    "layer upsampled to the input; IG: |integrated gradients| summed over "
    "channels (zero baseline, 32 steps)."
)


def json_ready(result):
    """The comparison without its arrays (the attribution grid)."""
    return {k: v for k, v in result.items() if k != "grid"}
