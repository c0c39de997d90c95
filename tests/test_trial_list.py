"""Reading and writing VoxCeleb trial lists."""

import pytest

from keras_acorl.speaker import read_trial_list
from keras_acorl.speaker import write_trial_list

pytestmark = pytest.mark.backend_free


def test_read_voxceleb_format_and_round_trip(tmp_path):
    path = tmp_path / "trials.txt"
    path.write_text(
        "1 id10270/x6uYqmx31kE/00001.wav id10270/8jEAjG6SegY/00008.wav\n"
        "\n"
        "0 id10270/x6uYqmx31kE/00001.wav\tid10300/ize_eiCFEg0/00003.wav\n"
        "   \n"
    )
    trials = read_trial_list(path)
    assert trials == [
        (1, "id10270/x6uYqmx31kE/00001.wav", "id10270/8jEAjG6SegY/00008.wav"),
        (0, "id10270/x6uYqmx31kE/00001.wav", "id10300/ize_eiCFEg0/00003.wav"),
    ]
    assert isinstance(trials[0][0], int)
    copy = tmp_path / "sub" / "copy.txt"
    assert write_trial_list(copy, trials) == 2
    assert read_trial_list(copy) == trials


def test_malformed_line_names_file_and_line(tmp_path):
    cases = [
        ("1 a.wav", "line 3: expected 3 fields.*found 2"),
        ("1 a.wav b.wav c.wav", "line 3: expected 3 fields.*found 4"),
        ("2 a.wav b.wav", "line 3: the label must be 0 or 1, found '2'"),
        ("target a.wav b.wav", "line 3: the label must be 0 or 1"),
    ]
    path = tmp_path / "bad.txt"
    for bad_line, message in cases:
        path.write_text(f"1 a.wav b.wav\n\n{bad_line}\n0 a.wav c.wav\n")
        with pytest.raises(ValueError, match=f"bad.txt'.*{message}"):
            read_trial_list(path)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing.txt"):
        read_trial_list(tmp_path / "missing.txt")
    with pytest.raises(ValueError, match="trials\\[1\\]`: the label"):
        write_trial_list(tmp_path / "t.txt", [(1, "a", "b"), (3, "a", "b")])
    with pytest.raises(ValueError, match="without whitespace"):
        write_trial_list(tmp_path / "t.txt", [(1, "a b", "c")])
