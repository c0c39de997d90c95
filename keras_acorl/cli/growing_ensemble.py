"""The growing ensemble of `reproduce image --members N`.

Member 1 is the first base model. Two ensembles grow from it to N members
of the same architecture: in the independent one, member k+1 is trained
alone; in the complementary one, member k+1 is an alliance trained against
the frozen members 1..k (the first `--objectives` entry), from the same
initial weights and batch order as independent member k+1. Both are fused
by averaging probabilities after every added member.
"""

import numpy as np

from keras_acorl.cli import fusion_protocol

INDEPENDENT = "independent"
COMPLEMENTARY = "complementary"


def member_names(members):
    """`{curve: [row names of members 2..N]}`."""
    return {
        INDEPENDENT: [f"grow_independent_{k}" for k in range(2, members + 1)],
        COMPLEMENTARY: [f"grow_alliance_{k}" for k in range(2, members + 1)],
    }


def curves(first_logits, logits, y):
    """`{curve: [fused accuracy of members 1..k for k = 1..N]}` from the
    first member's test logits and `{curve: [logits of members 2..N]}`."""
    result = {}
    for curve, rest in logits.items():
        probs = [fusion_protocol.probabilities(first_logits)]
        probs += [fusion_protocol.probabilities(x) for x in rest]
        result[curve] = [
            fusion_protocol.accuracy(np.mean(probs[:k], axis=0), y)
            for k in range(1, len(probs) + 1)
        ]
    return result


def matched_members(runs):
    """`(N, m)`: the complementary ensemble of N members (mean fused
    accuracy over seeds) is at least as accurate as m independent members;
    m is 0 when it is below one member, and N when it matches all."""
    independent = np.mean([run["growth"][INDEPENDENT] for run in runs], 0)
    complementary = np.mean([run["growth"][COMPLEMENTARY] for run in runs], 0)
    size = len(complementary)
    matched = int(np.sum(independent <= complementary[-1] + 1e-12))
    return size, matched


def report_lines(runs):
    """Markdown lines: the table of both curves (mean ± std over seeds),
    the paired difference at every size and the matched size."""
    runs = list(runs)
    independent = np.array([run["growth"][INDEPENDENT] for run in runs])
    complementary = np.array([run["growth"][COMPLEMENTARY] for run in runs])
    lines = [
        "## Growing ensemble",
        "",
        "Member 1: the first base. Member k+1: independent, or an alliance "
        "trained against the frozen members 1..k (same initialization and "
        "batch order). Fused test accuracy (mean of probabilities), mean ± "
        "std over seeds; Δ: complementary - independent, points, mean "
        "[95% t-interval]:",
        "",
        "| members | independent | complementary | Δ |",
        "|---|---|---|---|",
    ]
    for k in range(independent.shape[1]):
        lines.append(
            f"| {k + 1} | {independent[:, k].mean():.4f} ± "
            f"{independent[:, k].std():.4f} | "
            f"{complementary[:, k].mean():.4f} ± "
            f"{complementary[:, k].std():.4f} | "
            + fusion_protocol.format_interval(
                complementary[:, k] - independent[:, k]
            )
            + " |"
        )
    size, matched = matched_members(runs)
    lines += [
        "",
        f"The complementary ensemble of {size} members matches {matched} "
        "independent member(s) (mean over seeds).",
        "",
        "![Growing ensemble](growth.png)",
        "",
    ]
    return lines


def plot(runs, path):
    """Fused accuracy against the number of members, both curves (mean
    over seeds, ± std band, seeds as dots)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(6, 4), layout="constrained")
    axis = figure.subplots()
    runs = list(runs)
    for curve in (INDEPENDENT, COMPLEMENTARY):
        values = np.array([run["growth"][curve] for run in runs])
        sizes = np.arange(1, values.shape[1] + 1)
        mean, std = values.mean(0), values.std(0)
        (line,) = axis.plot(sizes, mean, marker="o", label=curve)
        axis.fill_between(
            sizes, mean - std, mean + std, alpha=0.2, color=line.get_color()
        )
        for row in values:
            axis.plot(sizes, row, ".", color=line.get_color(), alpha=0.5)
    axis.set(
        xlabel="members",
        ylabel="fused test accuracy",
        title="Growing ensemble",
        xticks=sizes,
    )
    axis.legend()
    axis.grid(alpha=0.3)
    figure.savefig(path, dpi=100)
