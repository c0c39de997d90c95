"""`LogMelCorpus`: a speaker corpus seen as log-mel features."""

import numpy as np

from keras_acorl import argument_checks


class LogMelCorpus:
    """Log-mel features of every utterance of a speaker corpus, computed
    once and kept in memory.

    It has the corpus interface (`utterances`, `labels`, `speakers`,
    `sample_rate`, `load(utt_id)`), so `SpeakerCropDataset(LogMelCorpus(
    corpus))` gives random fixed-length crops of features instead of
    waveforms: training then skips the short-time Fourier transform at
    every step. Features come from `keras_acorl.speaker.log_mel_spectrogram`
    (per-utterance mean normalization), the numpy twin of
    `keras_acorl.speaker.LogMelFrontend`, so a model trained on them takes
    raw audio once the frontend is put in front of it.

    Args:
        corpus: a `keras_acorl.speaker.VoxCelebCorpus` (or any object with
            `utterances`, `labels`, `speakers`, `sample_rate` and
            `load(utt_id)` returning a waveform).
        frame_step: int. Hop between frames in samples. Defaults to `160`
            (10 ms at 16 kHz).
        **kwargs: other `log_mel_spectrogram` arguments (`num_mel_bins`,
            `frame_length`, `fft_length`, ...).

    Attributes:
        sample_rate: frames per second (a crop of `s` seconds has
            `round(s * sample_rate)` frames).
        num_mel_bins: the number of features per frame.

    Example:

    ```python
    import os
    import tempfile

    import numpy as np

    from keras_acorl import speaker

    root = tempfile.mkdtemp()
    path = os.path.join(root, "wav", "id0001", "video1", "00001.wav")
    speaker.write_wav(path, 0.1 * np.random.randn(12000), sample_rate=16000)
    features = speaker.LogMelCorpus(speaker.VoxCelebCorpus(root))
    features.sample_rate  # 100.0: frames per second.
    utterance = features.utterances[0]
    features.load(utterance).shape  # (76, 80)
    # A `SpeakerCropDataset` of `features` crops `(frames, 80)` features.
    ```
    """

    def __init__(self, corpus, frame_step=160, **kwargs):
        for attribute in ("utterances", "labels", "sample_rate", "load"):
            if not hasattr(corpus, attribute):
                raise TypeError(
                    "`corpus` must be a speaker corpus (such as a "
                    f"`VoxCelebCorpus`) with `{attribute}`. Received: "
                    f"{type(corpus).__name__}"
                )
        argument_checks.check_positive_int(frame_step, "frame_step")
        self.corpus = corpus
        self.frame_step = frame_step
        self.feature_kwargs = dict(kwargs)
        self.utterances = list(corpus.utterances)
        self.labels = np.asarray(corpus.labels)
        self.speakers = list(getattr(corpus, "speakers", []))
        self.sample_rate = corpus.sample_rate / frame_step
        self.num_mel_bins = kwargs.get("num_mel_bins", 80)
        self._features = {}

    def __len__(self):
        return len(self.utterances)

    @property
    def num_speakers(self):
        return len(self.speakers)

    def load(self, utt_id):
        """The `(frames, num_mel_bins)` float32 features of an utterance."""
        features = self._features.get(utt_id)
        if features is None:
            from keras_acorl.speaker import log_mel_spectrogram

            features = log_mel_spectrogram(
                self.corpus.load(utt_id),
                sample_rate=self.corpus.sample_rate,
                frame_step=self.frame_step,
                **self.feature_kwargs,
            )
            self._features[utt_id] = features
        return features
