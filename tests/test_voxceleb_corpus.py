"""The VoxCeleb-layout reader and the random-crop training feed."""

import keras
import numpy as np
import pytest

from keras_acorl.speaker import SpeakerCropDataset
from keras_acorl.speaker import VoxCelebCorpus
from keras_acorl.speaker import write_wav

RATE = 16000


def make_corpus(root):
    """Three speakers; an utterance's samples all equal a code naming it,
    and its length is known, so crops can be traced back."""
    lengths = {
        "spk_b/s1/00001.wav": 8000,
        "spk_b/s2/00002.wav": 3000,  # Shorter than the crops.
        "spk_a/s1/00001.wav": 12000,
        "spk_a/s1/00002.wav": 9000,
        "spk_c/x/00001.wav": 10000,
        "spk_c/x/00002.wav": 7000,
    }
    codes = {}
    for i, (utt_id, length) in enumerate(sorted(lengths.items())):
        code = (i + 1) / 10
        # A ramp inside the utterance shows where a crop starts.
        waveform = code + 0.04 * np.arange(length) / length
        write_wav(root / "wav" / utt_id, waveform.astype("float32"), RATE)
        codes[utt_id] = code
    (root / "wav" / "notes.txt").write_text("not a speaker folder")
    return lengths, codes


def test_listing_and_speaker_labels(tmp_path):
    lengths, _ = make_corpus(tmp_path)
    corpus = VoxCelebCorpus(tmp_path)
    assert corpus.utterances == sorted(lengths)
    assert corpus.speakers == ["spk_a", "spk_b", "spk_c"]
    assert corpus.labels.tolist() == [0, 0, 1, 1, 2, 2]
    assert corpus.num_speakers == 3 and len(corpus) == 6
    subset = VoxCelebCorpus(tmp_path, speakers=["spk_c", "spk_a"])
    assert subset.speakers == ["spk_a", "spk_c"]
    assert subset.labels.tolist() == [0, 0, 1, 1]
    (tmp_path / "train.txt").write_text("spk_b\n\nspk_c\n")
    from_file = VoxCelebCorpus(tmp_path, speakers=tmp_path / "train.txt")
    assert from_file.speaker_index == {"spk_b": 0, "spk_c": 1}
    loaded = dict(from_file.iter_utterances(["spk_b/s2/00002.wav"]))
    assert loaded["spk_b/s2/00002.wav"].shape == (3000,)
    assert [u for u, _ in from_file.iter_utterances()] == from_file.utterances


def test_crops_lengths_padding_and_determinism(tmp_path):
    lengths, codes = make_corpus(tmp_path)
    corpus = VoxCelebCorpus(tmp_path, cache=True)
    feed = corpus.training_feed(batch_size=2, crop_seconds=0.25, seed=3)
    assert isinstance(feed, keras.utils.PyDataset)
    assert len(feed) == 3 and feed.crop_length == 4000
    seen = []
    for index in range(len(feed)):
        crops, labels = feed[index]
        assert crops.shape == (2, 4000) and crops.dtype == np.float32
        assert labels.dtype == np.int32
        for crop, label in zip(crops, labels):
            code = np.round(np.median(crop), 1)
            utt_id = next(u for u, c in codes.items() if np.isclose(c, code))
            seen.append(utt_id)
            assert corpus.labels[corpus.utterances.index(utt_id)] == label
            # The ramp restarts inside the crop only for a repeated
            # (shorter) utterance.
            restarts = np.any(np.diff(crop) < -0.01)
            assert restarts == (lengths[utt_id] < 4000)
    assert sorted(seen) == sorted(lengths)  # Each utterance once per epoch.

    again = SpeakerCropDataset(corpus, batch_size=2, crop_seconds=0.25, seed=3)
    np.testing.assert_array_equal(feed[1][0], again[1][0])
    other = SpeakerCropDataset(corpus, batch_size=2, crop_seconds=0.25, seed=4)
    assert not all(
        np.array_equal(feed[i][0], other[i][0]) for i in range(len(feed))
    )
    first_epoch = [feed[i][0] for i in range(len(feed))]
    feed.on_epoch_end()
    assert not all(
        np.array_equal(a, feed[i][0]) for i, a in enumerate(first_epoch)
    )
    unshuffled = SpeakerCropDataset(corpus, batch_size=4, shuffle=False)
    assert unshuffled[0][1].tolist() == [0, 0, 1, 1]


def test_tf_dataset_gives_the_same_batches(tmp_path):
    pytest.importorskip("tensorflow")
    make_corpus(tmp_path)
    corpus = VoxCelebCorpus(tmp_path)
    feed = SpeakerCropDataset(corpus, batch_size=3, crop_seconds=0.1, seed=1)
    expected = [feed[i] for i in range(len(feed))]
    batches = list(feed.to_tf_dataset().as_numpy_iterator())
    assert len(batches) == 2
    for (x, y), (ex, ey) in zip(batches, expected):
        np.testing.assert_array_equal(x, ex)
        np.testing.assert_array_equal(y, ey)


def test_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="Corpus folder not found"):
        VoxCelebCorpus(tmp_path / "missing")
    with pytest.raises(FileNotFoundError, match="No 'wav' folder"):
        VoxCelebCorpus(tmp_path)
    (tmp_path / "wav" / "spk" / "s").mkdir(parents=True)
    with pytest.raises(ValueError, match="No .wav files found under"):
        VoxCelebCorpus(tmp_path)
    make_corpus(tmp_path)
    with pytest.raises(ValueError, match="`speakers`.*\\['nobody'\\]"):
        VoxCelebCorpus(tmp_path, speakers=["spk_a", "nobody"])
    corpus = VoxCelebCorpus(tmp_path)
    with pytest.raises(ValueError, match="`batch_size` must be in \\[1, 6\\]"):
        corpus.training_feed(batch_size=7)
    with pytest.raises(ValueError, match="`crop_seconds` must be > 0"):
        corpus.training_feed(batch_size=2, crop_seconds=0.0)
    (tmp_path / "wav" / "spk_a" / "s1" / "00003.wav").write_bytes(b"junk")
    broken = VoxCelebCorpus(tmp_path)
    with pytest.raises(ValueError, match="spk_a/s1/00003.wav"):
        dict(broken.iter_utterances())
