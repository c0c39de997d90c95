"""DET curves of verification systems, NIST style."""

import os

import numpy as np

from keras_acorl.speaker.verification_metrics import det_curve
from keras_acorl.speaker.verification_metrics import equal_error_rate

_TICKS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.4)


def plot_det_curves(curves, path, title="DET curves"):
    """Plots the DET curves of several systems into a PNG file.

    Both axes use the normal-deviate (probit) scale, as in NIST DET plots;
    each legend entry gives the system's EER, which is also marked on its
    curve.

    Args:
        curves: dict `name -> (scores, labels)`.
        path: path of the PNG file to write (parent folders are created).
        title: str. Defaults to `"DET curves"`.

    Returns:
        `path`.

    Example:

    ```python
    import os
    import tempfile

    import numpy as np

    from keras_acorl.speaker import plot_det_curves

    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=500)
    curves = {
        "good": (2 * labels + rng.normal(size=500), labels),
        "weak": (labels + rng.normal(size=500), labels),
    }
    plot_det_curves(curves, os.path.join(tempfile.mkdtemp(), "det.png"))
    ```
    """
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from scipy.stats import norm

    if not isinstance(curves, dict) or not curves:
        raise ValueError(
            "`curves` must be a non-empty dict name -> (scores, labels). "
            f"Received: {type(curves).__name__}"
        )
    limit = 1e-4
    figure, axes = plt.subplots(figsize=(5.5, 5.5))
    try:
        for name, pair in curves.items():
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(
                    f"`curves[{name!r}]` must be a pair (scores, labels)."
                )
            scores, labels = pair
            fpr, fnr, _ = det_curve(scores, labels)
            eer, _ = equal_error_rate(scores, labels)
            x = norm.ppf(np.clip(fpr, limit, 1 - limit))
            y = norm.ppf(np.clip(fnr, limit, 1 - limit))
            (line,) = axes.plot(x, y, label=f"{name} (EER {100 * eer:.2f}%)")
            point = norm.ppf(np.clip(eer, limit, 1 - limit))
            axes.plot(point, point, "o", color=line.get_color())
        ticks = norm.ppf(_TICKS)
        labels_text = [f"{100 * t:g}" for t in _TICKS]
        axes.set_xticks(ticks, labels_text)
        axes.set_yticks(ticks, labels_text)
        low, high = norm.ppf(0.0005), norm.ppf(0.5)
        axes.set_xlim(low, high)
        axes.set_ylim(low, high)
        axes.plot([low, high], [low, high], ":", color="gray", linewidth=0.8)
        axes.set_xlabel("False acceptance rate (%)")
        axes.set_ylabel("False rejection rate (%)")
        axes.set_title(title)
        axes.grid(True, linewidth=0.3)
        axes.legend(loc="upper right", fontsize="small")
        path = os.fspath(path)
        parent = os.path.dirname(path)
        if parent:
            os.makedirs(parent, exist_ok=True)
        figure.savefig(path, format="png", dpi=100, bbox_inches="tight")
    finally:
        plt.close(figure)
    return path
