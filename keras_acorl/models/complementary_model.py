import threading

import keras

from keras_acorl import argument_checks
from keras_acorl import keras_compat
from keras_acorl import objectives
from keras_acorl.layers.gradient_reversal import GradientReversal
from keras_acorl.models import representations
from keras_acorl.models.composite_model import CompositeModel
from keras_acorl.models.composite_model import freeze

# Keys of the dict `forward_with_adversaries` returns.
OUTPUT = "acorl_output"
TARGETS = "acorl_targets"
PREDICTIONS = "acorl_predictions"
# Key of precomputed base representations (see `ComplementaryModel.precompute`).
BASE_REPRESENTATIONS = "base_representations"

_DISTANCES = objectives.adversarial_objective.DISTANCES


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

    where `t_k` is `v_k` standardized per feature (running statistics of
    all the training samples seen so far, `objectives.TargetStandardizer`)
    and `d` is `1 - cosine` or the mean squared error. The adversaries
    descend `d` at full strength; the alliance receives the reversed
    gradient scaled by `adversarial_weight * schedule(progress)` (one
    `GradientReversal`), so it ascends `d`: `z` comes to carry what the
    base models do not. This is the min-max
    `min_{g,h} max_A L_task - lambda * w * sum_k d` of the paper, with the
    adversaries' step size made independent of `w`: with
    `adversarial_weight=0` the alliance trains like an independent model
    while the adversaries still measure how predictable the base
    representations are from it. Fusing the alliance with the base models
    (`keras_acorl.FusionEnsemble`) is meant to gain more than fusing
    independently trained models; measured on cluttered MNIST-5k it does
    not (see the README), nor do the other objectives.

    That min-max is the default `objective="adversarial"`. Other
    complementarity objectives (`keras_acorl.objectives`) replace the
    adversarial term, with the same weight and schedule: `"conditional"`
    (the adversaries also see the label), `"independence"` (a batch
    linear-CKA penalty, no adversary), `"ensemble"` (the loss of the
    prediction fused with the base models' outputs) and `"input_gradient"`
    (local independence of the input gradients). Each logs its own terms.

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
            their mean direction. The statistics are those of every
            training sample seen so far (the bases are frozen), so the batch
            size does not matter, a batch of one included. Defaults to True.
        objective: the complementarity objective: a name (`"adversarial"`,
            `"conditional"`, `"independence"`, `"ensemble"`,
            `"input_gradient"`) or a new
            `keras_acorl.objectives.ComplementarityObjective` instance. Its
            strength is `adversarial_weight` (times the schedule's
            factor). `"ensemble"` and `"input_gradient"` use the base
            models' task outputs: leave `base_representation=None` (or name
            the layer giving them). `adversary`, `adversarial_loss` and
            `standardize_targets` configure the objectives with
            adversaries. Defaults to `"adversarial"`.
        **kwargs: `keras.Model` keyword arguments, such as `name`.

    Attributes:
        classifier: `keras.Model` from the inputs to the task outputs
            (alliance + head): the product to fuse, save or export.
        encoder: the alliance encoder.
        base_models: the frozen base models.
        objective: the `keras_acorl.objectives.ComplementarityObjective`.
        adversaries: the objective's adversaries, one per base model (an
            empty list for objectives without adversaries).
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
        objective="adversarial",
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
        argument_checks.check_schedule(
            gradient_reversal_schedule, "gradient_reversal_schedule"
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
        alliance_input = representations.model_input(alliance)
        alliance_output = representations.model_output(alliance)

        specs = representations.normalize_specs(
            base_representation, len(base_models), "base_representation"
        )
        self.base_extractors = [
            representations.build_extractor(
                base, spec, "base_representation", i, alliance_input
            )
            for i, (base, spec) in enumerate(zip(base_models, specs))
        ]
        target_dims = [
            representations.representation_dim(e, "base_representation", i)
            for i, e in enumerate(self.base_extractors)
        ]
        alliance_dim = _pooled_dim(alliance_output.shape)

        # One reversal carries the whole factor the alliance receives:
        # `-adversarial_weight * schedule(progress)`.
        self.gradient_reversal = GradientReversal(
            scale=adversarial_weight,
            schedule=gradient_reversal_schedule,
            total_steps=total_steps,
            name="gradient_reversal",
        )
        # One functional model gives the task output and the (pooled)
        # alliance representation from a single forward pass.
        output = alliance_output if head is None else head(alliance_output)
        representation = alliance_output
        pooling = representations.pooling_layer(
            alliance_output.shape, "alliance", 0, name="alliance_pooling"
        )
        if pooling is not None:
            representation = pooling(representation)
        self.network = keras.Model(
            alliance_input,
            [output, representation],
            name=f"{self.name}_network",
        )
        if head is None:
            self._classifier = alliance
        else:
            self._classifier = keras.Model(
                alliance_input, output, name=f"{self.name}_classifier"
            )
        self._step_record = _StepRecord()

        self.objective = _setup_objective(
            objective, self, target_dims, alliance_dim, output
        )
        self.gradient_reversal_scale_tracker = keras.metrics.Mean(
            name="gradient_reversal_scale"
        )
        self.objective_trackers = [
            keras.metrics.Mean(name=name)
            for name in self.objective.metric_names(len(base_models))
        ]
        self.built = True

    @property
    def classifier(self):
        return self._classifier

    @property
    def encoder(self):
        return self.alliance

    @property
    def adversaries(self):
        """The objective's adversaries, one per base model (none for an
        objective without adversaries)."""
        return list(getattr(self.objective, "adversaries", []))

    @property
    def target_standardizers(self):
        """The objective's `TargetStandardizer`s, one per base model (none
        without standardization or adversaries)."""
        return list(getattr(self.objective, "target_standardizers", []))

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
        return representations.model_input(self.alliance)

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
        schedule_value = self.gradient_reversal.schedule_value()
        self.gradient_reversal_scale_tracker.update_state(schedule_value)
        # The strength of objectives without an adversary: w * s.
        factor = keras.ops.stop_gradient(
            self.gradient_reversal.scale_variable * schedule_value
        )
        # Forward: z. Backward: -w * s * upstream (for adversaries).
        reversed_z = self.gradient_reversal(representation, training=training)
        targets = self._targets(inputs, cached)
        term, values = self.objective.compute(
            model=self,
            inputs=inputs,
            targets=targets,
            representation=representation,
            reversed_representation=reversed_z,
            output=y_pred,
            factor=factor,
            y=y,
            training=training,
        )
        for tracker, value in zip(self.objective_trackers, values):
            tracker.update_state(value)
        # The compiled task loss is scaled for tf.distribute already.
        return task_loss + keras_compat.scale_loss_for_distribution(
            keras.ops.cast(term, task_loss.dtype)
        )

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        _require_labels(y)
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def forward_with_adversaries(self, inputs, training=False, y=None):
        """Task output, standardized base targets and adversary predictions.

        What the loss of an objective with adversaries (`"adversarial"`,
        `"conditional"`, which also needs the labels `y`) uses, from one
        forward pass. `inputs` may be the result of `precompute`; the base
        models then do not run. `training=True` adds the batch to the
        targets' running statistics (and advances a gradient reversal
        schedule by one step, as a training step does).

        Returns a dict with keys `"acorl_output"`, `"acorl_targets"` (one
        tensor per base model) and `"acorl_predictions"` (likewise).
        """
        if not hasattr(self.objective, "adversarial_parts"):
            raise ValueError(
                "`forward_with_adversaries` needs an objective with "
                "adversaries ('adversarial' or 'conditional'). Received: "
                f"objective={self.objective.objective_name!r}"
            )
        inputs, cached = self.split_precomputed(inputs)
        output, representation = self.network(inputs, training=training)
        reversed_z = self.gradient_reversal(representation, training=training)
        targets, predictions = self.objective.adversarial_parts(
            self._targets(inputs, cached), reversed_z, y, output, training
        )
        return {OUTPUT: output, TARGETS: targets, PREDICTIONS: predictions}

    def _targets(self, inputs, cached):
        if cached is None:
            return self.base_representations(inputs)
        return [keras.ops.stop_gradient(t) for t in cached]

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
                "objective": keras.saving.serialize_keras_object(
                    self.objective
                ),
            }
        )
        return config

    @classmethod
    def complete_config(cls, config, custom_objects=None):
        for key in ("base_representation", "adversary"):
            config[key] = representations.deserialize_spec(
                config.get(key), custom_objects
            )
        if isinstance(config.get("objective"), dict):
            config["objective"] = keras.saving.deserialize_keras_object(
                config["objective"], custom_objects=custom_objects
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
    output = representations.model_output(alliance)
    if isinstance(output, (list, tuple, dict)):
        raise ValueError(
            "`alliance` must have a single output (the representation). "
            f"Received a model with outputs {output}."
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


def _setup_objective(objective, model, target_dims, alliance_dim, output):
    objective = objectives.get(objective)
    if objective.built:
        raise ValueError(
            "`objective` is already used by another ComplementaryModel; "
            "pass a new instance (or a name). Received: "
            f"objective={objective!r}"
        )
    if len(output.shape) != 2 or output.shape[-1] is None:
        output_dim = None
    else:
        output_dim = int(output.shape[-1])
    objective.setup(model, target_dims, alliance_dim, output_dim)
    objective.built = True
    return objective
