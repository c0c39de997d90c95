"""The synthetic speaker corpus: layout, determinism, caching, errors."""

import hashlib
import json
import os
import shutil

import pytest
import soundfile

from keras_acorl.speaker import VoxCelebCorpus
from keras_acorl.speaker import generate_speaker_corpus
from keras_acorl.speaker import read_trial_list

pytestmark = pytest.mark.backend_free

PROGRAMS = ("espeak-ng", "flite")
MISSING = [p for p in PROGRAMS if shutil.which(p) is None]
needs_synthesizers = pytest.mark.skipif(
    bool(MISSING) and os.environ.get("CI") != "true",
    reason=f"{', '.join(MISSING)} not installed (apt-get install -y "
    "espeak-ng flite); under CI=true these tests run and fail instead",
)
# Small but with both engines: 2 of 10 speakers use flite.
SMALL = dict(
    preset="quick",
    num_train_speakers=4,
    num_dev_speakers=2,
    num_test_speakers=4,
    utterances_per_speaker=4,
    num_trials=12,
    num_dev_trials=6,
    snr_db=15.0,
    flite_fraction=0.3,
    verbose=False,
)


def digest(root):
    files = {}
    for folder, _, names in os.walk(root):
        for name in names:
            if name == "manifest.json":
                continue  # Holds the generation time.
            path = os.path.join(folder, name)
            with open(path, "rb") as f:
                files[os.path.relpath(path, root)] = hashlib.sha1(
                    f.read()
                ).hexdigest()
    return files


@needs_synthesizers
def test_layout_determinism_and_cache(tmp_path, capsys):
    first = generate_speaker_corpus(tmp_path / "one", seed=5, **SMALL)
    second = generate_speaker_corpus(tmp_path / "two", seed=5, **SMALL)
    assert not first["reused"]
    assert digest(first["root"]) == digest(second["root"])
    speakers = json.load(open(os.path.join(first["root"], "speakers.json")))
    assert {s["engine"] for s in speakers} == {"espeak", "flite"}

    splits = {}
    for split in ("train", "dev", "test"):
        with open(first[f"{split}_speakers"]) as f:
            splits[split] = set(f.read().split())
    assert [len(splits[s]) for s in ("train", "dev", "test")] == [4, 2, 4]
    assert not (splits["train"] & splits["dev"]) and not (
        splits["train"] & splits["test"] | splits["dev"] & splits["test"]
    )
    corpus = VoxCelebCorpus(first["root"])
    assert len(corpus) == first["num_utterances"] == 40
    for name, split, count in (
        ("trials", "test", 12),
        ("dev_trials", "dev", 6),
    ):
        trials = read_trial_list(first[name])
        assert len(trials) == count
        assert sum(label for label, _, _ in trials) == count // 2
        for label, enrollment, test in trials:
            speaker_e, session_e = enrollment.split("/")[:2]
            speaker_t, session_t = test.split("/")[:2]
            assert {speaker_e, speaker_t} <= splits[split]
            assert (speaker_e == speaker_t) == bool(label)
            if label:
                assert session_e != session_t
            assert enrollment in corpus.utterances
    info = soundfile.info(corpus.path(corpus.utterances[0]))
    assert info.samplerate == 16000 and info.subtype == "PCM_16"
    assert 0.3 < info.duration < 5

    capsys.readouterr()
    again = generate_speaker_corpus(
        tmp_path / "one", seed=5, **dict(SMALL, verbose=True)
    )
    assert again["reused"]
    assert "skipping generation" in capsys.readouterr().out
    different = generate_speaker_corpus(tmp_path / "one", seed=6, **SMALL)
    assert not different["reused"]
    assert digest(different["root"]) != digest(second["root"])


def test_missing_synthesizer_names_program_and_install(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(
        RuntimeError,
        match="'espeak-ng' was not found.*apt-get install -y espeak-ng flite",
    ):
        generate_speaker_corpus(tmp_path / "corpus", **SMALL)
    fake = tmp_path / "espeak-ng"
    fake.write_text("#!/bin/sh\n")
    fake.chmod(0o755)
    with pytest.raises(RuntimeError, match="'flite' was not found"):
        generate_speaker_corpus(tmp_path / "corpus", **SMALL)


def test_argument_errors(tmp_path):
    with pytest.raises(ValueError, match="Unknown `preset`"):
        generate_speaker_corpus(tmp_path, preset="huge")
    with pytest.raises(ValueError, match="`num_test_speakers` must be >= 2"):
        generate_speaker_corpus(tmp_path, num_test_speakers=1)
    with pytest.raises(ValueError, match="`flite_fraction` must be in"):
        generate_speaker_corpus(tmp_path, flite_fraction=2.0)
    (tmp_path / "wav").mkdir()
    with pytest.raises(ValueError, match="already has a 'wav' folder"):
        generate_speaker_corpus(tmp_path, **SMALL)
