import keras

from keras_acorl import argument_checks
from keras_acorl.layers.adversary import Adversary
from keras_acorl.layers.gradient_reversal import GradientReversal
from keras_acorl.losses.representation_losses import cosine_distance
from keras_acorl.losses.representation_losses import mean_squared_distance
from keras_acorl.models import representations
from keras_acorl.models.cached_inputs import split_cached
from keras_acorl.models.export import InferredSignatureExport
from keras_acorl.models.freezing import freeze
from keras_acorl.models.gradients import scale_gradient
from keras_acorl.models.serialization import deserialize_sub_models
from keras_acorl.models.serialization import serialize_optional

# Keys of the structure `call(..., training=True)` returns.
OUTPUT = "acorl_output"
TARGETS = "acorl_targets"
PREDICTIONS = "acorl_predictions"
# Key of precomputed base representations (see `keras_acorl.data`).
BASE_REPRESENTATIONS = "base_representations"

_DISTANCES = {"cosine": cosine_distance, "mse": mean_squared_distance}


@keras.saving.register_keras_serializable(package="keras_acorl")
class ComplementaryModel(InferredSignatureExport, keras.Model):
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
    `gradient_reversal_scale * adversarial_weight`, so it ascends `d`: `z`
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

    `compile()` takes the task loss and metrics. `fit()` logs them plus
    `adversarial_loss` (the sum of the adversarial terms; `loss` is the task
    loss plus this sum) and,
    per base model `k`, `adversary_fit_k`: how well adversary `k` predicts
    its standardized target (mean cosine similarity for `"cosine"`,
    `1 - MSE` (an R² on unit-variance targets) for `"mse"`). `evaluate()`
    reports them on the evaluation data, which costs one more alliance
    forward pass. `predict()` and `model(x)` return the task outputs;
    `model(x, training=True)` returns a dict with the task output, the
    standardized targets and the adversaries' predictions (what the loss
    uses).

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
        adversarial_weight: float >= 0. Strength `w` of the push away from
            the base representations (it scales the reversed gradient the
            alliance receives). `0.0` trains the alliance independently.
            Defaults to `1.0`.
        adversary: None (one `keras_acorl.layers.Adversary` MLP without
            batch norm per base model), a dict of `Adversary` keyword
            arguments (e.g. `{"hidden_units": (256, 256)}`), or a callable
            `target_dim -> keras.layers.Layer` (a named, registered function
            if the model is to be saved). Defaults to None.
        adversarial_loss: `"cosine"` (1 - cosine similarity) or `"mse"`,
            both on standardized targets. Defaults to `"cosine"`.
        gradient_reversal_scale: float. Initial scale of the gradient
            reversal; schedule it with
            `keras_acorl.callbacks.GradientReversalScheduler`. Defaults to
            `1.0`.
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
    )
    model.compile(
        optimizer="adam",
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    model.fit(
        x, y, epochs=2, verbose=0,
        callbacks=[keras_acorl.callbacks.GradientReversalScheduler(
            keras_acorl.schedules.DANNRamp())],
    )
    fused = keras_acorl.FusionEnsemble([base, model.classifier])
    fused.predict(x, verbose=0).shape  # (128, 3)
    ```
    """

    def __init__(
        self,
        base_models,
        alliance,
        head=None,
        base_representation=None,
        adversarial_weight=1.0,
        adversary=None,
        adversarial_loss="cosine",
        gradient_reversal_scale=1.0,
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
        self.adversarial_weight = argument_checks.check_non_negative(
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
        self.standardize_targets = standardize_targets
        self.base_representation = base_representation
        self.adversary = adversary
        self.initial_gradient_reversal_scale = gradient_reversal_scale

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
        self.alliance_pooling = representations.pooling_layer(
            alliance.output.shape, "alliance", 0, name="alliance_pooling"
        )
        alliance_dim = _pooled_dim(alliance.output.shape)

        self.gradient_reversal = GradientReversal(
            gradient_reversal_scale, name="gradient_reversal"
        )
        self.target_standardizers = []
        if standardize_targets:
            for i, dim in enumerate(target_dims):
                layer = keras.layers.BatchNormalization(
                    center=False,
                    scale=False,
                    momentum=0.9,
                    epsilon=1e-6,
                    name=f"target_standardizer_{i}",
                )
                layer.build((None, dim))
                self.target_standardizers.append(layer)
        self.adversaries = []
        for i, dim in enumerate(target_dims):
            layer = _make_adversary(adversary, dim, i)
            layer.build((None, alliance_dim))
            self.adversaries.append(layer)

        if head is None:
            self._classifier = alliance
        else:
            self._classifier = keras.Model(
                alliance.input,
                head(alliance.output),
                name=f"{self.name}_classifier",
            )

        self.adversarial_loss_tracker = keras.metrics.Mean(
            name="adversarial_loss"
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

    def export_inputs(self):
        return self.alliance.input

    def call(self, inputs, training=None):
        if not training:
            inputs, _ = split_cached(inputs, BASE_REPRESENTATIONS)
            return self._classifier(inputs, training=training)
        return self.forward_with_adversaries(inputs, training=True)

    def forward_with_adversaries(self, inputs, training=False):
        """Task output, standardized base targets and adversary predictions.

        `inputs` may carry the base representations computed once (see
        `keras_acorl.data.precompute_base_representations`); the base
        models then do not run.

        Returns a dict with keys `"acorl_output"`, `"acorl_targets"` (one
        tensor per base model) and `"acorl_predictions"` (likewise).
        """
        inputs, cached = split_cached(inputs, BASE_REPRESENTATIONS)
        alliance_output = self.alliance(inputs, training=training)
        if self.head is None:
            output = alliance_output
        else:
            output = self.head(alliance_output, training=training)
        z = alliance_output
        if self.alliance_pooling is not None:
            z = self.alliance_pooling(z)
        # Forward: z. Backward: the alliance receives
        # -scale * adversarial_weight * (gradient of the adversarial terms).
        reversed_z = scale_gradient(
            self.gradient_reversal(z), self.adversarial_weight
        )
        if cached is None:
            targets = self.base_representations(inputs)
        else:
            targets = [keras.ops.stop_gradient(t) for t in cached]
        if self.standardize_targets:
            targets = [
                layer(t, training=training)
                for layer, t in zip(self.target_standardizers, targets)
            ]
        predictions = [adversary(reversed_z) for adversary in self.adversaries]
        return {OUTPUT: output, TARGETS: targets, PREDICTIONS: predictions}

    def base_representations(self, inputs):
        """The frozen base models' representations of `inputs`, one
        `(batch, dim)` tensor per base model, without gradient."""
        return [
            keras.ops.stop_gradient(extractor(inputs, training=False))
            for extractor in self.base_extractors
        ]

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        _require_labels(y)
        if self._compile_loss is None:
            raise ValueError(
                "ComplementaryModel needs a task loss. Pass `loss` to "
                "`compile()`, e.g. keras.losses.SparseCategoricalCrossentropy"
                "(from_logits=True)."
            )
        if _is_training_output(y_pred):
            parts = y_pred
        else:
            parts = self.forward_with_adversaries(x, training=False)
        task_loss = super().compute_loss(
            x=x,
            y=y,
            y_pred=parts[OUTPUT],
            sample_weight=sample_weight,
            training=training,
        )
        distance = _DISTANCES[self.adversarial_loss]
        adversarial_loss = 0.0
        for tracker, target, prediction in zip(
            self.adversary_fit_trackers, parts[TARGETS], parts[PREDICTIONS]
        ):
            term = keras.ops.mean(distance(target, prediction))
            adversarial_loss = adversarial_loss + term
            tracker.update_state(1.0 - term)
        self.adversarial_loss_tracker.update_state(adversarial_loss)
        adversarial_loss = keras.ops.cast(adversarial_loss, task_loss.dtype)
        return task_loss + adversarial_loss

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        _require_labels(y)
        if _is_training_output(y_pred):
            y_pred = y_pred[OUTPUT]
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def get_config(self):
        config = super().get_config()
        serialize = keras.saving.serialize_keras_object
        config.update(
            {
                "base_models": [serialize(m) for m in self.base_models],
                "alliance": serialize(self.alliance),
                "head": serialize_optional(self.head),
                "base_representation": representations.serialize_spec(
                    self.base_representation
                ),
                "adversarial_weight": self.adversarial_weight,
                "adversary": representations.serialize_spec(self.adversary),
                "adversarial_loss": self.adversarial_loss,
                "gradient_reversal_scale": (
                    self.initial_gradient_reversal_scale
                ),
                "standardize_targets": self.standardize_targets,
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = deserialize_sub_models(
            config,
            lists=("base_models",),
            singles=("alliance", "head"),
            custom_objects=custom_objects,
        )
        for key in ("base_representation", "adversary"):
            config[key] = representations.deserialize_spec(
                config.get(key), custom_objects
            )
        return cls(**config)


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


def _is_training_output(y_pred):
    return isinstance(y_pred, dict) and OUTPUT in y_pred
