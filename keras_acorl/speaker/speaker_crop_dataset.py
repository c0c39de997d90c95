"""`SpeakerCropDataset`: random fixed-length crops for speaker training."""

import keras
import numpy as np


class SpeakerCropDataset(keras.utils.PyDataset):
    """Batches of random fixed-length crops of a corpus' utterances, with
    their speaker labels (for training a speaker classifier such as an
    AAM-softmax embedding model).

    Each epoch visits every utterance once (shuffled when `shuffle`); each
    visit takes a random crop of `crop_seconds`. Utterances shorter than
    the crop are repeated end to end first (WeSpeaker/SpeechBrain style),
    then cropped. The crops and the order depend only on `seed`, the epoch
    and the batch index, so a run is reproducible, also with workers. The
    last, incomplete batch is dropped (every batch has `batch_size` crops).

    Works with `model.fit` on every backend. `to_tf_dataset()` gives the
    same batches as a `tf.data.Dataset` (TensorFlow needed).

    Args:
        corpus: a `VoxCelebCorpus` (or any object with `utterances`,
            `labels`, `sample_rate` and `load(utt_id)`, such as a
            `LogMelCorpus`, whose crops are `(frames, bins)` features and
            whose `sample_rate` is frames per second).
        batch_size: int. Defaults to 32.
        crop_seconds: float. Crop length in seconds. Defaults to 2.
        seed: int. Defaults to 0.
        shuffle: bool. Shuffle the utterances each epoch. Defaults to
            `True`.
        **kwargs: `keras.utils.PyDataset` arguments (`workers`,
            `use_multiprocessing`, `max_queue_size`).

    Attributes:
        crop_length: crop length in samples.
        epoch: the current epoch (advanced by `on_epoch_end`).

    Example:

    ```python
    import os
    import tempfile

    import numpy as np

    from keras_acorl.speaker import write_wav
    from keras_acorl.speaker import SpeakerCropDataset
    from keras_acorl.speaker import VoxCelebCorpus

    root = tempfile.mkdtemp()
    for speaker in ("id0001", "id0002"):
        path = os.path.join(root, "wav", speaker, "video1", "00001.wav")
        write_wav(path, 0.1 * np.random.randn(12000), sample_rate=16000)
    corpus = VoxCelebCorpus(root, cache=True)
    feed = SpeakerCropDataset(corpus, batch_size=2, crop_seconds=1.0)
    waveforms, labels = feed[0]  # (2, 16000) float32, (2,) int32.
    ```
    """

    def __init__(
        self,
        corpus,
        batch_size=32,
        crop_seconds=2.0,
        seed=0,
        shuffle=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        if isinstance(batch_size, bool) or not isinstance(batch_size, int):
            raise TypeError(
                f"`batch_size` must be a positive int. Received {batch_size!r}"
            )
        if not 1 <= batch_size <= len(corpus.utterances):
            raise ValueError(
                f"`batch_size` must be in [1, {len(corpus.utterances)}] (the "
                f"number of utterances). Received: {batch_size}"
            )
        if isinstance(crop_seconds, bool) or not isinstance(
            crop_seconds, (int, float)
        ):
            raise TypeError(
                f"`crop_seconds` must be a float > 0. Received {crop_seconds!r}"
            )
        self.crop_length = int(round(crop_seconds * corpus.sample_rate))
        if self.crop_length < 1:
            raise ValueError(
                f"`crop_seconds` must be > 0. Received: {crop_seconds}"
            )
        self.corpus = corpus
        self.batch_size = batch_size
        self.crop_seconds = crop_seconds
        self.seed = seed
        self.shuffle = shuffle
        self.epoch = 0

    def __len__(self):
        return len(self.corpus.utterances) // self.batch_size

    @property
    def num_batches(self):
        return len(self)

    def _order(self):
        count = len(self.corpus.utterances)
        if not self.shuffle:
            return np.arange(count)
        rng = np.random.default_rng([self.seed, self.epoch])
        return rng.permutation(count)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(
                f"Batch index {index} out of range [0, {len(self)})."
            )
        indices = self._order()[
            index * self.batch_size : (index + 1) * self.batch_size
        ]
        rng = np.random.default_rng([self.seed, self.epoch, index, 1])
        crops = np.stack(
            [
                random_crop(
                    self.corpus.load(self.corpus.utterances[i]),
                    self.crop_length,
                    rng,
                )
                for i in indices
            ]
        ).astype("float32")
        labels = np.asarray(self.corpus.labels)[indices].astype("int32")
        return crops, labels

    def on_epoch_end(self):
        self.epoch += 1

    def to_tf_dataset(self, epochs=1):
        """The batches of `epochs` epochs as a `tf.data.Dataset` of
        `(waveforms, labels)` (the epoch counter advances as they are
        read)."""
        import tensorflow as tf

        def generate():
            for _ in range(epochs):
                for index in range(len(self)):
                    yield self[index]
                self.on_epoch_end()

        frame_shape = self.corpus.load(self.corpus.utterances[0]).shape[1:]
        return tf.data.Dataset.from_generator(
            generate,
            output_signature=(
                tf.TensorSpec(
                    (self.batch_size, self.crop_length, *frame_shape),
                    tf.float32,
                ),
                tf.TensorSpec((self.batch_size,), tf.int32),
            ),
        )


def random_crop(waveform, length, rng):
    """A random window of `length` samples (rows) of `waveform` (or of a
    `(frames, bins)` feature matrix); a shorter one is first repeated end
    to end until it is long enough."""
    if waveform.shape[0] < length:
        repeats = -(-length // waveform.shape[0])
        waveform = np.concatenate([waveform] * repeats, axis=0)
    start = int(rng.integers(0, waveform.shape[0] - length + 1))
    return waveform[start : start + length]
