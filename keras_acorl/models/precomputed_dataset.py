"""`PrecomputedDataset`: batches of inputs and cached frozen-model outputs."""

import keras
import numpy as np

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.models import precomputed_cache

INPUTS = "inputs"


class PrecomputedDataset(keras.utils.PyDataset):
    """Batches of inputs with the frozen models' outputs computed once.

    Made by `model.precompute_dataset(x, y)` (`keras_acorl.ComplementaryModel`,
    `keras_acorl.MEALDistiller`): each batch is
    `({"inputs": x_batch, key: [array_batch, ...]}, y_batch)` (or without
    `y_batch` when there are no labels), which `fit`, `evaluate` and
    `predict` take in place of `x`; the frozen models never run. The
    arrays may be memory-mapped `.npy` files (`precompute_dataset(...,
    path=folder)`): a batch reads only its rows, so the data may be larger
    than memory. A `keras.utils.PyDataset`, so it works on every backend
    (`workers`, `use_multiprocessing` and `max_queue_size` are passed on).

    It carries the `fingerprint` of the cache (the frozen models' weights,
    the number of samples and the data order): `fit`, `evaluate` and
    `predict` of the model refuse it with a ValueError when the frozen
    models' weights changed since, or when it was made by another model.

    The cached outputs belong to the un-augmented inputs: random
    augmentation (each epoch another crop of an image) needs the frozen
    models in the loop, i.e. training on the augmented `x` itself.

    Args:
        inputs: NumPy array (or dict/list of arrays, possibly memory-mapped)
            of model inputs.
        precomputed: list of arrays, the frozen models' outputs, row `i`
            for sample `i` of `inputs`.
        key: str. The key of `precomputed` in a batch (the model's
            `precomputed_key`).
        y: None or array of targets. Defaults to None.
        sample_weight: None or array of per-sample weights. Defaults to None.
        batch_size: int. Defaults to `32`.
        shuffle: bool. Draw another order of the samples every epoch (each
            batch reads its rows in increasing order). Defaults to `False`.
        seed: None or int, the seed of the shuffling. Defaults to None.
        fingerprint: None or dict, the key of the cache (what
            `CompositeModel.precompute_fingerprint` returns). Defaults to
            None (not checked).
        **kwargs: `keras.utils.PyDataset` arguments (`workers`,
            `use_multiprocessing`, `max_queue_size`).

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    inputs = keras.Input(shape=(8,))
    logits = [keras.layers.Dense(3)(inputs) for _ in range(3)]
    teachers = [keras.Model(inputs, t) for t in logits[:2]]
    student = keras.Model(inputs, logits[2])
    distiller = keras_acorl.MEALDistiller(teachers, student)
    distiller.compile(optimizer="adam")
    x = np.random.rand(40, 8).astype("float32")
    dataset = distiller.precompute_dataset(x, batch_size=16, shuffle=True)
    len(dataset)  # 3
    batch = dataset[0][0]  # No labels: a batch is the model's input alone.
    batch["inputs"].shape  # (16, 8)
    batch["teacher_outputs"][0].shape  # (16, 2, 3): the two teachers' logits.
    distiller.fit(dataset, epochs=2, verbose=0)  # The teachers never run.
    ```
    """

    def __init__(
        self,
        inputs,
        precomputed,
        key,
        y=None,
        sample_weight=None,
        batch_size=32,
        shuffle=False,
        seed=None,
        fingerprint=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.batch_size = check_positive_int(batch_size, "batch_size")
        if not isinstance(shuffle, bool):
            raise TypeError(f"`shuffle` must be a bool. Received: {shuffle!r}")
        self.num_samples = precomputed_cache.num_samples(inputs)
        self.precomputed = list(precomputed)
        for name, value in (
            ("precomputed", self.precomputed),
            ("y", y),
            ("sample_weight", sample_weight),
        ):
            if value is None:
                continue
            length = precomputed_cache.num_samples(value)
            if length != self.num_samples:
                raise ValueError(
                    f"`{name}` has {length} samples but `inputs` has "
                    f"{self.num_samples}: they must match row for row."
                )
        if sample_weight is not None and y is None:
            raise ValueError(
                "`sample_weight` needs targets `y`. Received y=None."
            )
        self.inputs = inputs
        self.key = key
        self.y = y
        self.sample_weight = sample_weight
        self.shuffle = shuffle
        self.fingerprint = fingerprint
        self._rng = np.random.default_rng(seed)
        self._order = None
        self.on_epoch_end()

    @property
    def num_batches(self):
        return -(-self.num_samples // self.batch_size)

    def __len__(self):
        return self.num_batches

    def on_epoch_end(self):
        if self.shuffle:
            self._order = self._rng.permutation(self.num_samples)

    def __getitem__(self, index):
        start = index * self.batch_size
        stop = min(start + self.batch_size, self.num_samples)
        if self._order is None:
            rows = slice(start, stop)
        else:
            # Increasing row order: contiguous reads of a memory map.
            rows = np.sort(self._order[start:stop])

        def take(values):
            return keras.tree.map_structure(lambda a: a[rows], values)

        batch = (
            {
                INPUTS: take(self.inputs),
                self.key: tuple(take(self.precomputed)),
            },
        )
        if self.y is not None:
            batch += (take(self.y),)
            if self.sample_weight is not None:
                batch += (take(self.sample_weight),)
        return batch
