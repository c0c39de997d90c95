"""Runs every guide in `guides/` top to bottom, in quick mode."""

import pathlib
import runpy

import pytest

from tests.subprocess_run import eager_tensorflow

GUIDES = sorted((pathlib.Path(__file__).parent.parent / "guides").glob("*.py"))
HEADER_FIELDS = (
    "Title:",
    "Author:",
    "Date created:",
    "Last modified:",
    "Description:",
    "Accelerator:",
)

# These guides run with TensorFlow functions eager: the speaker guide trains
# and scores what test_speaker_zoo.py trains and scores traced, and on
# TensorFlow tracing its few steps was most of its CPU time (see
# `tests.subprocess_run.run_cli`).
EAGER_ON_TENSORFLOW = ("speaker_verification_fusion.py",)


@pytest.mark.backend_free
def test_there_are_guides():
    assert GUIDES


@pytest.mark.backend_free
@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_guide_header(path):
    text = path.read_text()
    assert text.startswith('"""\nTitle:')
    header = text.split('"""')[1]
    for field in HEADER_FIELDS:
        assert field in header, f"{path.name} lacks {field}"
    assert max(len(line) for line in text.splitlines()) <= 80


@pytest.mark.parametrize("path", GUIDES, ids=lambda p: p.name)
def test_guide_runs(path, tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_ACORL_QUICK", "1")
    monkeypatch.chdir(tmp_path)
    if path.name in EAGER_ON_TENSORFLOW:
        with eager_tensorflow():
            runpy.run_path(str(path), run_name="__main__")
    else:
        runpy.run_path(str(path), run_name="__main__")
