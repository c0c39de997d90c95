"""A reader for speaker-verification corpora in the VoxCeleb layout."""

import os

import numpy as np

from keras_acorl.speaker.wav_io import check_sample_rate
from keras_acorl.speaker.wav_io import load_wav


class VoxCelebCorpus:
    """The utterances of a corpus laid out as
    `root/wav/<speaker>/<session>/<utterance>.wav` (VoxCeleb 1 and 2, and
    the corpus of `generate_speaker_corpus`).

    Utterance ids are paths relative to `root/wav`, as in VoxCeleb trial
    lists (`id10270/x6uYqmx31kE/00001.wav`). Speakers are sorted and
    numbered from 0; `labels[i]` is the speaker index of `utterances[i]`.

    Args:
        root: the corpus folder (holding `wav/`).
        speakers: `None` (every speaker folder), a list of speaker ids, or
            the path of a text file with one speaker id per line (such as
            the `train_speakers.txt` of `generate_speaker_corpus`).
        sample_rate: int. Waveforms are returned at this rate (resampled
            when a file differs). Defaults to 16000.
        cache: bool. Keep decoded waveforms in memory after the first load
            (fast for small corpora; VoxCeleb 2 does not fit). Defaults to
            `False`.

    Attributes:
        wav_dir: `root/wav`.
        utterances: sorted list of utterance ids.
        speakers: sorted list of speaker ids.
        speaker_index: dict speaker id -> label.
        labels: int32 NumPy array, one speaker label per utterance.

    Example:

    ```python
    import os
    import tempfile

    import numpy as np

    from keras_acorl.speaker import write_wav
    from keras_acorl.speaker import VoxCelebCorpus

    root = tempfile.mkdtemp()
    for speaker in ("id0001", "id0002"):
        for utterance in ("00001.wav", "00002.wav"):
            path = os.path.join(root, "wav", speaker, "video1", utterance)
            write_wav(path, 0.1 * np.random.randn(16000), sample_rate=16000)
    corpus = VoxCelebCorpus(root)
    print(corpus.utterances[0], corpus.labels)  # id0001/video1/00001.wav
    feed = corpus.training_feed(batch_size=2, crop_seconds=0.5, seed=0)
    waveforms, labels = feed[0]  # (2, 8000) float32, (2,) int32.
    for utt_id, waveform in corpus.iter_utterances():
        print(utt_id, waveform.shape)  # Whole utterances, for scoring.
    ```
    """

    def __init__(self, root, speakers=None, sample_rate=16000, cache=False):
        sample_rate = check_sample_rate(sample_rate)
        root = os.fspath(root)
        if not os.path.isdir(root):
            raise FileNotFoundError(f"Corpus folder not found: '{root}'.")
        self.root = root
        self.wav_dir = os.path.join(root, "wav")
        if not os.path.isdir(self.wav_dir):
            raise FileNotFoundError(
                f"No 'wav' folder in '{root}': expected the VoxCeleb layout "
                "root/wav/<speaker>/<session>/<utterance>.wav."
            )
        self.sample_rate = sample_rate
        self.cache = bool(cache)
        self._cache = {}
        wanted = _speaker_filter(speakers)
        utterances = []
        for speaker in sorted(os.listdir(self.wav_dir)):
            speaker_dir = os.path.join(self.wav_dir, speaker)
            if not os.path.isdir(speaker_dir) or speaker.startswith("."):
                continue
            if wanted is not None and speaker not in wanted:
                continue
            for session in sorted(os.listdir(speaker_dir)):
                session_dir = os.path.join(speaker_dir, session)
                if not os.path.isdir(session_dir):
                    continue
                for name in sorted(os.listdir(session_dir)):
                    if name.lower().endswith(".wav"):
                        utterances.append(f"{speaker}/{session}/{name}")
        if not utterances:
            raise ValueError(
                f"No .wav files found under '{self.wav_dir}' in the layout "
                "<speaker>/<session>/<utterance>.wav"
                + (f" for the speakers {sorted(wanted)}" if wanted else "")
                + "."
            )
        if wanted is not None:
            found = {u.split("/", 1)[0] for u in utterances}
            missing = sorted(set(wanted) - found)
            if missing:
                raise ValueError(
                    f"`speakers`: no utterances under '{self.wav_dir}' for "
                    f"{len(missing)} speaker(s): {missing[:10]}"
                )
        self.utterances = utterances
        self.speakers = sorted({u.split("/", 1)[0] for u in utterances})
        self.speaker_index = {s: i for i, s in enumerate(self.speakers)}
        self.labels = np.array(
            [self.speaker_index[u.split("/", 1)[0]] for u in utterances],
            dtype="int32",
        )

    @property
    def num_speakers(self):
        return len(self.speakers)

    def __len__(self):
        return len(self.utterances)

    def path(self, utt_id):
        """The file path of an utterance id."""
        return os.path.join(self.wav_dir, *utt_id.split("/"))

    def load(self, utt_id):
        """The float32 mono waveform of an utterance id (cached when
        `cache=True`)."""
        waveform = self._cache.get(utt_id)
        if waveform is None:
            waveform = load_wav(self.path(utt_id), self.sample_rate)
            if self.cache:
                self._cache[utt_id] = waveform
        return waveform

    def iter_utterances(self, utt_ids=None):
        """Yields `(utt_id, waveform)` for whole utterances, for scoring.

        Args:
            utt_ids: ids to load (for example those of a trial list), or
                `None` for every utterance of the corpus.
        """
        for utt_id in self.utterances if utt_ids is None else utt_ids:
            yield utt_id, self.load(utt_id)

    def training_feed(
        self, batch_size=32, crop_seconds=2.0, seed=0, shuffle=True, **kwargs
    ):
        """A `SpeakerCropDataset` of random fixed-length crops and speaker
        labels over this corpus. `kwargs` go to `keras.utils.PyDataset`
        (`workers`, `use_multiprocessing`, `max_queue_size`)."""
        from keras_acorl.speaker.speaker_crop_dataset import SpeakerCropDataset

        return SpeakerCropDataset(
            self,
            batch_size=batch_size,
            crop_seconds=crop_seconds,
            seed=seed,
            shuffle=shuffle,
            **kwargs,
        )


def _speaker_filter(speakers):
    if speakers is None:
        return None
    if isinstance(speakers, (str, os.PathLike)):
        path = os.fspath(speakers)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"Speaker list not found: '{path}'.")
        with open(path, encoding="utf-8") as f:
            speakers = [line.strip() for line in f if line.strip()]
        if not speakers:
            raise ValueError(f"Speaker list '{path}' is empty.")
        return set(speakers)
    if not isinstance(speakers, (list, tuple, set)) or not all(
        isinstance(s, str) for s in speakers
    ):
        raise TypeError(
            "`speakers` must be None, a list of speaker ids or the path of "
            f"a speaker list file. Received: {speakers!r}"
        )
    if not speakers:
        raise ValueError("`speakers` must not be empty.")
    return set(speakers)
