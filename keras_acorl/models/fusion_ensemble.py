"""`FusionEnsemble`: one Keras model fusing several trained models."""

import keras
import numpy as np

from keras_acorl import argument_checks
from keras_acorl.models import input_checks
from keras_acorl.models import representations
from keras_acorl.models.composite_model import CompositeModel
from keras_acorl.models.composite_model import deserialize_sub_models
from keras_acorl.models.composite_model import freeze
from keras_acorl.models.composite_model import serialize_optional
from keras_acorl.unit_normalize import unit_normalize

METHODS = ("mean_probs", "mean_logits", "weighted_probs", "concat")
MEMBER_OUTPUTS = ("logits", "probs")
LEARN = "learn"
IDENTITY = "identity"


@keras.saving.register_keras_serializable(package="keras_acorl")
class FusionEnsemble(CompositeModel):
    """Fuses several trained models that share an input into one model.

    The members are frozen (`member.trainable = False`, applied to the models
    passed in) and always called with `training=False`, so their weights and
    batch-norm statistics never change. Depending on `method`, the fused
    output is:

    - `"mean_probs"`: the mean of the members' class probabilities (a softmax
      is applied first when `member_outputs="logits"`). Outputs
      probabilities.
    - `"mean_logits"`: the mean of the members' logits. Needs
      `member_outputs="logits"`. Outputs logits.
    - `"weighted_probs"`: a weighted mean of the members' probabilities.
      `weights` is either a list of non-negative floats, one per member
      (normalized to sum to 1), or `"learn"`: a trainable vector of
      `len(members)` logits, initialized to zeros (equal weights), goes
      through a softmax so that the weights stay positive and sum to 1.
      Train it with `fit()`; the members stay frozen. Outputs probabilities.
    - `"concat"`: the members' representations (see
      `member_representations`) are concatenated and passed to the trainable
      `head`. Train it with `fit()`. With the default head the output is
      logits. With `normalize_representations=True`, each member's
      representation is first scaled to unit L2 norm; with
      `head="identity"` there is no head and the model outputs the
      concatenation itself: the usual embedding-level fusion of speaker
      embeddings (`FusionEnsemble(encoders, method="concat",
      normalize_representations=True, head="identity")`), saved and
      exported as one embedding model.

    Compile with `from_logits=False` losses when `output_kind == "probs"`
    (`"mean_probs"`, `"weighted_probs"`), and with `from_logits=True` when
    `output_kind == "logits"` (`"mean_logits"`, `"concat"` with the default
    head). The model has no trainable weights for `"mean_probs"`,
    `"mean_logits"` and fixed `weights`; it has one trainable variable for
    `weights="learn"`, and the head's weights for `"concat"`.

    Members may have layers with the same names (for example two models built
    by the same function); the model is saved and loaded as `.keras` like any
    other Keras model. Each member must be passed once.

    Args:
        members: list of trained `keras.Model`s taking the same input. Unless
            `method="concat"` with a custom `head`, their outputs must have
            the same size (the number of classes), and
            `member_outputs` says whether they are logits or probabilities.
        method: str. How to fuse the members: `"mean_probs"`,
            `"mean_logits"`, `"weighted_probs"` or `"concat"`. Defaults to
            `"mean_probs"`.
        weights: only for `method="weighted_probs"`, where it is required:
            a list of non-negative floats with one entry per member, not all
            zero, normalized to sum to 1; or `"learn"` for trainable weights.
            Defaults to `None`.
        member_outputs: str. What the members output: `"logits"` or
            `"probs"` (probabilities, for example after a softmax layer).
            Defaults to `"logits"`.
        member_representations: only for `method="concat"`. What to
            concatenate from each member: `None` (the member's output), the
            name of a layer of the member, a callable taking the member and
            returning a `keras.Model` or a symbolic tensor computed from
            `member.input`, or a list with one such entry per member.
            Representations of rank 3 to 5 are globally average-pooled to
            `(batch, features)`. Defaults to `None`.
        head: only for `method="concat"`. A `keras.layers.Layer` (or model)
            mapping the concatenated representations `(batch, features)` to
            the output; or `"identity"`: no head, the output is the
            concatenation (no trainable weights, and the members' outputs
            may have different sizes). Defaults to `None`, meaning
            `keras.layers.Dense(num_outputs)` where `num_outputs` is the
            members' output size; it outputs logits.
        normalize_representations: bool, only for `method="concat"`. Scale
            each member's representation to unit L2 norm (per example)
            before concatenating. Defaults to `False`.
        **kwargs: Base `keras.Model` keyword arguments, such as `name`.

    Attributes:
        members: the list of (frozen) member models.
        method: the fusion method.
        member_outputs: `"logits"` or `"probs"`.
        output_kind: `"probs"` when the fused output is probabilities
            (`"mean_probs"`, `"weighted_probs"`), `"features"` for
            `head="identity"`, `"logits"` otherwise.
        head: the trainable head for `method="concat"`, else `None` (also
            for `head="identity"`).
        fusion_logits: the trainable variable of `weights="learn"` (the
            weights are its softmax), else `None`.
        fusion_weights: NumPy array of the current weight of each member
            (equal for the `"mean_*"` methods, the normalized or learnt
            weights for `"weighted_probs"`), `None` for `"concat"`.

    Example:

    ```python
    import keras
    import keras_acorl
    import numpy as np

    def make_member():
        inputs = keras.Input(shape=(8,))
        x = keras.layers.Dense(16, activation="relu", name="hidden")(inputs)
        outputs = keras.layers.Dense(3, name="logits")(x)
        return keras.Model(inputs, outputs)

    x = np.random.normal(size=(64, 8)).astype("float32")
    y = np.random.randint(0, 3, size=(64,))
    members = [make_member(), make_member()]  # Trained models, usually.

    ensemble = keras_acorl.FusionEnsemble(
        members, method="weighted_probs", weights="learn"
    )
    ensemble.compile(
        optimizer=keras.optimizers.Adam(0.05),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=False),
        metrics=["accuracy"],
    )
    ensemble.fit(x, y, epochs=2, verbose=0)
    print(ensemble.fusion_weights)  # Positive, sums to 1.
    probabilities = ensemble.predict(x, verbose=0)  # (64, 3)

    # Embedding-level fusion: concatenated L2-normalized embeddings.
    def make_encoder(dim):
        inputs = keras.Input(shape=(8,))
        return keras.Model(inputs, keras.layers.Dense(dim)(inputs))

    fused = keras_acorl.FusionEnsemble(
        [make_encoder(4), make_encoder(6)],
        method="concat",
        normalize_representations=True,
        head="identity",
    )
    embeddings = fused.predict(x, verbose=0)  # (64, 10)
    ```
    """

    def __init__(
        self,
        members,
        method="mean_probs",
        weights=None,
        member_outputs="logits",
        member_representations=None,
        head=None,
        normalize_representations=False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        members = argument_checks.check_model_list(members, "members")
        argument_checks.check_choice(method, METHODS, "method")
        argument_checks.check_choice(
            member_outputs, MEMBER_OUTPUTS, "member_outputs"
        )
        _check_distinct(members)
        if method == "mean_logits" and member_outputs != "logits":
            raise ValueError(
                "`method='mean_logits'` averages logits and needs "
                "`member_outputs='logits'`. Received "
                f"member_outputs={member_outputs!r}; use "
                "`method='mean_probs'` for members that output probabilities."
            )
        if method != "concat":
            for argument, value in (
                ("member_representations", member_representations),
                ("head", head),
                (
                    "normalize_representations",
                    normalize_representations or None,
                ),
            ):
                if value is not None:
                    raise ValueError(
                        f"`{argument}` is only used with `method='concat'`. "
                        f"Received method={method!r} and {argument}={value!r}"
                    )
        if not isinstance(normalize_representations, bool):
            raise TypeError(
                "`normalize_representations` must be a bool. Received: "
                f"{normalize_representations!r}"
            )
        identity_head = isinstance(head, str) and head == IDENTITY
        if (
            head is not None
            and not identity_head
            and not isinstance(head, keras.layers.Layer)
        ):
            raise TypeError(
                "`head` must be a keras.layers.Layer (or keras.Model), "
                f"'{IDENTITY}' or None. Received: {head!r} of type "
                f"{type(head).__name__}"
            )
        names = [f"members[{i}] ('{m.name}')" for i, m in enumerate(members)]
        argument_checks.check_same_inputs(members, names, "members")
        output_size = None
        if method != "concat" or head is None:
            output_size = _check_same_output_sizes(members, names)

        self.method = method
        self.member_outputs = member_outputs
        self.output_kind = (
            "logits" if method in ("mean_logits", "concat") else "probs"
        )
        if identity_head:
            self.output_kind = "features"
        self.normalize_representations = normalize_representations
        self._identity_head = identity_head
        self._weights_config = None
        self._fixed_weights = None
        self.fusion_logits = None
        if method == "weighted_probs":
            self._weights_config = _check_weights(weights, len(members))
            if self._weights_config == LEARN:
                self.fusion_logits = self.add_weight(
                    shape=(len(members),),
                    initializer="zeros",
                    trainable=True,
                    name="fusion_logits",
                )
            else:
                total = sum(self._weights_config)
                self._fixed_weights = [w / total for w in self._weights_config]
        elif weights is not None:
            raise ValueError(
                "`weights` is only used with `method='weighted_probs'`. "
                f"Received method={method!r} and weights={weights!r}"
            )

        for member in members:
            freeze(member)
        self.members = members

        self.head = None
        self._extractors = None
        self._representations_config = None
        if method == "concat":
            specs = representations.normalize_specs(
                member_representations,
                len(members),
                "member_representations",
            )
            self._representations_config = member_representations
            reference_inputs = _reference_inputs(members)
            if reference_inputs is None:
                raise ValueError(
                    "`members`: `method='concat'` needs at least one member "
                    "with symbolic inputs (a functional or Sequential model "
                    "built on a `keras.Input`); all members are subclassed "
                    "models without symbolic inputs."
                )
            extractors = []
            self._features_size = 0
            for i, (member, spec) in enumerate(zip(members, specs)):
                extractor = representations.build_extractor(
                    member,
                    spec,
                    "member_representations",
                    i,
                    reference_inputs=reference_inputs,
                )
                extractor.trainable = False
                extractors.append(extractor)
                self._features_size += representations.representation_dim(
                    extractor, "member_representations", i
                )
            self._extractors = extractors
            if identity_head:
                head = None
            elif head is None:
                head = keras.layers.Dense(output_size, name="fusion_head")
            self.head = head

        input_shape = _input_shape(members)
        if input_shape is not None:
            self.build(input_shape)

    @property
    def fusion_weights(self):
        if self.method == "concat":
            return None
        if self.fusion_logits is not None:
            weights = keras.ops.softmax(self.fusion_logits, axis=0)
            return keras.ops.convert_to_numpy(weights).astype("float32")
        if self._fixed_weights is not None:
            return np.asarray(self._fixed_weights, dtype="float32")
        count = len(self.members)
        return np.full((count,), 1.0 / count, dtype="float32")

    def export_inputs(self):
        return _reference_inputs(self.members)

    def check_first_batch(self, x):
        if self.member_outputs == "probs" and self.method != "concat":
            input_checks.check_member_probabilities(self.members, x)

    def build(self, input_shape):
        if self.head is not None and not self.head.built:
            self.head.build((None, self._features_size))
        self.built = True

    def compute_output_shape(self, input_shape):
        # Without it, Keras traces `call` to infer shapes, which fails on
        # JAX for members with strided convolutions over a dynamic axis.
        if self.method != "concat":
            return self.members[0].compute_output_shape(input_shape)
        features_shape = (input_shape[0], self._features_size)
        if self.head is None:
            return features_shape
        return self.head.compute_output_shape(features_shape)

    def call(self, inputs, training=None):
        if self.method == "concat":
            features = [
                extractor(inputs, training=False)
                for extractor in self._extractors
            ]
            if self.normalize_representations:
                features = [
                    unit_normalize(f, epsilon=keras.config.epsilon())
                    for f in features
                ]
            features = keras.ops.concatenate(features, axis=-1)
            if self.head is None:
                return features
            return self.head(features, training=training)

        outputs = [member(inputs, training=False) for member in self.members]
        dtype = keras.backend.result_type(*[o.dtype for o in outputs])
        outputs = [keras.ops.cast(o, dtype) for o in outputs]
        if self.method == "mean_logits":
            return keras.ops.mean(keras.ops.stack(outputs, axis=0), axis=0)
        if self.member_outputs == "logits":
            outputs = [keras.ops.softmax(o, axis=-1) for o in outputs]
        stacked = keras.ops.stack(outputs, axis=0)
        if self.method == "mean_probs":
            return keras.ops.mean(stacked, axis=0)
        if self.fusion_logits is not None:
            weights = keras.ops.softmax(
                keras.ops.cast(self.fusion_logits, stacked.dtype), axis=0
            )
        else:
            weights = keras.ops.convert_to_tensor(
                self._fixed_weights, dtype=stacked.dtype
            )
        return keras.ops.tensordot(weights, stacked, axes=1)

    def get_config(self):
        config = super().get_config()
        representations_config = representations.serialize_spec(
            self._representations_config
        )
        weights = self._weights_config
        if isinstance(weights, (list, tuple)):
            weights = [float(w) for w in weights]
        config.update(
            {
                "members": [
                    keras.saving.serialize_keras_object(m) for m in self.members
                ],
                "method": self.method,
                "weights": weights,
                "member_outputs": self.member_outputs,
                "member_representations": representations_config,
                "head": (
                    IDENTITY
                    if self._identity_head
                    else serialize_optional(self.head)
                ),
                "normalize_representations": self.normalize_representations,
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        identity_head = config.get("head") == IDENTITY
        config = deserialize_sub_models(
            config,
            lists=("members",),
            singles=() if identity_head else ("head",),
            custom_objects=custom_objects,
        )
        config["member_representations"] = representations.deserialize_spec(
            config.get("member_representations"), custom_objects
        )
        return cls(**config)


def _check_distinct(members):
    seen = {}
    for i, member in enumerate(members):
        if id(member) in seen:
            raise ValueError(
                f"`members`: members[{seen[id(member)]}] and members[{i}] are "
                f"the same model object ('{member.name}'). Pass each model "
                "once (a copy can be made with "
                "`keras.models.clone_model` and `set_weights`)."
            )
        seen[id(member)] = i


def _check_same_output_sizes(members, names):
    """Returns the common last-axis size of the members' outputs (None when
    no member has a known symbolic output)."""
    sizes = []
    for member, name in zip(members, names):
        outputs = getattr(member, "outputs", None)
        if not outputs:
            continue
        if len(outputs) != 1:
            raise ValueError(
                f"`members`: {name} has {len(outputs)} outputs; each member "
                "must have a single output."
            )
        sizes.append((name, outputs[0].shape[-1]))
    known = {size for _, size in sizes}
    if len(known) > 1:
        described = ", ".join(f"{name}: {size}" for name, size in sizes)
        raise ValueError(
            "`members` must all have the same output size (number of "
            f"classes). Received output sizes {described}."
        )
    return sizes[0][1] if sizes else None


def _check_weights(weights, count):
    if weights is None:
        raise ValueError(
            "`weights` is required with `method='weighted_probs'`: a list of "
            f"{count} non-negative floats (one per member) or 'learn'."
        )
    if isinstance(weights, str):
        if weights != LEARN:
            raise ValueError(
                "`weights` must be a list of non-negative floats or 'learn'. "
                f"Received: {weights!r}"
            )
        return weights
    if isinstance(weights, np.ndarray):
        weights = weights.tolist()
    if isinstance(weights, (list, tuple)):
        weights = [
            w.item() if isinstance(w, np.generic) else w for w in weights
        ]
    if not isinstance(weights, (list, tuple)):
        raise TypeError(
            "`weights` must be a list of non-negative floats or 'learn'. "
            f"Received: {weights!r} of type {type(weights).__name__}"
        )
    if len(weights) != count:
        raise ValueError(
            f"`weights` must have one entry per member ({count}). Received "
            f"{len(weights)} entries: {weights!r}"
        )
    weights = [
        argument_checks.check_non_negative(w, f"weights[{i}]")
        for i, w in enumerate(weights)
    ]
    if sum(weights) <= 0:
        raise ValueError(
            f"`weights` must not all be zero. Received: {weights!r}"
        )
    return weights


def _reference_inputs(members):
    """The symbolic inputs of the first member that has some, else None."""
    for member in members:
        if getattr(member, "inputs", None):
            return representations.model_input(member)
    return None


def _input_shape(members):
    """The members' input shape structure, or None when no member has
    symbolic inputs."""
    for member in members:
        if getattr(member, "inputs", None):
            return keras.tree.map_structure(
                lambda tensor: tuple(tensor.shape),
                representations.model_input(member),
            )
    return None
