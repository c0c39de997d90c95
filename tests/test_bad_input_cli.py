"""CLI errors: one line on stderr, exit status 2, no traceback, and nothing
written before the input is checked (in-process, through `main`)."""

import re

import pytest

from keras_acorl.cli.main import main

pytestmark = pytest.mark.backend_free


def _error_line(capsys):
    err = capsys.readouterr().err
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


@pytest.mark.parametrize(
    "argv, match",
    [
        (["reproduce", "image", "--seeds", "0", "0"], "--seeds.*distinct"),
        (["reproduce", "image", "--seeds", "-1"], "--seeds.*'-1'"),
        (["reproduce", "image", "--seeds", "x"], "--seeds.*'x'"),
        (["reproduce", "speaker", "--seeds", "1", "2", "1"], "repeated: 1"),
        (["reproduce", "image", "--epochs", "0"], "--epochs"),
    ],
)
def test_usage_errors_are_one_line_with_status_2(capsys, argv, match):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    line = _error_line(capsys)
    assert line.startswith("keras-acorl reproduce")
    assert re.search(match, line), line


def test_missing_dataset_fails_before_writing_anything(capsys, tmp_path):
    out = tmp_path / "out"
    missing = tmp_path / "nonexistent"
    status = main(
        ["reproduce", "image", "--dataset", str(missing), "--output-dir",
         str(out)]
    )  # fmt: skip
    assert status == 2
    line = _error_line(capsys)
    assert line.startswith("keras-acorl: error: `--dataset`")
    assert f"{missing} does not exist" in line
    assert not (out / "checkpoints").exists()


def test_output_dir_that_is_a_file(capsys, tmp_path):
    a_file = tmp_path / "a_file"
    a_file.write_text("")
    status = main(
        ["reproduce", "image", "--dataset", "digits", "--output-dir",
         str(a_file)]
    )  # fmt: skip
    assert status == 2
    assert "`output_dir` must be a folder" in _error_line(capsys)
    status = main(
        ["reproduce", "image", "--dataset", "digits", "--output-dir",
         str(a_file / "below")]
    )  # fmt: skip
    assert status == 2
    assert "is not a writable folder" in _error_line(capsys)
