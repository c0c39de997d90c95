import keras

from keras_acorl import argument_checks
from keras_acorl import keras_compat
from keras_acorl.layers.adaptive_pool_align import AdaptivePoolAlign
from keras_acorl.layers.discriminator import Discriminator
from keras_acorl.layers.gradient_reversal import GradientReversal
from keras_acorl.losses.similarity_losses import SIMILARITIES
from keras_acorl.models import representations
from keras_acorl.models.cached_inputs import split_cached
from keras_acorl.models.export import InferredSignatureExport
from keras_acorl.models.freezing import freeze
from keras_acorl.models.serialization import deserialize_sub_models

# Keys of the structure `call(..., training=True)` returns.
OUTPUT = "meal_output"
STUDENT = "meal_student"
TEACHER = "meal_teacher"
DRAWN = "meal_drawn_teacher"
# Key of precomputed teacher outputs (see `keras_acorl.data`).
TEACHER_OUTPUTS = "teacher_outputs"

TEACHER_MODES = ("random", "mean")
ADVERSARIAL_MODES = ("joint", "grl", "alternating", "none")
DISCRIMINATOR_PREFIX = "meal_discriminator_"
DISCRIMINATOR_PATHS = DISCRIMINATOR_PREFIX + r"\d+/.*"


@keras.saving.register_keras_serializable(package="keras_acorl")
class MEALDistiller(InferredSignatureExport, keras.Model):
    """Distils an ensemble of teachers of any architecture into one student.

    MEAL (Shen et al., AAAI 2019) and MEAL V2 (Shen and Savvides, 2020).
    The student matches the teachers at one or more taps: intermediate block
    outputs, aligned to vectors of `align_dim` by the parameter-free
    `keras_acorl.layers.AdaptivePoolAlign`, and always the final logits last.
    The loss per step is

    `sum_j gamma_j * similarity(student_j, teacher_j)
     + sum_j eta_j * BCE(discriminator_j([student_j; teacher_j]))`

    where discriminator `j` (`keras_acorl.layers.Discriminator`) learns to
    tell student (class 0) from teacher (class 1) vectors. Teachers are
    frozen and always run with `training=False`; no hard labels are needed
    (`label_weight=0`, as MEAL): `fit(x)` works.

    Teachers (`teacher_mode`):
    - `"random"` (MEAL): one teacher drawn per step with a seeded Keras RNG
      (works under jit); only the drawn teacher runs (`keras.ops.switch`),
      so a step costs one teacher forward pass whatever their number.
      Evaluation uses the teachers' mean.
    - `"mean"` (MEAL V2): every teacher runs; the similarity target is the
      mean of the teachers' softmaxes, the discriminator sees the mean
      teacher vector.

    Adversarial part (`adversarial_mode`):
    - `"joint"` (the reference code): one loss, one step; the student also
      lowers the discriminator loss (it cooperates).
    - `"grl"`: the student sees the discriminator through a
      `GradientReversal` layer, so it maximises the discriminator's loss.
    - `"alternating"`: a discriminator step, then a student step, in one
      training step. Phase 1: the discriminator optimizer's update on
      detached student vectors gives the new discriminator weights.
      Phase 2: the student minimises the non-saturating "look like the
      teacher" loss `-log D'(student)` against those updated weights
      `D'`. One combined optimizer update applies both: the
      discriminators end at exactly `D'` and the student's step is the one
      it would take after the discriminator's (checked in the tests).
    - `"none"`: no discriminators (the ablation).

    The student and the discriminators get separate optimizers
    (`compile(optimizer=..., discriminator_optimizer=...)`, combined with
    `keras.optimizers.MultiOptimizer`): the discriminators' learning rate is
    never silently tied to the student's.

    Teacher outputs can be computed once with
    `keras_acorl.data.precompute_teacher_outputs` (for data without random
    augmentation); training then runs no teacher at all.

    Logged: `similarity_loss`, `discriminator_loss`,
    `discriminator_accuracy` (near 1.0: the discriminator wins; stuck at
    0.5 with a loss of ln 2: it is dead), the compiled metrics of the
    student when labels are given, and in `"random"` mode
    `teacher_<k>_draw_rate`.

    Args:
        teachers: list of trained `keras.Model`s (any architectures, same
            input, same output size as the student). Frozen here.
        student: `keras.Model` to train; it outputs logits.
        teacher_mode: `"random"` or `"mean"`. Defaults to `"random"`.
        taps: None (logits only) or a list of `(student_layer,
            teacher_layer)` pairs naming intermediate layers by name or
            index; `teacher_layer` may be a list with one entry per teacher.
            The logits are always the last tap. Defaults to None.
        similarity: `"soft_ce"`, `"kl"`, `"l1"`, `"l2"`, `"l1_soft"` or
            `"l2_soft"`. Defaults to `"soft_ce"`.
        temperature: float > 0 for the softmaxes (soft losses are scaled by
            `temperature**2`). Defaults to `1.0`.
        gamma: list of floats, one similarity weight per tap (logits last),
            or None for all ones.
        eta: list of floats, one discriminator weight per tap, or None for
            all ones.
        adversarial_mode: `"joint"`, `"grl"`, `"alternating"` or `"none"`.
            Defaults to `"joint"`.
        align_dim: int. Length of aligned intermediate tap vectors.
            Defaults to `64`.
        discriminator_reduction: int. Width divisor of the discriminators.
            Defaults to `2` (MEAL's d/2, d/4).
        discriminator_final_relu: bool. The reference code's ReLU on the
            discriminator logits. Defaults to False.
        label_weight: float >= 0. Weight of the compiled loss on hard
            labels. `0` (MEAL) trains from `x` alone. Defaults to `0.0`.
        seed: int or None. Seed of the teacher draw.
        **kwargs: `keras.Model` keyword arguments, such as `name`.

    Attributes:
        student: the bare student, to save or export.
        teachers: the frozen teachers.
        discriminators: one per tap (empty with `adversarial_mode="none"`).

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    def mlp(width, name):
        inputs = keras.Input(shape=(20,))
        hidden = keras.layers.Dense(width, activation="relu")(inputs)
        return keras.Model(inputs, keras.layers.Dense(4)(hidden), name=name)

    teachers = [mlp(64, "t0"), mlp(32, "t1"), mlp(48, "t2")]
    distiller = keras_acorl.MEALDistiller(teachers, mlp(8, "student"))
    distiller.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        discriminator_optimizer=keras.optimizers.Adam(1e-4),
    )
    x = np.random.rand(256, 20).astype("float32")
    distiller.fit(x, epochs=1, verbose=0)  # No labels needed.
    distiller.student.predict(x, verbose=0).shape  # (256, 4)
    ```
    """

    def __init__(
        self,
        teachers,
        student,
        teacher_mode="random",
        taps=None,
        similarity="soft_ce",
        temperature=1.0,
        gamma=None,
        eta=None,
        adversarial_mode="joint",
        align_dim=64,
        discriminator_reduction=2,
        discriminator_final_relu=False,
        label_weight=0.0,
        seed=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        teachers = argument_checks.check_model_list(teachers, "teachers")
        argument_checks.check_model(student, "student")
        names = ["`student`"] + [f"teachers[{i}]" for i in range(len(teachers))]
        argument_checks.check_same_inputs(
            [student, *teachers], names, "teachers"
        )
        _check_output_sizes(student, teachers)
        self.teacher_mode = argument_checks.check_choice(
            teacher_mode, TEACHER_MODES, "teacher_mode"
        )
        self.similarity = argument_checks.check_choice(
            similarity, SIMILARITIES, "similarity"
        )
        self.adversarial_mode = argument_checks.check_choice(
            adversarial_mode, ADVERSARIAL_MODES, "adversarial_mode"
        )
        self.temperature = argument_checks.check_non_negative(
            temperature, "temperature"
        )
        if self.temperature == 0:
            raise ValueError(
                f"`temperature` must be > 0. Received: {temperature}"
            )
        self.label_weight = argument_checks.check_non_negative(
            label_weight, "label_weight"
        )
        if isinstance(align_dim, bool) or not isinstance(align_dim, int):
            raise TypeError(
                f"`align_dim` must be an int. Received: {align_dim!r}"
            )
        self.align_dim = align_dim
        self.discriminator_reduction = discriminator_reduction
        self.discriminator_final_relu = discriminator_final_relu
        self.seed = seed

        self.taps = _normalize_taps(taps, len(teachers))
        num_taps = len(self.taps) + 1
        self.gamma = _check_weights(gamma, num_taps, "gamma")
        self.eta = _check_weights(eta, num_taps, "eta")

        self.teachers = teachers
        for teacher in teachers:
            freeze(teacher)
        self.student = student
        self.student_taps = _tap_extractor(
            student, [s for s, _ in self.taps], align_dim, "student"
        )
        self.teacher_taps = [
            _tap_extractor(
                teacher,
                [t[k] for _, t in self.taps],
                align_dim,
                f"teachers[{k}]",
            )
            for k, teacher in enumerate(teachers)
        ]
        self.discriminators = []
        if self.adversarial_mode != "none":
            dims = [int(t.shape[-1]) for t in self.student_taps.outputs]
            for j, dim in enumerate(dims):
                layer = Discriminator(
                    discriminator_reduction,
                    final_relu=discriminator_final_relu,
                    name=f"{DISCRIMINATOR_PREFIX}{j}",
                )
                layer.build((None, dim))
                self.discriminators.append(layer)
        self.gradient_reversal = GradientReversal(name="student_reversal")
        self.seed_generator = keras.random.SeedGenerator(seed)

        self.similarity_tracker = keras.metrics.Mean(name="similarity_loss")
        if self.discriminators:
            self.discriminator_loss_tracker = keras.metrics.Mean(
                name="discriminator_loss"
            )
            self.discriminator_accuracy_tracker = keras.metrics.Mean(
                name="discriminator_accuracy"
            )
        self.draw_trackers = []
        if self.teacher_mode == "random" and len(teachers) > 1:
            self.draw_trackers = [
                keras.metrics.Mean(name=f"teacher_{k}_draw_rate")
                for k in range(len(teachers))
            ]
        self.built = True

    def export_inputs(self):
        return getattr(self.student, "inputs", None) and self.student.input

    def compile(
        self, optimizer="rmsprop", discriminator_optimizer=None, **kwargs
    ):
        """Configures training.

        Args:
            optimizer: the student's optimizer.
            discriminator_optimizer: the discriminators' optimizer. None: a
                separate copy of `optimizer` (its own state, the same
                hyperparameters). Must not be the same object as
                `optimizer`.
            **kwargs: `keras.Model.compile` arguments (`loss` and `metrics`
                apply to the student's logits and hard labels).
        """
        optimizer = keras.optimizers.get(optimizer)
        if self.discriminators and not isinstance(
            optimizer, keras.optimizers.MultiOptimizer
        ):
            if discriminator_optimizer is None:
                discriminator_optimizer = optimizer.__class__.from_config(
                    optimizer.get_config()
                )
            discriminator_optimizer = keras.optimizers.get(
                discriminator_optimizer
            )
            if discriminator_optimizer is optimizer:
                raise ValueError(
                    "`discriminator_optimizer` must be a different optimizer "
                    "object from `optimizer` (separate state and learning "
                    "rate)."
                )
            optimizer = keras.optimizers.MultiOptimizer(
                keras.optimizers.OptimizerMap(
                    default_optimizer=optimizer,
                    optimizer_map={
                        DISCRIMINATOR_PATHS: discriminator_optimizer
                    },
                )
            )
        super().compile(optimizer=optimizer, **kwargs)
        if self.adversarial_mode == "alternating":
            # The discriminator look-ahead needs the optimizer's state from
            # the first step on (TensorFlow builds it lazily otherwise).
            self.optimizer.build(self.trainable_variables)

    def compile_from_config(self, config):
        # The saved optimizer is already the student/discriminator
        # `MultiOptimizer`, which `compile` keeps as is.
        config = keras.saving.deserialize_keras_object(config)
        self.compile(**config)
        if self.built:
            self.optimizer.build(self.trainable_variables)

    def call(self, inputs, training=None):
        inputs, teacher_outputs = split_inputs(inputs)
        if not training:
            return self.student(inputs, training=training)
        return self.forward_with_teachers(
            inputs, teacher_outputs, training=True
        )

    def forward_with_teachers(
        self, inputs, teacher_outputs=None, training=False
    ):
        """Student taps (logits last) and teacher stacks per tap.

        Returns a dict: `"meal_output"` (student logits), `"meal_student"`
        (one `(batch, dim)` tensor per tap) and `"meal_teacher"` (one
        `(batch, k, dim)` tensor per tap: `k = 1` for the drawn teacher in
        `"random"` training, else every teacher).
        """
        student = _as_list(self.student_taps(inputs, training=training))
        draw = training and self.teacher_mode == "random"
        index = None
        if teacher_outputs is not None:
            stacks = [keras.ops.stop_gradient(t) for t in teacher_outputs]
            if draw:
                index = self._draw_teacher()
                stacks = [
                    keras.ops.take(t, keras.ops.reshape(index, (1,)), axis=1)
                    for t in stacks
                ]
        elif draw:
            index = self._draw_teacher()
            branches = [
                _teacher_branch(extractor) for extractor in self.teacher_taps
            ]
            taps = keras.ops.switch(index, branches, inputs)
            stacks = [
                keras.ops.expand_dims(keras.ops.stop_gradient(t), 1)
                for t in _as_list(taps)
            ]
        else:
            stacks = self.teacher_outputs(inputs)
        parts = {OUTPUT: student[-1], STUDENT: student, TEACHER: stacks}
        if index is not None:
            parts[DRAWN] = index
        return parts

    def teacher_outputs(self, inputs):
        """Every teacher's aligned taps: one `(batch, num_teachers, dim)`
        tensor per tap (logits last), without gradient."""
        per_teacher = [
            _as_list(extractor(inputs, training=False))
            for extractor in self.teacher_taps
        ]
        return [
            keras.ops.stop_gradient(keras.ops.stack(list(taps), axis=1))
            for taps in zip(*per_teacher)
        ]

    def _draw_teacher(self):
        return keras.random.randint(
            (), 0, len(self.teachers), seed=self.seed_generator
        )

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        if isinstance(y_pred, dict) and OUTPUT in y_pred:
            parts = y_pred
        else:
            inputs, teacher_outputs = split_inputs(x)
            parts = self.forward_with_teachers(inputs, teacher_outputs)
        if DRAWN in parts:
            for k, tracker in enumerate(self.draw_trackers):
                drawn = keras.ops.equal(parts[DRAWN], k)
                tracker.update_state(keras.ops.cast(drawn, "float32"))
        similarity_fn = SIMILARITIES[self.similarity]
        similarity = 0.0
        teacher_vectors = []
        for gamma, student, stack in zip(
            self.gamma, parts[STUDENT], parts[TEACHER]
        ):
            stack = keras.ops.cast(stack, student.dtype)
            teacher = keras.ops.mean(stack, axis=1)
            probs = keras.ops.mean(
                keras.ops.softmax(stack / self.temperature, axis=-1), axis=1
            )
            teacher_vectors.append(teacher)
            similarity = similarity + gamma * similarity_fn(
                student, teacher, probs, self.temperature
            )
        self.similarity_tracker.update_state(similarity)
        total = similarity
        if self.discriminators:
            total = total + self._adversarial_loss(
                parts[STUDENT], teacher_vectors, training=training
            )
        if self.label_weight > 0:
            if y is None:
                raise ValueError(
                    f"MEALDistiller has label_weight={self.label_weight} but "
                    "received no labels `y`. Pass `fit(x, y)` or set "
                    "label_weight=0 to train from the teachers alone."
                )
            if self._compile_loss is None:
                raise ValueError(
                    "MEALDistiller has label_weight > 0 but no `loss` was "
                    "passed to `compile()`."
                )
            task = self._compile_loss(y, parts[OUTPUT], sample_weight)
            total = total + self.label_weight * task
        # Layer regularization losses: once, unscaled, whatever label_weight.
        for loss in self.losses:
            total = total + keras.ops.sum(keras.ops.cast(loss, "float32"))
        return total

    def _adversarial_loss(self, students, teachers, training=True):
        total, accuracy = 0.0, 0.0
        fool_total = 0.0
        if self.adversarial_mode == "alternating":
            stepped = training and self._discriminator_step(students, teachers)
        for j, (eta, layer, student, teacher) in enumerate(
            zip(self.eta, self.discriminators, students, teachers)
        ):
            if self.adversarial_mode == "grl":
                seen = self.gradient_reversal(student)
            elif self.adversarial_mode == "alternating":
                seen = keras.ops.stop_gradient(student)
            else:
                seen = student
            logits, labels = _discriminate(layer, seen, teacher)
            total = total + eta * _binary_cross_entropy(labels, logits)
            predicted = keras.ops.argmax(logits, axis=-1)
            accuracy = accuracy + keras.ops.mean(
                keras.ops.cast(keras.ops.equal(predicted, labels), "float32")
            )
            if self.adversarial_mode == "alternating":
                weights = (
                    stepped[j]
                    if stepped
                    else [
                        keras.ops.stop_gradient(v)
                        for v in layer.trainable_variables
                    ]
                )
                fooled, _ = layer.stateless_call(weights, [], student)
                looks_like_teacher = keras.ops.ones(
                    (keras.ops.shape(student)[0],), "int32"
                )
                fool_total = fool_total + eta * _binary_cross_entropy(
                    looks_like_teacher, fooled
                )
        self.discriminator_loss_tracker.update_state(total)
        self.discriminator_accuracy_tracker.update_state(
            accuracy / len(self.discriminators)
        )
        return total + fool_total

    def compute_loss_and_updates(
        self, *args, optimizer_variables=None, **kwargs
    ):
        # Called by the JAX trainer only: the optimizer state arrives as
        # arguments; `_discriminator_step` needs it (see
        # `keras_compat.look_ahead`).
        object.__setattr__(self, "_step_optimizer_values", optimizer_variables)
        try:
            return super().compute_loss_and_updates(
                *args, optimizer_variables=optimizer_variables, **kwargs
            )
        finally:
            object.__setattr__(self, "_step_optimizer_values", None)

    def _discriminator_step(self, students, teachers):
        """Phase 1 of `"alternating"`: every discriminator's weights after
        one step of the discriminator optimizer on this batch, as constants
        (a list per discriminator), or None when no optimizer is built."""
        optimizer = getattr(self, "optimizer", None)
        if optimizer is None or not optimizer.built:
            return None
        owned = {
            id(v): j
            for j, layer in enumerate(self.discriminators)
            for v in layer.trainable_variables
        }
        # The variables in the order the optimizer was built with.
        variables = [v for v in self.trainable_variables if id(v) in owned]
        if isinstance(optimizer, keras.optimizers.MultiOptimizer):
            optimizer = optimizer._optimizer_map(variables[0])
        position = {id(v): i for i, v in enumerate(variables)}
        students = [keras.ops.stop_gradient(s) for s in students]

        def layer_values(values, layer):
            return [values[position[id(v)]] for v in layer.trainable_variables]

        def discriminator_loss(values):
            total = 0.0
            for eta, layer, student, teacher in zip(
                self.eta, self.discriminators, students, teachers
            ):
                logits, labels = _discriminate(
                    layer, student, teacher, layer_values(values, layer)
                )
                total = total + eta * _binary_cross_entropy(labels, logits)
            return total

        grads = keras_compat.gradients(
            discriminator_loss, [v.value for v in variables]
        )
        stepped = keras_compat.look_ahead(self, optimizer, grads, variables)
        return [layer_values(stepped, layer) for layer in self.discriminators]

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if isinstance(y_pred, dict) and OUTPUT in y_pred:
            y_pred = y_pred[OUTPUT]
        if y is None:
            return self.get_metrics_result()
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def get_metrics_result(self):
        # After a label-free fit the compiled metrics never saw labels:
        # report only what was measured, not stale zeros or an error.
        results = {}
        for metric in self.metrics:
            if metric is self._compile_metrics and not metric.built:
                continue
            result = metric.result()
            if isinstance(result, dict):
                results.update(result)
            else:
                results[metric.name] = result
        return results

    def get_config(self):
        config = super().get_config()
        serialize = keras.saving.serialize_keras_object
        config.update(
            {
                "teachers": [serialize(t) for t in self.teachers],
                "student": serialize(self.student),
                "teacher_mode": self.teacher_mode,
                "taps": [[s, list(t)] for s, t in self.taps] or None,
                "similarity": self.similarity,
                "temperature": self.temperature,
                "gamma": list(self.gamma),
                "eta": list(self.eta),
                "adversarial_mode": self.adversarial_mode,
                "align_dim": self.align_dim,
                "discriminator_reduction": self.discriminator_reduction,
                "discriminator_final_relu": self.discriminator_final_relu,
                "label_weight": self.label_weight,
                "seed": self.seed,
            }
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = deserialize_sub_models(
            config,
            lists=("teachers",),
            singles=("student",),
            custom_objects=custom_objects,
        )
        return cls(**config)


def split_inputs(inputs):
    """`(inputs, teacher_outputs or None)` from plain or precomputed
    inputs."""
    return split_cached(inputs, TEACHER_OUTPUTS)


def _teacher_branch(extractor):
    def branch(inputs):
        return tuple(_as_list(extractor(inputs, training=False)))

    return branch


def _as_list(outputs):
    return list(outputs) if isinstance(outputs, (list, tuple)) else [outputs]


def _discriminate(layer, student, teacher, weights=None):
    """Discriminator logits on `[student; teacher]` and their labels
    (student 0, teacher 1), with the layer's weights or `weights`."""
    batch = keras.ops.shape(student)[0]
    both = keras.ops.concatenate([student, teacher], axis=0)
    if weights is None:
        logits = layer(both)
    else:
        logits, _ = layer.stateless_call(weights, [], both)
    labels = keras.ops.concatenate(
        [
            keras.ops.zeros((batch,), "int32"),
            keras.ops.ones((keras.ops.shape(teacher)[0],), "int32"),
        ]
    )
    return logits, labels


def _binary_cross_entropy(labels, logits):
    """MEAL's discriminator loss: BCE of the two logits against one-hot
    targets (student `[1, 0]`, teacher `[0, 1]`)."""
    targets = keras.ops.one_hot(labels, 2, dtype=logits.dtype)
    return keras.ops.mean(
        keras.ops.binary_crossentropy(targets, logits, from_logits=True)
    )


def _check_output_sizes(student, teachers):
    def size(model):
        try:
            return model.output.shape[-1]
        except (AttributeError, ValueError):
            return None

    student_size = size(student)
    for k, teacher in enumerate(teachers):
        teacher_size = size(teacher)
        if None not in (student_size, teacher_size) and (
            teacher_size != student_size
        ):
            raise ValueError(
                f"`teachers`: teachers[{k}] ('{teacher.name}') outputs "
                f"{teacher_size} logits but the student outputs "
                f"{student_size}. Teachers and student must predict the same "
                "classes."
            )


def _normalize_taps(taps, num_teachers):
    if taps is None:
        return []
    if not isinstance(taps, (list, tuple)):
        raise TypeError(
            "`taps` must be None or a list of (student_layer, teacher_layer) "
            f"pairs. Received: {taps!r}"
        )
    normalized = []
    for i, pair in enumerate(taps):
        if not isinstance(pair, (list, tuple)) or len(pair) != 2:
            raise ValueError(
                f"`taps[{i}]` must be a (student_layer, teacher_layer) pair. "
                f"Received: {pair!r}"
            )
        student_spec, teacher_spec = pair
        if isinstance(teacher_spec, (list, tuple)):
            if len(teacher_spec) != num_teachers:
                raise ValueError(
                    f"`taps[{i}]` lists {len(teacher_spec)} teacher layers for "
                    f"{num_teachers} teachers; give one per teacher."
                )
            teacher_spec = tuple(teacher_spec)
        else:
            teacher_spec = (teacher_spec,) * num_teachers
        normalized.append((student_spec, teacher_spec))
    return normalized


def _check_weights(weights, count, argument):
    if weights is None:
        return [1.0] * count
    if not isinstance(weights, (list, tuple)) or len(weights) != count:
        raise ValueError(
            f"`{argument}` must be a list of {count} floats, one per tap "
            f"(intermediate taps, then the logits). Received: {weights!r}"
        )
    return [
        argument_checks.check_non_negative(w, f"{argument}[{i}]")
        for i, w in enumerate(weights)
    ]


def _tap_extractor(model, specs, align_dim, argument):
    """`keras.Model`: inputs -> [aligned tap vectors..., logits]."""
    if not specs:
        if not getattr(model, "inputs", None):
            return model
        return keras.Model(model.input, [model.output])
    if not getattr(model, "inputs", None):
        raise ValueError(
            f"`taps` need `{argument}` to be a functional or Sequential model "
            f"with an input. Received '{model.name}' without symbolic inputs."
        )
    outputs = []
    for j, spec in enumerate(specs):
        tensor = representations.layer_output(model, spec, "taps", argument)
        outputs.append(AdaptivePoolAlign(align_dim, name=f"align_{j}")(tensor))
    outputs.append(model.output)
    return keras.Model(model.input, outputs, name=f"{model.name}_taps")
