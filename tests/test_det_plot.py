"""DET plots are written as PNG files."""

import numpy as np
import pytest

from keras_acorl.speaker import plot_det_curves

pytestmark = pytest.mark.backend_free


def test_writes_a_png(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 2, size=300)
    curves = {
        "a": (2 * labels + rng.normal(size=300), labels),
        "b": (labels + rng.normal(size=300), labels),
    }
    path = plot_det_curves(curves, tmp_path / "plots" / "det.png", title="t")
    data = (tmp_path / "plots" / "det.png").read_bytes()
    assert str(path).endswith("det.png")
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 10000
    with pytest.raises(ValueError, match="non-empty dict"):
        plot_det_curves({}, tmp_path / "x.png")
    with pytest.raises(ValueError, match="no target trials"):
        plot_det_curves({"c": ([0.1, 0.2], [0, 0])}, tmp_path / "x.png")
