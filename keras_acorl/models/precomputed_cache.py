"""Frozen models' outputs computed once, in batches, in memory or on disk.

The functions behind `CompositeModel.precompute`: `compute` writes the
outputs batch by batch into preallocated arrays (NumPy in memory, or `.npy`
files memory-mapped with `numpy.lib.format.open_memmap` for data larger
than RAM), and `fingerprint` / `check_fingerprint` key a cache to the
frozen models (a hash of their weights and output shapes) and to the data
(length, and a hash of evenly spaced rows, which changes when the samples
or their order change).
"""

import hashlib
import json
import os

import keras
import numpy as np

# Rows of the data hashed for its order fingerprint.
ORDER_ROWS = 64
METADATA = "cache.json"
FORMAT_VERSION = 1


def num_samples(x):
    """The common length of the arrays in `x` (an array or a structure of
    arrays)."""
    arrays = keras.tree.flatten(x)
    lengths = set()
    for array in arrays:
        if not hasattr(array, "shape") or not hasattr(array, "__getitem__"):
            raise TypeError(
                "`x` must be a NumPy array (a `numpy.memmap` for data larger "
                "than memory) or a dict/list of them. Received an element "
                f"of type {type(array).__name__}."
            )
        lengths.add(int(array.shape[0]))
    if len(lengths) != 1:
        raise ValueError(
            "`x`: all arrays must have the same number of samples. Received "
            f"lengths {sorted(lengths)}."
        )
    return lengths.pop()


def weights_fingerprint(models):
    """A hex digest of the models' weights (trainable or not), their shapes
    and the models' output shapes: it changes when any weight changes."""
    digest = hashlib.sha256()
    for model in models:
        outputs = keras.tree.flatten(getattr(model, "outputs", None) or [])
        digest.update(repr([tuple(t.shape) for t in outputs]).encode())
        for weight in model.weights:
            value = np.ascontiguousarray(keras.ops.convert_to_numpy(weight))
            digest.update(f"{value.shape}{value.dtype}".encode())
            digest.update(value.tobytes())
    return digest.hexdigest()


def order_fingerprint(x, length):
    """A hex digest of `ORDER_ROWS` evenly spaced rows of every array in
    `x`: other samples or another order give another digest (a full hash
    would read all of a memory-mapped `x`)."""
    rows = np.unique(np.linspace(0, length - 1, min(length, ORDER_ROWS)))
    rows = rows.astype("int64")
    digest = hashlib.sha256()
    for array in keras.tree.flatten(x):
        digest.update(f"{tuple(array.shape)}{array.dtype}".encode())
        digest.update(np.ascontiguousarray(array[rows]).tobytes())
    return digest.hexdigest()


def fingerprint(models, x, key):
    """The key of a cache of `models`' outputs over `x`, stored under the
    precomputed batch key `key`."""
    length = num_samples(x)
    return {
        "format": FORMAT_VERSION,
        "key": key,
        "length": length,
        "weights": weights_fingerprint(models),
        "order": order_fingerprint(x, length),
    }


def check_fingerprint(stored, current, where):
    """Raises a ValueError naming what differs between the fingerprint a
    cache was computed with (`stored`) and the `current` one."""
    if stored.get("format") != current["format"] or (
        stored.get("key") != current["key"]
    ):
        raise ValueError(
            f"{where} was written by another kind of model or version "
            f"(key {stored.get('key')!r}, format {stored.get('format')!r}); "
            f"expected key {current['key']!r}, format {current['format']}. "
            "Compute it again (`overwrite=True`)."
        )
    if stored.get("length") != current["length"]:
        raise ValueError(
            f"{where} holds {stored.get('length')} samples but `x` has "
            f"{current['length']}: it was computed from other data. Compute "
            "it again for this `x` (`overwrite=True`)."
        )
    if stored.get("weights") != current["weights"]:
        raise ValueError(
            f"{where} was computed with other weights of the frozen models "
            "(their weights changed since, or these are other models): it "
            "is stale. Compute it again (`overwrite=True`)."
        )
    if stored.get("order") != current["order"]:
        raise ValueError(
            f"{where} was computed from the same number of samples but "
            "other samples or another order than `x`: its rows would not "
            "match the inputs. Pass `x` in the order it was computed from, "
            "or compute it again (`overwrite=True`)."
        )


def read_metadata(path):
    """The stored fingerprint of the cache in folder `path`, or None when
    there is no complete cache there."""
    try:
        with open(os.path.join(path, METADATA)) as file:
            return json.load(file)
    except FileNotFoundError:
        return None


def load(path, metadata):
    """The cached arrays in folder `path`, memory-mapped read-only."""
    return [
        np.load(os.path.join(path, name), mmap_mode="r")
        for name in metadata["files"]
    ]


def slice_rows(x, start, stop):
    return keras.tree.map_structure(lambda a: a[start:stop], x)


def compute(models, pack, x, batch_size, path=None, metadata=None, verbose=0):
    """Runs `models` over `x` in batches of `batch_size` and returns
    `pack([output of each model])` for all of `x` as a list of arrays.

    Each batch goes through `model.predict_on_batch` and `pack`, and its
    rows are written into preallocated arrays: in memory, or, with `path`,
    `.npy` files in that folder opened with `numpy.lib.format.open_memmap`
    (then only one batch is ever in memory; `metadata` is written last, to
    `cache.json`, and marks the cache complete). Returns the arrays
    (read-only memory maps with `path`).
    """
    length = num_samples(x)
    arrays = None
    files = None
    progress = keras.utils.Progbar(length) if verbose else None
    if path is not None:
        os.makedirs(path, exist_ok=True)
        stale = os.path.join(path, METADATA)
        if os.path.exists(stale):
            os.remove(stale)
    for start in range(0, length, batch_size):
        stop = min(start + batch_size, length)
        batch = slice_rows(x, start, stop)
        outputs = [
            keras.tree.map_structure(
                keras.ops.convert_to_numpy, model.predict_on_batch(batch)
            )
            for model in models
        ]
        packed = [np.asarray(a) for a in pack(outputs)]
        if arrays is None:
            shapes = [((length,) + a.shape[1:], a.dtype) for a in packed]
            if path is None:
                arrays = [np.empty(s, dtype=d) for s, d in shapes]
            else:
                files = [f"precomputed_{i}.npy" for i in range(len(packed))]
                arrays = [
                    np.lib.format.open_memmap(
                        os.path.join(path, name), mode="w+", dtype=d, shape=s
                    )
                    for name, (s, d) in zip(files, shapes)
                ]
        for array, values in zip(arrays, packed):
            array[start:stop] = values
        if progress is not None:
            progress.update(stop)
    if path is None:
        return arrays
    for array in arrays:
        array.flush()
    del arrays
    metadata = dict(metadata, files=files)
    with open(os.path.join(path, METADATA), "w") as file:
        json.dump(metadata, file, indent=1)
    return load(path, metadata)
