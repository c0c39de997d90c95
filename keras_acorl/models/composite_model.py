"""The shared base of the models that train around frozen sub-models."""

import copy

import keras

from keras_acorl.argument_checks import check_positive_int
from keras_acorl.models import input_checks

# Key of the plain inputs in a precomputed batch (see
# `CompositeModel.precompute`).
INPUTS = "inputs"


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
      `compute_loss`.
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
    encoder_in = keras.Input(shape=(8,))
    alliance = keras.Model(encoder_in, keras.layers.Dense(4)(encoder_in))
    model = keras_acorl.ComplementaryModel(
        [base], alliance, head=keras.layers.Dense(3)
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.rand(32, 8).astype("float32")
    y = np.random.randint(0, 3, size=(32,))
    cached = model.precompute(x)
    cached["base_representations"][0].shape  # (32, 3)
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

    def precompute(self, x, batch_size=256, verbose=0):
        """Runs the frozen models once over `x`.

        The frozen models run in inference mode, so their outputs on
        un-augmented data never change: compute them once and train at the
        cost of the trained part alone. Pass the result to `fit`,
        `evaluate` or `predict` in place of `x` (same length, same order).

        Args:
            x: NumPy array (or dict of arrays) of model inputs.
            batch_size: int. Batch size of the frozen models' `predict`.
            verbose: verbosity of their `predict`.

        Returns:
            dict `{"inputs": x, precomputed_key: [array, ...]}`.
        """
        check_positive_int(batch_size, "batch_size")
        outputs = [
            model.predict(x, batch_size=batch_size, verbose=verbose)
            for model in self.precompute_models()
        ]
        return make_cached(
            x, self.precomputed_key, self.pack_precomputed(outputs)
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
        input_checks.check_data(self, "evaluate", x, y)
        self.check_first_batch(x)
        with input_checks.EmptyDataAsValueError("evaluate"):
            return super().evaluate(**arguments)

    def predict(self, x, *args, **kwargs):
        """`keras.Model.predict`, after checking array inputs."""
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
