import threading

import keras

from keras_acorl import argument_checks
from keras_acorl import keras_compat
from keras_acorl.layers.adversary import Adversary
from keras_acorl.layers.gradient_reversal import GradientReversal
from keras_acorl.losses.representation_losses import cosine_distance
from keras_acorl.losses.representation_losses import mean_squared_distance
from keras_acorl.models import representations
from keras_acorl.models.composite_model import CompositeModel
from keras_acorl.models.composite_model import freeze

# Keys of the dict `forward_with_adversaries` returns.
OUTPUT = "acorl_output"
TARGETS = "acorl_targets"
PREDICTIONS = "acorl_predictions"
# Key of precomputed base representations (see `ComplementaryModel.precompute`).
BASE_REPRESENTATIONS = "base_representations"

_DISTANCES = {"cosine": cosine_distance, "mse": mean_squared_distance}


@keras.saving.register_keras_serializable(package="keras_acorl")
class ComplementaryModel(CompositeModel):
    """Trains an alliance model to complement frozen base models (ACoRL).

    Adversarial Complementary Representation Learning (Kang et al., 2024):
    a new "alliance" encoder `g` and task head `h` learn the task while, for
    each frozen base model `k`, an adversary `A_k` tries to predict the base
    representation `v_k` from the alliance representation `z = g(x)` seen
    through a `GradientReversal` layer. One loss is minimised with one
    optimizer step:

    `L = L_task(h(z), y) + sum_k d(A_k(GRL(z)), t_k)`

    where `t_k` is `v_k` standardized per feature (batch statistics while
    training, moving statistics otherwise) and `d` is `1 - cosine` or the
    mean squared error. The adversaries descend `d` at full strength; the
    alliance receives the reversed gradient scaled by
    `adversarial_weight * schedule(progress)` (one `GradientReversal`), so
    it ascends `d`: `z`
    comes to carry what the base models do not. This is the min-max
    `min_{g,h} max_A L_task - lambda * w * sum_k d` of the paper, with the
    adversaries' step size made independent of `w`: with
    `adversarial_weight=0` the alliance trains like an independent model
    while the adversaries still measure how predictable the base
    representations are from it. Fusing the alliance with the base models
    (`keras_acorl.FusionEnsemble`) then gains more than fusing independently
    trained models.

    The base models are set to `trainable = False` and always run with
    `training=False`: their weights and BatchNorm statistics never change.
    The adversaries are built with the model, so the set of trainable
    variables is fixed before the first train step on every backend.

    `compile()` takes the task loss (required) and metrics. `fit()` logs
    them plus `adversarial_loss` (the sum of the adversarial terms; `loss`
    is the task loss plus this sum), `gradient_reversal_scale` (the mean
    over the epoch of the schedule's factor, 1.0 without a schedule) and,
    per base model `k`, `adversary_fit_k`: how well adversary `k` predicts
    its standardized target (mean cosine similarity for `"cosine"`,
    `1 - MSE` (an R² on unit-variance targets) for `"mse"`). `evaluate()`
    reports them on the evaluation data with one alliance forward pass.
    `call()` returns the task output in every mode, as Keras' `Distiller`
    does: `predict()`, `model(x)` and `model(x, training=True)` (e.g. MC
    dropout) return a tensor; the adversarial terms are computed in
    `compute_loss`. `forward_with_adversaries(x)` returns what the loss
    uses.

    `adversarial_weight` and `total_steps` are non-trainable variables
    behind validating properties: set `model.adversarial_weight = 0.5`
    between two `fit` calls and the next `fit` uses it, without retracing.
    The gradient reversal schedule is computed inside the training step
    from a step counter that is a weight of the model, so a run resumed
    from `keras.callbacks.BackupAndRestore` continues it.

    Args:
        base_models: list of trained `keras.Model`s sharing the alliance's
            input. They are frozen here. Different architectures and
            representation sizes are fine.
        alliance: `keras.Model` (functional or Sequential with an input)
            mapping the inputs to the alliance representation `z`.
        head: `keras.layers.Layer` or `keras.Model` mapping the alliance
            output to the task output, or None when the alliance output is
            the task output. Defaults to None.
        base_representation: which representation of each base model the
            adversaries predict: None (the model's output), a layer name, a
            list with one entry per base model, or a callable
            `model -> keras.Model | KerasTensor`. Rank 3-5 outputs
            (batch, ..., channels) are global-average pooled to rank 2.
            Defaults to None.
        adversarial_weight: real number >= 0. Strength `w` of the push away
            from the base representations (it scales the reversed gradient
            the alliance receives). `0.0` trains the alliance independently.
            Defaults to `1.0`.
        adversary: None (one `keras_acorl.layers.Adversary` MLP without
            batch norm per base model), a dict of `Adversary` keyword
            arguments (e.g. `{"hidden_units": (256, 256)}`), or a callable
            `target_dim -> keras.layers.Layer` (a named, registered function
            if the model is to be saved). Defaults to None.
        adversarial_loss: `"cosine"` (1 - cosine similarity) or `"mse"`,
            both on standardized targets. Defaults to `"cosine"`.
        gradient_reversal_schedule: None (the reversed gradient is scaled
            by `adversarial_weight` alone) or a callable `progress -> factor`
            on scalar tensors, e.g. `keras_acorl.schedules.DANNRamp()` (the
            paper's ramp): the factor multiplies `adversarial_weight`, with
            `progress = training steps so far / total_steps`. Fixed at
            construction. Defaults to None.
        total_steps: None or a positive int: the steps over which the
            schedule's progress goes from 0 to 1. With a schedule it is
            needed before training: pass it, set `model.total_steps`, or fit
            with `keras_acorl.callbacks.GradientReversalScheduler()` (it
            sets `epochs * steps_per_epoch` once per `fit`). Defaults to
            None.
        standardize_targets: bool. Standardize the base representations per
            feature before the adversary predicts them. Without it a cosine
            adversary on non-negative (ReLU) features learns little beyond
            their mean direction. Defaults to True.
        **kwargs: `keras.Model` keyword arguments, such as `name`.

    Attributes:
        classifier: `keras.Model` from the inputs to the task outputs
            (alliance + head): the product to fuse, save or export.
        encoder: the alliance encoder.
        base_models: the frozen base models.
        adversaries: one layer per base model.
        gradient_reversal: the `keras_acorl.layers.GradientReversal` between
            the alliance representation and the adversaries (its `scale` is
            `adversarial_weight`, its `iterations` the training steps done).

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    def mlp(name):
        inputs = keras.Input(shape=(16,))
        hidden = keras.layers.Dense(32, activation="relu", name="embedding")(
            inputs
        )
        return keras.Model(inputs, keras.layers.Dense(3)(hidden), name=name)

    x = np.random.rand(128, 16).astype("float32")
    y = np.random.randint(0, 3, size=(128,))
    base = mlp("base")  # In practice: an already trained model.
    encoder_input = keras.Input(shape=(16,))
    encoder = keras.Model(
        encoder_input, keras.layers.Dense(32, activation="relu")(encoder_input)
    )
    model = keras_acorl.ComplementaryModel(
        base_models=[base],
        alliance=encoder,
        head=keras.layers.Dense(3),
        base_representation="embedding",
        adversarial_weight=1.0,
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        x, y, epochs=2, verbose=0,
        callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
    )
    model.total_steps  # 8: 2 epochs of 4 batches.
    fused = keras_acorl.FusionEnsemble([base, model.classifier])
    fused.predict(x, verbose=0).shape  # (128, 3)
    ```
    """

    precomputed_key = BASE_REPRESENTATIONS
    sub_model_lists = ("base_models",)
    sub_models = ("alliance", "head", "gradient_reversal_schedule")

    def __init__(
        self,
        base_models,
        alliance,
        head=None,
        base_representation=None,
        adversarial_weight=1.0,
        adversary=None,
        adversarial_loss="cosine",
        gradient_reversal_schedule=None,
        total_steps=None,
        standardize_targets=True,
        **kwargs,
    ):
        super().__init__(**kwargs)
        base_models = argument_checks.check_model_list(
            base_models, "base_models"
        )
        argument_checks.check_model(alliance, "alliance")
        _check_alliance(alliance, head)
        argument_checks.check_same_inputs(
            [alliance, *base_models],
            ["`alliance`"]
            + [f"base_models[{i}]" for i in range(len(base_models))],
            "base_models",
        )
        adversarial_weight = argument_checks.check_non_negative(
            adversarial_weight, "adversarial_weight"
        )
        self.adversarial_loss = argument_checks.check_choice(
            adversarial_loss, _DISTANCES, "adversarial_loss"
        )
        if not isinstance(standardize_targets, bool):
            raise TypeError(
                "`standardize_targets` must be a bool. "
                f"Received: {standardize_targets!r}"
            )
        if gradient_reversal_schedule is not None and not callable(
            gradient_reversal_schedule
        ):
            raise TypeError(
                "`gradient_reversal_schedule` must be None or a callable "
                "`progress -> factor`, e.g. keras_acorl.schedules.DANNRamp()."
                f" Received: {gradient_reversal_schedule!r}"
            )
        if total_steps is not None:
            argument_checks.check_positive_int(total_steps, "total_steps")
        self.standardize_targets = standardize_targets
        self.base_representation = base_representation
        self.adversary = adversary

        self.base_models = base_models
        for base in base_models:
            freeze(base)
        self.alliance = alliance
        self.head = head

        specs = representations.normalize_specs(
            base_representation, len(base_models), "base_representation"
        )
        self.base_extractors = [
            representations.build_extractor(
                base, spec, "base_representation", i, alliance.input
            )
            for i, (base, spec) in enumerate(zip(base_models, specs))
        ]
        target_dims = [
            representations.representation_dim(e, "base_representation", i)
            for i, e in enumerate(self.base_extractors)
        ]
        alliance_dim = _pooled_dim(alliance.output.shape)

        # One reversal carries the whole factor the alliance receives:
        # `-adversarial_weight * schedule(progress)`.
        self.gradient_reversal = GradientReversal(
            scale=adversarial_weight,
            schedule=gradient_reversal_schedule,
            total_steps=total_steps,
            name="gradient_reversal",
        )
        self.target_standardizers = []
        if standardize_targets:
            for i, dim in enumerate(target_dims):
                layer = keras.layers.BatchNormalization(
                    center=False,
                    scale=False,
                    momentum=0.9,
                    epsilon=1e-6,
                    # Statistics of the global batch under tf.distribute
                    # (per-replica ones differ from one device's); Keras
                    # takes the argument on TensorFlow only, and JAX's
                    # keras.distribution sees the global batch anyway.
                    synchronized=keras.backend.backend() == "tensorflow",
                    name=f"target_standardizer_{i}",
                )
                layer.build((None, dim))
                self.target_standardizers.append(layer)
        self.adversaries = []
        for i, dim in enumerate(target_dims):
            layer = _make_adversary(adversary, dim, i)
            layer.build((None, alliance_dim))
            self.adversaries.append(layer)

        # One functional model gives the task output and the (pooled)
        # alliance representation from a single forward pass.
        output = alliance.output if head is None else head(alliance.output)
        representation = alliance.output
        pooling = representations.pooling_layer(
            alliance.output.shape, "alliance", 0, name="alliance_pooling"
        )
        if pooling is not None:
            representation = pooling(representation)
        self.network = keras.Model(
            alliance.input,
            [output, representation],
            name=f"{self.name}_network",
        )
        if head is None:
            self._classifier = alliance
        else:
            self._classifier = keras.Model(
                alliance.input, output, name=f"{self.name}_classifier"
            )
        self._step_record = _StepRecord()

        self.adversarial_loss_tracker = keras.metrics.Mean(
            name="adversarial_loss"
        )
        self.gradient_reversal_scale_tracker = keras.metrics.Mean(
            name="gradient_reversal_scale"
        )
        self.adversary_fit_trackers = [
            keras.metrics.Mean(name=f"adversary_fit_{i}")
            for i in range(len(base_models))
        ]
        self.built = True

    @property
    def classifier(self):
        return self._classifier

    @property
    def encoder(self):
        return self.alliance

    @property
    def adversarial_weight(self):
        """Strength of the push away from the base representations."""
        return self.gradient_reversal.scale

    @adversarial_weight.setter
    def adversarial_weight(self, value):
        self.gradient_reversal.scale = argument_checks.check_non_negative(
            value, "adversarial_weight"
        )

    @property
    def gradient_reversal_schedule(self):
        return self.gradient_reversal.schedule

    @property
    def total_steps(self):
        """Steps over which the schedule's progress goes from 0 to 1."""
        return self.gradient_reversal.total_steps

    @total_steps.setter
    def total_steps(self, value):
        self.gradient_reversal.total_steps = value

    def precompute_models(self):
        return self.base_extractors

    def export_inputs(self):
        return self.alliance.input

    def call(self, inputs, training=None):
        inputs, _ = self.split_precomputed(inputs)
        output, representation = self.network(inputs, training=training)
        self._step_record.keep(output, representation)
        return output

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        _require_labels(y)
        if self.loss is None:
            raise ValueError(
                "ComplementaryModel needs a task loss. Pass `loss` to "
                "`compile()`, e.g. keras.losses.SparseCategoricalCrossentropy"
                "(from_logits=True). Received: loss=None"
            )
        inputs, cached = self.split_precomputed(x)
        representation = self._step_record.take(y_pred)
        if representation is None:
            # Not the output of this step's `call` (e.g. `compute_loss`
            # called directly): run the forward pass here.
            y_pred, representation = self.network(inputs, training=training)
        task_loss = super().compute_loss(
            x=x,
            y=y,
            y_pred=y_pred,
            sample_weight=sample_weight,
            training=training,
        )
        self.gradient_reversal_scale_tracker.update_state(
            self.gradient_reversal.schedule_value()
        )
        targets, predictions = self._adversarial_parts(
            inputs, cached, representation, training
        )
        distance = _DISTANCES[self.adversarial_loss]
        adversarial_loss = 0.0
        for tracker, target, prediction in zip(
            self.adversary_fit_trackers, targets, predictions
        ):
            term = keras.ops.mean(distance(target, prediction))
            adversarial_loss = adversarial_loss + term
            tracker.update_state(1.0 - term)
        self.adversarial_loss_tracker.update_state(adversarial_loss)
        adversarial_loss = keras.ops.cast(adversarial_loss, task_loss.dtype)
        # The compiled task loss is scaled for tf.distribute already.
        return task_loss + keras_compat.scale_loss_for_distribution(
            adversarial_loss
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        _require_labels(y)
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def forward_with_adversaries(self, inputs, training=False):
        """Task output, standardized base targets and adversary predictions.

        What the loss uses, from one forward pass. `inputs` may be the
        result of `precompute`; the base models then do not run.
        `training=True` standardizes with batch statistics (and advances a
        gradient reversal schedule by one step, as a training step does).

        Returns a dict with keys `"acorl_output"`, `"acorl_targets"` (one
        tensor per base model) and `"acorl_predictions"` (likewise).
        """
        inputs, cached = self.split_precomputed(inputs)
        output, representation = self.network(inputs, training=training)
        targets, predictions = self._adversarial_parts(
            inputs, cached, representation, training
        )
        return {OUTPUT: output, TARGETS: targets, PREDICTIONS: predictions}

    def _adversarial_parts(self, inputs, cached, representation, training):
        # Forward: z. Backward: the alliance receives
        # -adversarial_weight * schedule * (gradient of the adversarial terms).
        reversed_z = self.gradient_reversal(representation, training=training)
        if cached is None:
            targets = self.base_representations(inputs)
        else:
            targets = [keras.ops.stop_gradient(t) for t in cached]
        if self.standardize_targets:
            targets = [
                layer(t, training=training)
                for layer, t in zip(self.target_standardizers, targets)
            ]
        predictions = [
            adversary(reversed_z, training=training)
            for adversary in self.adversaries
        ]
        return targets, predictions

    def base_representations(self, inputs):
        """The frozen base models' representations of `inputs`, one
        `(batch, dim)` tensor per base model, without gradient."""
        return [
            keras.ops.stop_gradient(extractor(inputs, training=False))
            for extractor in self.base_extractors
        ]

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "base_representation": representations.serialize_spec(
                    self.base_representation
                ),
                "adversarial_weight": self.adversarial_weight,
                "adversary": representations.serialize_spec(self.adversary),
                "adversarial_loss": self.adversarial_loss,
                "total_steps": self.total_steps,
                "standardize_targets": self.standardize_targets,
            }
        )
        return config

    @classmethod
    def complete_config(cls, config, custom_objects=None):
        for key in ("base_representation", "adversary"):
            config[key] = representations.deserialize_spec(
                config.get(key), custom_objects
            )
        return config


class _StepRecord(threading.local):
    """The alliance representation of the last `call`, for `compute_loss`.

    Keras' `train_step` and `test_step` run `y_pred = self(x)` and then
    `compute_loss(x, y, y_pred)` in one trace on every backend (one
    `tf.function`, one `jax.value_and_grad` over `compute_loss_and_updates`,
    eager torch), so the representation kept by `call` belongs to the same
    graph as `y_pred` and gradients flow through it. `take` hands it over
    only for the very `y_pred` object it came with (anything else returns
    None and `compute_loss` runs the forward pass itself), and forgets it.
    Per thread, so replicas traced by `tf.distribute` never share one.
    """

    output = None
    representation = None

    def keep(self, output, representation):
        self.output = output
        self.representation = representation

    def take(self, output):
        representation = None
        if output is not None and output is self.output:
            representation = self.representation
        self.output = self.representation = None
        return representation

    def __deepcopy__(self, memo):
        return _StepRecord()

    def __reduce__(self):
        return (_StepRecord, ())


def _require_labels(y):
    if y is None:
        raise ValueError(
            "ComplementaryModel needs labels: the task head is trained "
            "with the compiled loss. Pass targets, e.g. `fit(x, y)` or a "
            "dataset of `(x, y)` pairs. Received: y=None"
        )


def _check_alliance(alliance, head):
    if not getattr(alliance, "inputs", None):
        raise ValueError(
            "`alliance` must be a functional keras.Model or a Sequential "
            "model with an input (built on `keras.Input`), so that its "
            f"representation size is known. Received: '{alliance.name}' "
            "without symbolic inputs."
        )
    if isinstance(alliance.output, (list, tuple, dict)):
        raise ValueError(
            "`alliance` must have a single output (the representation). "
            f"Received a model with outputs {alliance.output}."
        )
    if head is not None and not isinstance(head, keras.layers.Layer):
        raise TypeError(
            "`head` must be a keras.layers.Layer, a keras.Model or None. "
            f"Received: {head!r} of type {type(head).__name__}"
        )


def _pooled_dim(shape):
    dim = shape[-1]
    if dim is None:
        raise ValueError(
            "`alliance` must give a representation with a known feature "
            f"size. Received output shape {tuple(shape)}."
        )
    return int(dim)


def _make_adversary(adversary, dim, index):
    name = f"adversary_{index}"
    if adversary is None:
        return Adversary(dim, name=name)
    if isinstance(adversary, dict):
        return Adversary(dim, name=name, **adversary)
    if callable(adversary):
        layer = adversary(dim)
        if not isinstance(layer, keras.layers.Layer):
            raise TypeError(
                "The `adversary` callable must return a keras.layers.Layer "
                f"for target size {dim}. Received: {type(layer).__name__}"
            )
        return layer
    raise TypeError(
        "`adversary` must be None, a dict of Adversary keyword arguments or "
        "a callable `target_dim -> keras.layers.Layer`. "
        f"Received: {adversary!r}"
    )
