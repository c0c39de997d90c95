"""Runs every guide in `guides/` top to bottom, in quick mode."""

import pathlib
import runpy

import pytest

GUIDES = sorted((pathlib.Path(__file__).parent.parent / "guides").glob("*.py"))
HEADER_FIELDS = (
    "Title:",
    "Author:",
    "Date created:",
    "Last modified:",
    "Description:",
    "Accelerator:",
)


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
    runpy.run_path(str(path), run_name="__main__")
