"""The growing-ensemble report of `reproduce image --members` (NumPy)."""

import numpy as np
import pytest

from keras_acorl.cli import growing_ensemble as ge

pytestmark = pytest.mark.backend_free


def logits_for(predictions, classes=3):
    return 5.0 * np.eye(classes)[np.asarray(predictions)]


def test_curves_fuse_the_first_k_members():
    y = np.array([0, 1, 2, 0])
    first = logits_for([0, 1, 1, 1])  # 2 of 4 right
    # The independent member repeats the first's errors; the other fixes
    # them (ties between two members go to the lower class index).
    same = logits_for([0, 1, 1, 1])
    other = logits_for([1, 2, 2, 0])
    curves = ge.curves(first, {"independent": [same], "other": [other]}, y)
    assert curves["independent"] == [0.5, 0.5]
    assert curves["other"][0] == 0.5
    # Fused, ties go to the lower class index: samples 0, 1, 3 right,
    # sample 2 (class 1 vs 2) wrong.
    assert curves["other"][1] == pytest.approx(0.75)


def test_matched_members_and_report():
    runs = [
        {
            "growth": {
                "independent": [0.80, 0.82, 0.83],
                "complementary": [0.80, 0.83, 0.825],
            }
        },
        {
            "growth": {
                "independent": [0.78, 0.80, 0.81],
                "complementary": [0.78, 0.81, 0.815],
            }
        },
    ]
    # Complementary 3: 0.82 on average; independent 1, 2: 0.79, 0.81;
    # independent 3: 0.82 (matched, equal).
    assert ge.matched_members(runs) == (3, 3)
    runs[0]["growth"]["complementary"][2] = 0.81
    assert ge.matched_members(runs) == (3, 2)
    lines = "\n".join(ge.report_lines(runs))
    assert (
        "| 2 | 0.8100 ± 0.0100 | 0.8200 ± 0.0100 | +1.00 [+1.00, +1.00] |"
        in lines
    )
    assert "ensemble of 3 members matches 2 independent" in lines
    assert ge.member_names(3)["complementary"] == [
        "grow_alliance_2",
        "grow_alliance_3",
    ]
