import math
import numbers

import keras
import numpy as np

from keras_acorl import argument_checks
from keras_acorl import keras_compat
from keras_acorl.layers.adaptive_pool_align import AdaptivePoolAlign
from keras_acorl.layers.discriminator import Discriminator
from keras_acorl.layers.gradient_reversal import GradientReversal
from keras_acorl.losses.similarity_losses import SIMILARITIES
from keras_acorl.models import representations
from keras_acorl.models.composite_model import CompositeModel
from keras_acorl.models.composite_model import freeze
from keras_acorl.models.composite_model import split_cached

# Key of precomputed teacher outputs (see `MEALDistiller.precompute`).
TEACHER_OUTPUTS = "teacher_outputs"

TEACHER_MODES = ("random", "mean")
ADVERSARIAL_MODES = ("joint", "grl", "alternating", "none")
DISCRIMINATOR_PREFIX = "meal_discriminator_"
DISCRIMINATOR_PATHS = DISCRIMINATOR_PREFIX + r"\d+/.*"


@keras.saving.register_keras_serializable(package="keras_acorl")
class MEALDistiller(keras_compat.RecordsStepOptimizerState, CompositeModel):
    """Distils an ensemble of teachers of any architecture into one student.

    MEAL (Shen et al., AAAI 2019) and MEAL V2 (Shen and Savvides, 2020).
    The student matches the teachers at one or more taps: intermediate block
    outputs, aligned to vectors of `align_dim` by the parameter-free
    `keras_acorl.layers.AdaptivePoolAlign`, and always the final logits last.
    The loss per step is

    `sum_j gamma_j * similarity(student_j, teacher_j)
     + sum_j eta_j * BCE(discriminator_j([student_j; teacher_j]))
     + label_weight * loss(y, student_logits) + regularization losses`

    where discriminator `j` (`keras_acorl.layers.Discriminator`) learns to
    tell student (class 0) from teacher (class 1) vectors. Teachers are
    frozen and always run with `training=False`; no hard labels are needed
    (`label_weight=0`, as MEAL): `fit(x)` works.

    As `keras.distillation.Distiller`, calling the distiller returns the
    student's logits in every mode (`distiller(x, training=True)` too);
    teachers and discriminators run in `compute_loss`, so `evaluate` and
    `predict` run the student once per batch and Keras' own `train_step`
    trains on every backend.

    Recipes (`MEALDistiller.from_recipe(name, teachers, student,
    **overrides)`; the constructor's defaults are `"soft_mean"`):

    | recipe | teacher_mode | adversarial_mode | temperature | label_weight |
    |---|---|---|---|---|
    | `"soft_mean"` (default) | `"mean"` | `"none"` | 4 | 0 |
    | `"kd"` (Hinton et al. 2015) | `"mean"` | `"none"` | 1 | 1 |
    | `"meal_v1"` (faithful) | `"random"` | `"joint"` | 1 | 0 |
    | `"meal_v2"` (faithful) | `"mean"` | `"joint"` | 1 | 0 |

    `"soft_mean"` matches the mean of the teachers' softmaxes at
    temperature 4, without labels and without discriminators: it won the
    sweep of `benchmarks/meal_recipes.py` (README, "MEAL"): on cluttered
    MNIST-5k, +1.0 point over the same student trained on labels for the
    same epochs (3 seeds), where the faithful recipes gained 0.0 to 0.4
    and the discriminators never helped. `"kd"` adds the hard labels
    (compile a `loss`, fit on `(x, y)`). MEAL V2 also starts the student
    from pre-trained weights: load them into `student` first. Best
    measured: train the student on labels, then distil it with
    `"soft_mean"` (+1.7 points over the student trained on labels for the
    same total epochs, 56% of the gap to the teachers' ensemble);
    `"meal_v1"` was +0.8 at the same 30 epochs.

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
      Phase 1 needs the optimizer's state inside the step, which the JAX
      trainer only hands to an internal method: that one use of Keras
      internals lives in `keras_acorl.keras_compat`.
    - `"none"`: no discriminators (the ablation).

    The student and the discriminators get separate optimizers
    (`compile(optimizer=..., discriminator_optimizer=...)`, combined with
    `keras.optimizers.MultiOptimizer`): the discriminators' learning rate is
    never silently tied to the student's.

    `temperature`, `gamma`, `eta` and `label_weight` are held in
    non-trainable variables: setting the attribute (between fits, or from a
    callback during one) changes the loss of the next step on every
    backend, with no retracing.

    Teacher outputs can be computed once with `precompute(x)` (for data
    without random augmentation); training on its result runs no teacher.

    Logged: `similarity_loss`, `discriminator_loss`,
    `discriminator_accuracy` (near 1.0: the discriminator wins; stuck at
    0.5 with a loss of ln 2: it is dead), the compiled metrics of the
    student when labels are given, and in `"random"` mode
    `teacher_<k>_draw_rate`.

    Args:
        teachers: list of trained `keras.Model`s (any architectures, same
            input, same output size as the student). Frozen here.
        student: `keras.Model` to train; it outputs logits.
        teacher_mode: `"random"` or `"mean"`. Defaults to `"mean"`.
        taps: None (logits only) or a list of `(student_layer,
            teacher_layer)` pairs naming intermediate layers by name or
            index; `teacher_layer` may be a list with one entry per teacher.
            The logits are always the last tap. Defaults to None.
        similarity: `"soft_ce"`, `"kl"`, `"l1"`, `"l2"`, `"l1_soft"` or
            `"l2_soft"`. Defaults to `"soft_ce"`.
        temperature: real number > 0 for the softmaxes (soft losses are
            scaled by `temperature**2`). Defaults to `4.0`.
        gamma: list of real numbers >= 0, one similarity weight per tap
            (logits last), or None for all ones.
        eta: list of real numbers >= 0, one discriminator weight per tap, or
            None for all ones.
        adversarial_mode: `"joint"`, `"grl"`, `"alternating"` or `"none"`.
            Defaults to `"none"`.
        align_dim: positive int. Length of aligned intermediate tap vectors.
            Defaults to `64`.
        discriminator_reduction: positive int. Width divisor of the
            discriminators. Defaults to `2` (MEAL's d/2, d/4).
        discriminator_final_relu: bool. The reference code's ReLU on the
            discriminator logits. Defaults to False.
        label_weight: real number >= 0. Weight of the `loss` passed to
            `compile()` on hard labels. `0` (MEAL) trains from `x` alone.
            Defaults to `0.0`.
        seed: int or None. Seed of the teacher draw.
        **kwargs: `keras.Model` keyword arguments, such as `name`.

    Attributes:
        student: the bare student, to save or export.
        teachers: the frozen teachers.
        discriminators: one per tap (empty with `adversarial_mode="none"`).
        discriminator_optimizer: the discriminators' optimizer, after
            `compile()`.

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
    distiller.compile(optimizer=keras.optimizers.Adam(1e-3))
    x = np.random.rand(256, 20).astype("float32")
    distiller.fit(x, epochs=1, verbose=0)  # No labels needed.
    distiller(x[:2], training=True).shape  # (2, 4): the student's logits.
    distiller.temperature = 2.0  # Used from the next step on.
    distiller.fit(distiller.precompute(x), epochs=1, verbose=0)  # No teacher.
    distiller.student.predict(x, verbose=0).shape  # (256, 4)

    # The faithful MEAL recipe: a random teacher per step, discriminators.
    meal = keras_acorl.MEALDistiller.from_recipe(
        "meal_v1", teachers, mlp(8, "meal_student"), seed=0
    )
    meal.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        discriminator_optimizer=keras.optimizers.Adam(1e-4),
    )
    meal.teacher_mode, meal.adversarial_mode  # ('random', 'joint')
    len(meal.discriminators)  # 1: on the logits.
    ```
    """

    # Named settings of `from_recipe` (the class docstring has the table).
    RECIPES = {
        name: dict(
            teacher_mode=teacher_mode,
            adversarial_mode=adversarial_mode,
            temperature=temperature,
            label_weight=label_weight,
        )
        for name, teacher_mode, adversarial_mode, temperature, label_weight in (
            ("meal_v1", "random", "joint", 1.0, 0.0),
            ("meal_v2", "mean", "joint", 1.0, 0.0),
            ("soft_mean", "mean", "none", 4.0, 0.0),
            ("kd", "mean", "none", 1.0, 1.0),
        )
    }
    # The recipe of the constructor's defaults.
    DEFAULT_RECIPE = "soft_mean"

    @classmethod
    def from_recipe(cls, recipe, teachers, student, **kwargs):
        """A distiller with the arguments of a named recipe.

        Args:
            recipe: a key of `MEALDistiller.RECIPES`: `"meal_v1"`,
                `"meal_v2"`, `"soft_mean"` (the defaults) or `"kd"`.
            teachers: as in the constructor.
            student: as in the constructor.
            **kwargs: other constructor arguments; they override the
                recipe's.

        Returns:
            A `MEALDistiller`.
        """
        if recipe not in cls.RECIPES:
            raise ValueError(
                f"`recipe` must be one of {sorted(cls.RECIPES)}. "
                f"Received: {recipe!r}"
            )
        return cls(teachers, student, **{**cls.RECIPES[recipe], **kwargs})

    def __init__(
        self,
        teachers,
        student,
        teacher_mode="mean",
        taps=None,
        similarity="soft_ce",
        temperature=4.0,
        gamma=None,
        eta=None,
        adversarial_mode="none",
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
        self.align_dim = argument_checks.check_positive_int(
            align_dim, "align_dim"
        )
        self.discriminator_reduction = argument_checks.check_positive_int(
            discriminator_reduction, "discriminator_reduction"
        )
        if not isinstance(discriminator_final_relu, bool):
            raise TypeError(
                "`discriminator_final_relu` must be a bool. Received: "
                f"{discriminator_final_relu!r}"
            )
        self.discriminator_final_relu = discriminator_final_relu
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
        ):
            raise TypeError(
                f"`seed` must be an int or None. Received: {seed!r}"
            )
        self.seed = None if seed is None else int(seed)

        self.taps = _normalize_taps(taps, len(teachers))
        self.num_taps = len(self.taps) + 1
        # Hyperparameters users may change during training: variables read
        # by the traced step (a Python float would be baked into the trace),
        # with a Python copy for `get_config` and checks made while tracing.
        self.hyperparameter_values = dict(
            temperature=None, label_weight=None, gamma=(), eta=()
        )
        self.temperature_variable = self._hyperparameter("temperature", ())
        self.label_weight_variable = self._hyperparameter("label_weight", ())
        self.gamma_variable = self._hyperparameter("gamma", (self.num_taps,))
        self.eta_variable = self._hyperparameter("eta", (self.num_taps,))
        self.temperature = temperature
        self.label_weight = label_weight
        self.gamma = [1.0] * self.num_taps if gamma is None else gamma
        self.eta = [1.0] * self.num_taps if eta is None else eta

        self.teachers = teachers
        for teacher in teachers:
            freeze(teacher)
        self.student = student
        self.student_taps = _tap_extractor(
            student, [s for s, _ in self.taps], self.align_dim, "student"
        )
        self.teacher_taps = [
            _tap_extractor(
                teacher,
                [t[k] for _, t in self.taps],
                self.align_dim,
                f"teachers[{k}]",
            )
            for k, teacher in enumerate(teachers)
        ]
        self.last_student_taps = _LastStudentTaps()
        self.discriminators = []
        if self.adversarial_mode != "none":
            dims = [int(t.shape[-1]) for t in self.student_taps.outputs]
            for j, dim in enumerate(dims):
                layer = Discriminator(
                    self.discriminator_reduction,
                    final_relu=discriminator_final_relu,
                    name=f"{DISCRIMINATOR_PREFIX}{j}",
                )
                layer.build((None, dim))
                self.discriminators.append(layer)
        self.gradient_reversal = GradientReversal(name="student_reversal")
        self.seed_generator = keras.random.SeedGenerator(seed)
        self.label_loss = None
        self.discriminator_optimizer = None

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

    def _hyperparameter(self, name, shape):
        return self.add_weight(
            shape=shape,
            initializer="ones",
            dtype="float32",
            trainable=False,
            autocast=False,
            name=name,
        )

    def _set_hyperparameter(self, name, variable, value):
        self.hyperparameter_values[name] = value
        # On JAX, `fit` holds the training state outside the variables: the
        # assignment reaches the next step through the compat helper.
        keras_compat.assign_during_fit(self, [variable], value)

    @property
    def temperature(self):
        """Softmax temperature, a float > 0 (settable)."""
        return self.hyperparameter_values["temperature"]

    @temperature.setter
    def temperature(self, value):
        value = _check_real(value, "temperature", positive=True)
        self._set_hyperparameter(
            "temperature", self.temperature_variable, value
        )

    @property
    def label_weight(self):
        """Weight of the compiled loss on hard labels, a float >= 0
        (settable)."""
        return self.hyperparameter_values["label_weight"]

    @label_weight.setter
    def label_weight(self, value):
        value = _check_real(value, "label_weight")
        self._set_hyperparameter(
            "label_weight", self.label_weight_variable, value
        )

    @property
    def gamma(self):
        """Similarity weights, one float >= 0 per tap (settable)."""
        return list(self.hyperparameter_values["gamma"])

    @gamma.setter
    def gamma(self, value):
        value = _check_weights(value, self.num_taps, "gamma")
        self._set_hyperparameter("gamma", self.gamma_variable, value)

    @property
    def eta(self):
        """Discriminator weights, one float >= 0 per tap (settable)."""
        return list(self.hyperparameter_values["eta"])

    @eta.setter
    def eta(self, value):
        value = _check_weights(value, self.num_taps, "eta")
        self._set_hyperparameter("eta", self.eta_variable, value)

    def export_inputs(self):
        if not getattr(self.student, "inputs", None):
            return None
        return representations.model_input(self.student)

    def compile(
        self,
        optimizer="rmsprop",
        discriminator_optimizer=None,
        loss=None,
        **kwargs,
    ):
        """Configures training.

        Args:
            optimizer: the student's optimizer.
            discriminator_optimizer: the discriminators' optimizer. None: a
                separate copy of `optimizer` (its own state, the same
                hyperparameters). Must not be the same object as
                `optimizer`.
            loss: None or a `keras.losses.Loss` (or identifier) of the
                student's logits against hard labels, weighted by
                `label_weight`.
            **kwargs: `keras.Model.compile` arguments (`metrics` apply to
                the student's logits and hard labels).
        """
        optimizer = keras.optimizers.get(optimizer)
        self.label_loss = None if loss is None else _as_loss(loss)
        self.discriminator_optimizer = None
        combined = optimizer
        if self.discriminators:
            if isinstance(optimizer, keras.optimizers.MultiOptimizer):
                if (
                    discriminator_optimizer is not None
                    or self.adversarial_mode == "alternating"
                ):
                    raise ValueError(
                        "`optimizer`: pass the student's optimizer and "
                        "`discriminator_optimizer` separately (needed by "
                        "adversarial_mode='alternating'), not a "
                        "MultiOptimizer. Received: a MultiOptimizer."
                    )
            else:
                if discriminator_optimizer is None:
                    discriminator_optimizer = optimizer.__class__.from_config(
                        optimizer.get_config()
                    )
                discriminator_optimizer = keras.optimizers.get(
                    discriminator_optimizer
                )
                if discriminator_optimizer is optimizer:
                    raise ValueError(
                        "`discriminator_optimizer` must be a different "
                        "optimizer object from `optimizer` (separate state "
                        "and learning rate)."
                    )
                self.discriminator_optimizer = discriminator_optimizer
                combined = keras.optimizers.MultiOptimizer(
                    keras.optimizers.OptimizerMap(
                        default_optimizer=optimizer,
                        optimizer_map={
                            DISCRIMINATOR_PATHS: discriminator_optimizer
                        },
                    )
                )
        # What `get_compile_config` saves: the arguments as given.
        self.compile_arguments = _Arguments(
            optimizer=optimizer,
            discriminator_optimizer=self.discriminator_optimizer,
            loss=loss,
            **kwargs,
        )
        super().compile(optimizer=combined, **kwargs)
        if self.adversarial_mode == "alternating":
            # The discriminator look-ahead needs the optimizer's state from
            # the first step on (TensorFlow builds it lazily otherwise).
            self.optimizer.build(self.trainable_variables)

    def get_compile_config(self):
        if not self.compiled:
            return {}
        return keras.saving.serialize_keras_object(
            dict(self.compile_arguments.values)
        )

    def compile_from_config(self, config):
        self.compile(**keras.saving.deserialize_keras_object(config))
        self.optimizer.build(self.trainable_variables)

    def call(self, inputs, training=None):
        inputs, _ = split_inputs(inputs)
        taps = _as_list(self.student_taps(inputs, training=training))
        self.last_student_taps.keep(taps)
        return taps[-1]

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

    # `CompositeModel.precompute` stores every teacher's aligned taps: one
    # `(num_samples, num_teachers, dim)` array per tap (logits last), under
    # "teacher_outputs"; train on it without any teacher in the loop (no
    # random augmentation: the teachers' outputs are then the same every
    # epoch, as FKD uses them).
    precomputed_key = TEACHER_OUTPUTS
    sub_model_lists = ("teachers",)
    sub_models = ("student",)

    def precompute_models(self):
        return self.teacher_taps

    def pack_precomputed(self, outputs):
        per_teacher = [_as_list(o) for o in outputs]
        return [np.stack(taps, axis=1) for taps in zip(*per_teacher)]

    def _draw_teacher(self):
        return keras.random.randint(
            (), 0, len(self.teachers), seed=self.seed_generator
        )

    def _teacher_stacks(self, inputs, cached, training):
        """The teachers' taps, one `(batch, k, dim)` tensor per tap (`k = 1`
        for the drawn teacher in `"random"` training, else every teacher),
        and the drawn index (None when no teacher is drawn)."""
        if not (training and self.teacher_mode == "random"):
            if cached is not None:
                return [keras.ops.stop_gradient(t) for t in cached], None
            return self.teacher_outputs(inputs), None
        index = self._draw_teacher()
        if cached is not None:
            stacks = [
                keras.ops.take(t, keras.ops.reshape(index, (1,)), axis=1)
                for t in cached
            ]
        else:
            branches = [
                _teacher_branch(extractor) for extractor in self.teacher_taps
            ]
            taps = keras.ops.switch(index, branches, inputs)
            stacks = [keras.ops.expand_dims(t, 1) for t in _as_list(taps)]
        return [keras.ops.stop_gradient(t) for t in stacks], index

    def compute_loss(
        self, x=None, y=None, y_pred=None, sample_weight=None, training=True
    ):
        inputs, cached = split_inputs(x)
        students = self.last_student_taps.take(y_pred)
        if students is None:
            # `y_pred` is not this model's last output (a direct call):
            # run the student here.
            students = _as_list(self.student_taps(inputs, training=training))
        stacks, drawn = self._teacher_stacks(inputs, cached, training)
        if drawn is not None:
            for k, tracker in enumerate(self.draw_trackers):
                tracker.update_state(
                    keras.ops.cast(keras.ops.equal(drawn, k), "float32")
                )
        logits = students[-1]
        students = [keras.ops.cast(s, "float32") for s in students]
        temperature = keras.ops.convert_to_tensor(self.temperature_variable)
        gamma = keras.ops.convert_to_tensor(self.gamma_variable)
        similarity_fn = SIMILARITIES[self.similarity]
        similarity = 0.0
        teacher_vectors = []
        for j, (student, stack) in enumerate(zip(students, stacks)):
            stack = keras.ops.cast(stack, "float32")
            teacher = keras.ops.mean(stack, axis=1)
            probs = keras.ops.mean(
                keras.ops.softmax(stack / temperature, axis=-1), axis=1
            )
            teacher_vectors.append(teacher)
            similarity = similarity + gamma[j] * similarity_fn(
                student, teacher, probs, temperature
            )
        self.similarity_tracker.update_state(similarity)
        total = similarity
        if self.discriminators:
            total = total + self._adversarial_loss(
                students, teacher_vectors, training=training
            )
        # Layer regularization losses: once, unscaled, whatever label_weight.
        for loss in self.losses:
            total = total + keras.ops.sum(keras.ops.cast(loss, "float32"))
        # The label loss (a keras.losses.Loss) is scaled for tf.distribute
        # already; the terms computed here are scaled like it.
        total = keras_compat.scale_loss_for_distribution(total)
        return total + self._label_term(y, logits, sample_weight)

    def _label_term(self, y, logits, sample_weight):
        if self.label_weight > 0 and y is None:
            raise ValueError(
                f"MEALDistiller has label_weight={self.label_weight} but "
                "received no labels `y`. Pass `fit(x, y)` or set "
                "label_weight=0 to train from the teachers alone."
            )
        if self.label_loss is None:
            if self.label_weight > 0:
                raise ValueError(
                    f"MEALDistiller has label_weight={self.label_weight} but "
                    "no `loss` was passed to `compile()`."
                )
            return 0.0
        if y is None:
            return 0.0
        # Computed even at label_weight=0, so that a later label_weight
        # applies without retracing.
        loss = self.label_loss(y, logits, sample_weight=sample_weight)
        return keras.ops.convert_to_tensor(self.label_weight_variable) * (
            keras.ops.cast(loss, "float32")
        )

    def _adversarial_loss(self, students, teachers, training=True):
        total, accuracy = 0.0, 0.0
        fool_total = 0.0
        eta = keras.ops.convert_to_tensor(self.eta_variable)
        if self.adversarial_mode == "alternating":
            stepped = training and self._discriminator_step(
                students, teachers, eta
            )
        for j, (layer, student, teacher) in enumerate(
            zip(self.discriminators, students, teachers)
        ):
            if self.adversarial_mode == "grl":
                seen = self.gradient_reversal(student)
            elif self.adversarial_mode == "alternating":
                seen = keras.ops.stop_gradient(student)
            else:
                seen = student
            logits, labels = _discriminate(layer, seen, teacher)
            total = total + eta[j] * _binary_cross_entropy(labels, logits)
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
                fool_total = fool_total + eta[j] * _binary_cross_entropy(
                    looks_like_teacher, fooled
                )
        self.discriminator_loss_tracker.update_state(total)
        self.discriminator_accuracy_tracker.update_state(
            accuracy / len(self.discriminators)
        )
        return total + fool_total

    def _discriminator_step(self, students, teachers, eta):
        """Phase 1 of `"alternating"`: every discriminator's weights after
        one step of the discriminator optimizer on this batch, as constants
        (a list per discriminator), or None when no optimizer is built."""
        optimizer = self.discriminator_optimizer
        if optimizer is None or not optimizer.built:
            return None
        owned = {
            id(v)
            for layer in self.discriminators
            for v in layer.trainable_variables
        }
        # The variables in the order the optimizer was built with.
        variables = [v for v in self.trainable_variables if id(v) in owned]
        position = {id(v): i for i, v in enumerate(variables)}
        students = [keras.ops.stop_gradient(s) for s in students]

        def layer_values(values, layer):
            return [values[position[id(v)]] for v in layer.trainable_variables]

        def discriminator_loss(values):
            total = 0.0
            for j, (layer, student, teacher) in enumerate(
                zip(self.discriminators, students, teachers)
            ):
                logits, labels = _discriminate(
                    layer, student, teacher, layer_values(values, layer)
                )
                total = total + eta[j] * _binary_cross_entropy(labels, logits)
            # `look_ahead` sums the replicas' gradients under tf.distribute
            # (the optimizer's all-reduce): scaled like the step's loss.
            return keras_compat.scale_loss_for_distribution(total)

        grads = keras_compat.gradients(
            discriminator_loss, [v.value for v in variables]
        )
        stepped = keras_compat.look_ahead(self, optimizer, grads, variables)
        return [layer_values(stepped, layer) for layer in self.discriminators]

    def compute_metrics(self, x, y, y_pred, sample_weight=None):
        if y is None:
            return self.get_metrics_result()
        return super().compute_metrics(x, y, y_pred, sample_weight)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "teacher_mode": self.teacher_mode,
                "taps": [[s, list(t)] for s, t in self.taps] or None,
                "similarity": self.similarity,
                "temperature": self.temperature,
                "gamma": self.gamma,
                "eta": self.eta,
                "adversarial_mode": self.adversarial_mode,
                "align_dim": self.align_dim,
                "discriminator_reduction": self.discriminator_reduction,
                "discriminator_final_relu": self.discriminator_final_relu,
                "label_weight": self.label_weight,
                "seed": self.seed,
            }
        )
        return config


class _LastStudentTaps:
    """The student's tap vectors from the distiller's last `call`.

    `compute_loss` needs the student's intermediate taps, not only the
    logits `call` returns. Keras' `train_step` and `test_step` call the
    model and then pass its output as `y_pred` to `compute_loss`, within
    one trace on every backend (TensorFlow: one `tf.function` and gradient
    tape; JAX: one function under `jax.value_and_grad`, so the kept tracers
    belong to the trace that uses them; torch: eagerly, in order). `take`
    returns the kept taps only when their logits are that very `y_pred`
    (an identity check), so taps of another call are never used, and
    forgets them, so no tensor outlives its step. A plain object, not
    tracked by Keras.
    """

    def __init__(self):
        self.taps = None

    def keep(self, taps):
        self.taps = taps

    def take(self, y_pred):
        taps, self.taps = self.taps, None
        if taps is not None and y_pred is not None and taps[-1] is y_pred:
            return taps
        return None


class _Arguments:
    """`compile()`'s arguments, held untracked (no second copy of the
    optimizers' state in saved files)."""

    def __init__(self, **values):
        self.values = values


def _as_loss(loss):
    """A `keras.losses.Loss` (sample weights and reduction handled) from a
    loss instance, identifier or function."""
    loss = keras.losses.get(loss)
    if isinstance(loss, keras.losses.Loss):
        return loss
    if not callable(loss):
        raise TypeError(
            "`loss` must be a keras.losses.Loss, a loss identifier or a "
            f"callable. Received: {loss!r}"
        )
    return keras.losses.LossFunctionWrapper(loss)


def _check_real(value, argument, positive=False):
    """A finite real number >= 0 (> 0 with `positive`), as a float; NumPy
    scalars are accepted, bools, NaN and infinities are not."""
    expected = "> 0" if positive else ">= 0"
    if isinstance(value, (bool, np.bool_)) or not isinstance(
        value, numbers.Real
    ):
        raise TypeError(
            f"`{argument}` must be a real number {expected}. Received: "
            f"{value!r} of type {type(value).__name__}"
        )
    value = float(value)
    if not math.isfinite(value) or value < 0 or (positive and value == 0):
        raise ValueError(
            f"`{argument}` must be a finite number {expected}. Received: "
            f"{value}"
        )
    return value


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
            return representations.model_output(model).shape[-1]
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
        # One teacher layer per teacher (a single one is shared by all).
        teacher_spec = tuple(
            representations.normalize_specs(
                teacher_spec, num_teachers, f"taps[{i}]"
            )
        )
        normalized.append((student_spec, teacher_spec))
    return normalized


def _check_weights(weights, count, argument):
    if not isinstance(weights, (list, tuple, np.ndarray)) or len(weights) != (
        count
    ):
        raise ValueError(
            f"`{argument}` must be a list of {count} real numbers, one per "
            f"tap (intermediate taps, then the logits). Received: {weights!r}"
        )
    return [_check_real(w, f"{argument}[{i}]") for i, w in enumerate(weights)]


def _tap_extractor(model, specs, align_dim, argument):
    """`keras.Model`: inputs -> [aligned tap vectors..., logits]."""
    if not specs:
        if not getattr(model, "inputs", None):
            return model
        return keras.Model(
            representations.model_input(model),
            [representations.model_output(model)],
        )
    if not getattr(model, "inputs", None):
        raise ValueError(
            f"`taps` need `{argument}` to be a functional or Sequential model "
            f"with an input. Received '{model.name}' without symbolic inputs."
        )
    outputs = []
    for j, spec in enumerate(specs):
        tensor = representations.layer_output(model, spec, "taps", argument)
        outputs.append(AdaptivePoolAlign(align_dim, name=f"align_{j}")(tensor))
    outputs.append(representations.model_output(model))
    return keras.Model(
        representations.model_input(model), outputs, name=f"{model.name}_taps"
    )
