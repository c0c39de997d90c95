"""PNG pictures of a model comparison: attribution grid and heatmaps
(matplotlib `Figure`s, no display needed)."""

import numpy as np


def _figure(**kwargs):
    try:
        from matplotlib.figure import Figure
    except ImportError as error:
        raise ImportError(
            "The comparison plots need matplotlib: "
            "`pip install keras-acorl[vis]`."
        ) from error
    return Figure(layout="constrained", **kwargs)


def plot_attribution_grid(
    grid, names, path, title="Grad-CAM (true class)", columns=10
):
    """One column per sample (wrapped every `columns` samples); rows: the
    input, then each model's map over the input. Column titles: the true
    class and each model's prediction. `grid` may carry its own `"title"`
    and `"column_titles"` (what the labels and predictions are)."""
    title = grid.get("title", title)
    column_titles = grid.get("column_titles", "true class, predictions")
    images = grid["images"]
    count = len(images)
    width = min(count, columns)
    blocks = -(-count // width)
    per_block = 1 + len(names)
    rows = blocks * per_block
    figure = _figure(figsize=(1.15 * width + 1.4, 1.25 * rows + 0.6))
    axes = np.asarray(figure.subplots(rows, width, squeeze=False))
    for axis in axes.ravel():
        axis.set_xticks([])
        axis.set_yticks([])
        axis.set_frame_on(False)
    for index in range(count):
        block, column = divmod(index, width)
        top = block * per_block
        image = images[index]
        gray = image.mean(axis=-1) if image.ndim == 3 else image
        predictions = "/".join(
            str(int(grid["predictions"][name][index])) for name in names
        )
        axes[top, column].imshow(gray, cmap="gray")
        axes[top, column].set_title(
            f"y={int(grid['labels'][index])}\n{predictions}", fontsize=7
        )
        for row, name in enumerate(names, start=1):
            heat = grid["maps"][name][index]
            peak = heat.max()
            axis = axes[top + row, column]
            axis.imshow(gray, cmap="gray")
            axis.imshow(
                heat / peak if peak > 0 else heat,
                cmap="jet",
                alpha=0.5,
                vmin=0.0,
                vmax=1.0,
            )
    for block in range(blocks):
        for row, label in enumerate(["input", *names]):
            axes[block * per_block + row, 0].set_ylabel(label, fontsize=8)
    figure.suptitle(
        f"{title}\ncolumn titles: {column_titles} ({'/'.join(names)})",
        fontsize=9,
    )
    figure.savefig(path, dpi=90)


def plot_heatmaps(panels, names, path):
    """Side-by-side annotated heatmaps of pairwise matrices.

    Args:
        panels: list of `(title, matrix, vmin, vmax)`.
        names: the rows' and columns' labels.
        path: PNG file.
    """
    k = len(names)
    figure = _figure(figsize=(len(panels) * (0.8 * k + 2.2), 0.7 * k + 1.8))
    axes = np.atleast_1d(figure.subplots(1, len(panels)))
    for axis, (title, matrix, vmin, vmax) in zip(axes, panels):
        matrix = np.asarray(matrix, dtype=float)
        image = axis.imshow(matrix, vmin=vmin, vmax=vmax, cmap="viridis")
        axis.set_xticks(range(k), names, rotation=45, ha="right")
        axis.set_yticks(range(k), names)
        middle = (vmin + vmax) / 2
        for i in range(k):
            for j in range(k):
                value = matrix[i, j]
                axis.text(
                    j,
                    i,
                    "" if np.isnan(value) else f"{value:.2f}",
                    ha="center",
                    va="center",
                    color="white" if value < middle else "black",
                    fontsize="small",
                )
        axis.set_title(title, fontsize=9)
        figure.colorbar(image, ax=axis, shrink=0.8)
    figure.savefig(path, dpi=90)


def pair_matrix(result, key):
    """`(k, k)` matrix of one pairwise measure (NaN on the diagonal)."""
    names = result["names"]
    matrix = np.full((len(names), len(names)), np.nan)
    for pair, values in result["pairs"].items():
        a, b = pair.split("|")
        i, j = names.index(a), names.index(b)
        matrix[i, j] = matrix[j, i] = values[key]
    return matrix


def write_comparison_plots(result, output_dir, prefix=""):
    """Writes `<prefix>attribution_grid.png`, `<prefix>cka.png` and
    `<prefix>diversity.png`; returns their paths by name."""
    import os

    names = result["names"]
    paths = {
        "attribution_grid": os.path.join(
            output_dir, f"{prefix}attribution_grid.png"
        ),
        "cka": os.path.join(output_dir, f"{prefix}cka.png"),
        "diversity": os.path.join(output_dir, f"{prefix}diversity.png"),
    }
    plot_attribution_grid(result["grid"], names, paths["attribution_grid"])
    plot_heatmaps(
        [
            ("linear CKA", result["linear_cka"], 0.0, 1.0),
            ("RBF CKA", result["rbf_cka"], 0.0, 1.0),
        ],
        names,
        paths["cka"],
    )
    panels = [
        ("disagreement", pair_matrix(result, "disagreement"), 0.0, 1.0),
        ("double fault", pair_matrix(result, "double_fault"), 0.0, 1.0),
        ("Q statistic", pair_matrix(result, "q_statistic"), -1.0, 1.0),
    ]
    for method in result["methods"]:
        panels.append(
            (
                f"{method}: rank corr.",
                pair_matrix(result, f"{method}_rank_correlation"),
                -1.0,
                1.0,
            )
        )
    plot_heatmaps(panels, names, paths["diversity"])
    return paths
