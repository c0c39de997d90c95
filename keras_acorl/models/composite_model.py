"""The shared base of the models that train around frozen sub-models."""

import copy
import os
import warnings

import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.models import input_checks
from keras_acorl.models import precomputed_cache
from keras_acorl.models.precomputed_dataset import INPUTS
from keras_acorl.models.precomputed_dataset import PrecomputedDataset


def freeze(model):
    """Sets `model.trainable = False`, recursively; returns `model`.

    On TensorFlow, assigning False when the flag already is False is skipped
    (TF's `self.x = self.x` short cut), which leaves the sublayers of a
    subclassed model deserialized with `trainable=False` trainable. Flipping
    the flag first always propagates it.
    """
    model.trainable = True
    model.trainable = False
    return model


def serialize_optional(obj):
    """`keras.saving.serialize_keras_object(obj)`, or None for None."""
    return None if obj is None else keras.saving.serialize_keras_object(obj)


def deserialize_sub_models(config, lists=(), singles=(), custom_objects=None):
    """A copy of `config` with the serialized models under the keys `lists`
    (lists of models) and `singles` (a model, a layer or None) rebuilt,
    `custom_objects` passed through.

    The copy matters: rebuilding a functional model consumes parts of its
    config.
    """
    config = copy.deepcopy(config)

    def deserialize(item):
        return keras.saving.deserialize_keras_object(
            item, custom_objects=custom_objects
        )

    for key in lists:
        config[key] = [deserialize(item) for item in config[key]]
    for key in singles:
        if config.get(key) is not None:
            config[key] = deserialize(config[key])
    return config


def split_cached(inputs, key):
    """`(inputs, cached list or None)` from plain inputs or a precomputed
    batch `{"inputs": x, key: [tensor, ...]}`."""
    if isinstance(inputs, dict) and set(inputs) == {INPUTS, key}:
        return inputs[INPUTS], list(inputs[key])
    return inputs, None


def make_cached(inputs, key, arrays):
    """The precomputed batch `{"inputs": inputs, key: list(arrays)}`."""
    return {INPUTS: inputs, key: list(arrays)}


def input_signature_from(inputs):
    """`export()`'s `input_signature` for a model called as `model(inputs)`
    with `inputs` of the structure of the symbolic tensors `inputs`."""
    return [
        keras.tree.map_structure(
            lambda t: keras.InputSpec(shape=t.shape, dtype=t.dtype), inputs
        )
    ]


class CompositeModel(keras.Model):
    """Base of models trained around frozen sub-models.

    `keras_acorl.ComplementaryModel` (and, by the same pattern,
    `keras_acorl.MEALDistiller`) hold frozen models that only feed the
    loss, plus a product (the alliance classifier, the student) that
    `call()` returns. This base gives them one implementation of what that
    pattern needs, through public Keras API only:

    - `freeze(model)`: frozen sub-models (weights and BatchNorm statistics
      never change); `serialize_optional` / `deserialize_sub_models` for
      their config round trip, `custom_objects` passed through.
    - `precompute(x)`: the frozen models' outputs computed once, in the
      structure `fit`/`evaluate`/`predict` accept in place of `x`
      (`{"inputs": x, precomputed_key: [array, ...]}`), and
      `split_precomputed(inputs)` to take such a batch apart in `call` and
      `compute_loss`. Computed in batches, in memory or memory-mapped on
      disk (`path=`), keyed to the frozen weights and the data;
      `precompute_dataset(x, y)` wraps it in a `PrecomputedDataset` for
      data larger than memory. Random augmentation needs the live path
      (the frozen models in the loop).
    - `export()` without `input_signature`: the product's symbolic inputs
      (`export_inputs()`) give it.
    - `get_metrics_result()` leaves out metrics that never saw data (the
      compiled metrics after a label-free `fit`), instead of stale zeros.
    - `fit()` / `evaluate()` / `predict()` check NumPy inputs before the
      first step (empty, strings, NaN/inf, the input shape, sparse labels
      in range; `check_first_batch(x)` for a subclass's own assumptions),
      turn empty datasets into one `ValueError` on every backend, and `fit`
      raises when an epoch ends with a non-finite loss or weights.

    - `get_config()` / `from_config()` for the sub-models: a subclass
      names the attributes holding them in `sub_model_lists` (lists of
      models) and `sub_models` (a model, layer or serializable object, or
      None); `from_config` rebuilds them with `custom_objects` and hands
      the rest to `complete_config` (override it to rebuild other objects).

    A subclass sets the class attribute `precomputed_key` and implements
    `precompute_models()` (the models whose outputs `precompute` stores,
    in the order `split_precomputed` returns them) and `export_inputs()`;
    it may override `pack_precomputed(outputs)` to reshape the list of
    `predict` results (MEAL stacks its teachers per tap).

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    inputs = keras.Input(shape=(8,))
    base = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    alliance = keras.Model(inputs, keras.layers.Dense(4)(inputs))
    head = keras.layers.Dense(3)
    model = keras_acorl.ComplementaryModel([base], alliance, head)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.rand(32, 8).astype("float32")
    cached = model.precompute(x)
    cached["base_representations"][0].shape  # (32, 3)
    y = np.random.randint(0, 3, size=(32,))
    model.fit(cached, y, epochs=1, verbose=0)  # The base model never runs.
    ```
    """

    # The key of the frozen models' outputs in a precomputed batch.
    precomputed_key = None
    # Names of the attributes (and config keys) holding sub-models.
    sub_model_lists = ()
    sub_models = ()

    def get_config(self):
        config = super().get_config()
        for key in self.sub_model_lists:
            config[key] = [serialize_optional(m) for m in getattr(self, key)]
        for key in self.sub_models:
            config[key] = serialize_optional(getattr(self, key))
        return config

    @classmethod
    def complete_config(cls, config, custom_objects=None):
        """The constructor arguments from a config whose sub-models are
        rebuilt already. Defaults to `config`."""
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = deserialize_sub_models(
            config,
            lists=cls.sub_model_lists,
            singles=cls.sub_models,
            custom_objects=custom_objects,
        )
        return cls(**cls.complete_config(config, custom_objects))

    def precompute_models(self):
        """The frozen models (`keras.Model`s over the model's inputs) whose
        outputs `precompute` stores."""
        raise NotImplementedError(
            f"{type(self).__name__} does not implement `precompute_models()`"
        )

    def pack_precomputed(self, outputs):
        """The list stored under `precomputed_key`, from the list of
        `predict` results of `precompute_models()`. Defaults to `outputs`."""
        return list(outputs)

    def precompute(
        self, x, batch_size=256, verbose=0, path=None, overwrite=False
    ):
        """Runs the frozen models once over `x`, in batches.

        The frozen models run in inference mode, so their outputs on
        un-augmented data never change: compute them once and train at the
        cost of the trained part alone. Pass the result to `fit`,
        `evaluate` or `predict` in place of `x` (same length, same order),
        or use `precompute_dataset` (batches read from the cache, for data
        larger than memory). Random augmentation (another crop every
        epoch) changes the frozen models' outputs: train on the augmented
        inputs themselves (the live path) instead.

        Each batch's outputs are written into preallocated arrays: in
        memory, or with `path` into `.npy` files in that folder, memory
        mapped (`numpy.lib.format.open_memmap`), so only one batch is in
        memory at a time. A folder cache is keyed to the frozen models'
        weights and to `x` (its length and a hash of evenly spaced rows,
        see `precompute_fingerprint`): calling `precompute` again with the
        same `path` reuses it when the key matches and raises a ValueError
        naming the difference (length, weights, order) when it does not,
        unless `overwrite=True`.

        Args:
            x: NumPy array (or dict of arrays; a `numpy.memmap` for data
                larger than memory) of model inputs.
            batch_size: int. Batch size of the frozen models.
            verbose: 0 or 1, a progress bar.
            path: None or a folder for a memory-mapped cache. Defaults to
                None (in memory).
            overwrite: bool. Recompute a folder cache even when one is
                there. Defaults to False.

        Returns:
            dict `{"inputs": x, precomputed_key: [array, ...]}` (read-only
            memory maps with `path`).
        """
        check_positive_int(batch_size, "batch_size")
        if not isinstance(overwrite, bool):
            raise TypeError(
                f"`overwrite` must be a bool. Received: {overwrite!r}"
            )
        arrays = self._cached_arrays(x, batch_size, verbose, path, overwrite)
        return make_cached(x, self.precomputed_key, arrays)

    def precompute_dataset(
        self,
        x,
        y=None,
        sample_weight=None,
        batch_size=32,
        shuffle=True,
        seed=None,
        path=None,
        overwrite=False,
        precompute_batch_size=256,
        verbose=0,
        **kwargs,
    ):
        """`precompute` wrapped as a `keras_acorl.models.PrecomputedDataset`
        that `fit` / `evaluate` / `predict` consume without `y`.

        Batches read only their rows of the (possibly memory-mapped) cache,
        so `x` and the cache may be larger than memory. The dataset carries
        the cache's fingerprint; this model's `fit`, `evaluate` and
        `predict` refuse it with a ValueError when the frozen models'
        weights changed since. No random augmentation (see `precompute`).

        Args:
            x: NumPy array (or dict of arrays, possibly memory-mapped).
            y: None or array of targets.
            sample_weight: None or array of per-sample weights.
            batch_size: int, the training batch size. Defaults to `32`.
            shuffle: bool. Another order every epoch. Defaults to True.
            seed: None or int, the seed of the shuffling.
            path: None or a folder (see `precompute`).
            overwrite: bool (see `precompute`).
            precompute_batch_size: int, the frozen models' batch size.
            verbose: 0 or 1, a progress bar while computing.
            **kwargs: `keras.utils.PyDataset` arguments (`workers`, ...).

        Returns:
            A `PrecomputedDataset`.
        """
        check_positive_int(precompute_batch_size, "precompute_batch_size")
        if not isinstance(overwrite, bool):
            raise TypeError(
                f"`overwrite` must be a bool. Received: {overwrite!r}"
            )
        fingerprint = self.precompute_fingerprint(x)
        arrays = self._cached_arrays(
            x,
            precompute_batch_size,
            verbose,
            path,
            overwrite,
            fingerprint=fingerprint,
        )
        return PrecomputedDataset(
            x,
            arrays,
            self.precomputed_key,
            y=y,
            sample_weight=sample_weight,
            batch_size=batch_size,
            shuffle=shuffle,
            seed=seed,
            fingerprint=fingerprint,
            **kwargs,
        )

    def precompute_fingerprint(self, x):
        """The key of a cache of this model's frozen outputs over `x`: a
        dict with the precomputed key, the number of samples, a hash of
        the frozen models' weights (and output shapes) and a hash of
        `ORDER_ROWS` evenly spaced rows of `x` (other samples or another
        order change it; a change elsewhere in `x` does not)."""
        return precomputed_cache.fingerprint(
            self.precompute_models(), x, self.precomputed_key
        )

    def check_precomputed(self, dataset):
        """Raises a ValueError when `dataset` (a `PrecomputedDataset`) was
        made by another kind of model or before the frozen models' weights
        changed."""
        stored = dataset.fingerprint
        if stored is None:
            return
        current = dict(
            stored,
            key=self.precomputed_key,
            format=precomputed_cache.FORMAT_VERSION,
            length=dataset.num_samples,
            weights=precomputed_cache.weights_fingerprint(
                self.precompute_models()
            ),
        )
        precomputed_cache.check_fingerprint(
            stored, current, "The PrecomputedDataset passed as `x`"
        )

    def _cached_arrays(
        self, x, batch_size, verbose, path, overwrite, fingerprint=None
    ):
        if precomputed_cache.num_samples(x) == 0:
            raise ValueError("`x` must hold at least one sample. Received 0.")
        if path is not None:
            path = os.fspath(path)
            if fingerprint is None:
                fingerprint = self.precompute_fingerprint(x)
            stored = precomputed_cache.read_metadata(path)
            if stored is not None and not overwrite:
                precomputed_cache.check_fingerprint(
                    stored,
                    fingerprint,
                    f"The precomputed cache in `path` ({path!r})",
                )
                return precomputed_cache.load(path, stored)
        return precomputed_cache.compute(
            self.precompute_models(),
            self.pack_precomputed,
            x,
            batch_size,
            path=path,
            metadata=fingerprint,
            verbose=verbose,
        )

    def _check_dataset(self, x):
        if isinstance(x, PrecomputedDataset):
            self.check_precomputed(x)
        if self.jit_compile is True and keras.backend.backend() == "torch":
            # Not in `compile()`: overriding it stops Keras from restoring
            # the compile config of a saved model.
            warnings.warn(
                f"{type(self).__name__}: `jit_compile=True` on the torch "
                "backend wraps each step in `torch.compile`, which compiled "
                "a plain Keras MLP in about 3 minutes on CPU and did not "
                "finish this model's step in 7 minutes. Compile with "
                "`jit_compile=False` (torch's default) unless you have "
                "checked the compile time on your machine.",
                stacklevel=3,
            )

    def split_precomputed(self, inputs):
        """`(inputs, precomputed list or None)` from plain inputs or the
        result of `precompute`."""
        return split_cached(inputs, self.precomputed_key)

    def export_inputs(self):
        """The symbolic inputs of the exported product, or None (then
        `export` needs an `input_signature`)."""
        return None

    def export(
        self,
        filepath,
        format="tf_saved_model",
        verbose=None,
        input_signature=None,
        **kwargs,
    ):
        inputs = self.export_inputs()
        if input_signature is None and inputs is not None:
            input_signature = input_signature_from(inputs)
        return super().export(
            filepath,
            format=format,
            verbose=verbose,
            input_signature=input_signature,
            **kwargs,
        )

    def check_first_batch(self, x):
        """Checks the model's assumptions on the first batch of `x` (an
        array or PyDataset) before `fit`/`evaluate`/`predict`. No-op by
        default."""

    def fit(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.fit`, after checking array inputs (not empty, no
        strings, no NaN/inf, the input shape, sparse labels in range) and
        with a check that raises when an epoch ends with a non-finite loss
        or weights."""
        arguments = input_checks.bind(
            keras.Model.fit, self, x, y, *args, **kwargs
        )
        self._check_dataset(x)
        input_checks.check_data(self, "fit", x, y)
        self.check_first_batch(x)
        input_checks.check_validation_data(
            self, arguments.get("validation_data")
        )
        callbacks = list(arguments.get("callbacks") or [])
        arguments["callbacks"] = callbacks + [input_checks.NonFiniteLossCheck()]
        with input_checks.EmptyDataAsValueError("fit"):
            history = super().fit(**arguments)
        input_checks.check_trained(history, arguments)
        return history

    def evaluate(self, x=None, y=None, *args, **kwargs):
        """`keras.Model.evaluate`, after the checks of `fit`."""
        arguments = input_checks.bind(
            keras.Model.evaluate, self, x, y, *args, **kwargs
        )
        self._check_dataset(x)
        input_checks.check_data(self, "evaluate", x, y)
        self.check_first_batch(x)
        with input_checks.EmptyDataAsValueError("evaluate"):
            return super().evaluate(**arguments)

    def predict(self, x, *args, **kwargs):
        """`keras.Model.predict`, after checking array inputs."""
        self._check_dataset(x)
        input_checks.check_data(self, "predict", x)
        self.check_first_batch(x)
        with input_checks.EmptyDataAsValueError("predict"):
            return super().predict(x, *args, **kwargs)

    def get_metrics_result(self):
        results = {}
        for metric in self.metrics:
            # `built` is False on compiled metrics that never saw labels.
            if not getattr(metric, "built", True):
                continue
            result = metric.result()
            if isinstance(result, dict):
                results.update(result)
            else:
                results[metric.name] = result
        return results
