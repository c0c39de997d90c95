"""
Title: Where do complementary models look? Attribution and diversity
Author: keras-acorl contributors
Date created: 2026/12/03
Last modified: 2026/12/03
Description: Saliency, integrated gradients and Grad-CAM on any backend,
and the measures that tell whether two models are worth fusing.
Accelerator: None
"""

"""
## Introduction

Fusing two models helps only where they differ: in what they get wrong,
and in the evidence they use. The ACoRL paper supports its claim with
attribution maps: the alliance model, trained against the frozen base
models, looks at other parts of the input than the bases.

`keras_acorl.analysis` lets you check this on your own models, on the
TensorFlow, JAX or PyTorch backend:

- **attribution**: `saliency`, `smoothgrad`, `integrated_gradients`,
  `grad_cam` and `grad_cam_plus_plus`, batched, returning NumPy arrays;
- **complementarity**: `linear_cka` / `rbf_cka` (representations),
  `prediction_diversity` (errors) and `attribution_overlap` (evidence).

In this guide you will train a base model, an independent model and an
ACoRL alliance on rotated and cluttered MNIST digits, look at where each
one looks, and measure how different they are. Set
`KERAS_ACORL_QUICK=1` for a smoke test (the numbers are then
meaningless).
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
from keras_acorl.analysis import attribution_overlap
from keras_acorl.analysis import grad_cam
from keras_acorl.analysis import grad_cam_plus_plus
from keras_acorl.analysis import integrated_gradients
from keras_acorl.analysis import linear_cka
from keras_acorl.analysis import prediction_diversity
from keras_acorl.analysis import rbf_cka
from keras_acorl.analysis import saliency
from keras_acorl.analysis import smoothgrad
from keras_acorl.analysis.comparison_plots import write_comparison_plots
from keras_acorl.analysis.model_comparison import compare_models
from keras_acorl.datasets import load_cluttered_mnist5k
from keras_acorl.zoo import small_cnn
from keras_acorl.zoo import split_encoder_head

QUICK = os.environ.get("KERAS_ACORL_QUICK", "") == "1"
EPOCHS = 1 if QUICK else 5
BATCH_SIZE = 64

"""
## Three models

The digits are rotated and surrounded by clutter (strokes of other
digits), so there is more than one kind of evidence to use. The base
model is a small CNN; the independent model and the alliance share a
narrower architecture, their initialization and their batch order. Only
the alliance's adversarial loss against the frozen base differs.
"""

(x_train, y_train), (x_test, y_test) = load_cluttered_mnist5k(seed=0)
if QUICK:
    x_train, y_train = x_train[:256], y_train[:256]
    x_test, y_test = x_test[:64], y_test[:64]
shape = x_train.shape[1:]
loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)


def train(model, callbacks=()):
    keras.utils.set_random_seed(1)
    model.compile(
        optimizer=keras.optimizers.Adam(2e-3), loss=loss, metrics=["accuracy"]
    )
    model.fit(
        x_train,
        y_train,
        batch_size=BATCH_SIZE,
        epochs=EPOCHS,
        callbacks=list(callbacks),
        verbose=0,
    )


keras.utils.set_random_seed(0)
base = small_cnn(shape, 10, width=16, name="base")
train(base)

keras.utils.set_random_seed(1)
independent = small_cnn(shape, 10, width=8, name="independent")
train(independent)

keras.utils.set_random_seed(1)
alliance = small_cnn(shape, 10, width=8, name="alliance")
encoder, head = split_encoder_head(alliance)
train(
    keras_acorl.ComplementaryModel(
        base_models=[base],
        alliance=encoder,
        head=head,
        base_representation="embedding",
        adversarial_weight=0.5,
        gradient_reversal_schedule=keras_acorl.schedules.DANNRamp(),
    ),
    callbacks=[keras_acorl.callbacks.GradientReversalScheduler()],
)
# `alliance` shares the trained encoder's and head's layers.

scores = {
    model.name: keras.ops.convert_to_numpy(model(x_test))
    for model in (base, independent, alliance)
}
for name, value in scores.items():
    accuracy = np.mean(np.argmax(value, axis=-1) == y_test)
    print(f"{name:12s} test accuracy {accuracy:.3f}")

"""
## Attribution maps

Every method takes a functional (or Sequential) Keras classifier, a batch
of inputs and the classes to explain (`target`; None: the predicted
class), and returns NumPy arrays:

- `saliency`: the gradient of the class logit with respect to the input;
- `smoothgrad`: the same, averaged over noisy copies of the input;
- `integrated_gradients`: the gradient averaged along the straight path
  from a baseline (black image) to the input, times the input difference.
  Its attributions add up to the logit's change from the baseline;
- `grad_cam` / `grad_cam_plus_plus`: the activations of a convolutional
  layer weighted by their gradients: a coarse map of *where* the evidence
  is (`layer=None`: the last layer with a spatial output).
"""

images, labels = x_test[:4], y_test[:4]
maps = {
    "saliency": saliency(base, images, target=labels),
    "smoothgrad": smoothgrad(base, images, target=labels, samples=4, seed=0),
    "integrated_gradients": integrated_gradients(
        base, images, target=labels, steps=64
    ),
}
for name, value in maps.items():
    print(f"{name:22s} shape {value.shape}")
print("grad_cam at the last conv:", grad_cam(base, images, labels).shape)
print(
    "grad_cam++ upsampled:",
    grad_cam_plus_plus(base, images, labels, upsample=True).shape,
)

"""
Integrated gradients are *complete*: per image, the attributions sum to
the difference of the target logit between the input and the baseline.
That is a useful check of the whole gradient pipeline.
"""

logits = keras.ops.convert_to_numpy(base(images))
zero_logits = keras.ops.convert_to_numpy(base(np.zeros_like(images)))
rows = np.arange(len(labels))
gap = logits[rows, labels] - zero_logits[rows, labels]
total = maps["integrated_gradients"].reshape(len(images), -1).sum(axis=1)
print("IG sum     :", np.round(total, 3))
print("logit gap  :", np.round(gap, 3))

"""
## Do the models look at the same evidence?

`attribution_overlap` compares two maps of the same images: Spearman's
rank correlation over all pixels, and the intersection over union of
their top 10% pixels. Low values: the models use different evidence.
We explain the true class with Grad-CAM, upsampled to the image.
"""

n = 32 if QUICK else 200
cams = {
    model.name: grad_cam(model, x_test[:n], y_test[:n], upsample=True)
    for model in (base, independent, alliance)
}
for other in ("independent", "alliance"):
    overlap = attribution_overlap(cams["base"], cams[other])
    print(
        f"base vs {other:11s}: rank correlation "
        f"{overlap['mean_rank_correlation']:.3f}, top-10% IoU "
        f"{overlap['mean_top_k_iou']:.3f}"
    )

"""
## Do they make the same mistakes?

`prediction_diversity` counts, for two classifiers, the test samples both
get right, only one gets right, or both get wrong (Kuncheva and Whitaker,
2003). Fusion can repair a mistake only if one of the models is right:
a low **double fault** and a low **Q statistic** are what you want.
"""

for other in ("independent", "alliance"):
    d = prediction_diversity(scores["base"], scores[other], y_test)
    print(
        f"base vs {other:11s}: disagreement {d['disagreement']:.3f}, "
        f"double fault {d['double_fault']:.3f}, Q {d['q_statistic']:.3f}"
    )

"""
## Do they represent the inputs alike?

Centered kernel alignment compares the embeddings (1: the same up to a
rotation and a scale). `rbf_cka` also sees local, non-linear structure.
"""


def embedding(model):
    return keras.ops.convert_to_numpy(
        keras.Model(model.inputs, model.get_layer("embedding").output)(x_test)
    )


base_embedding = embedding(base)
for model in (independent, alliance):
    e = embedding(model)
    print(
        f"base vs {model.name:11s}: linear CKA "
        f"{linear_cka(base_embedding, e):.3f}, RBF CKA "
        f"{rbf_cka(base_embedding, e):.3f}"
    )

"""
## Everything at once, with pictures

`compare_models` runs all the measures over every pair of models, and
`write_comparison_plots` draws an attribution grid (a few test images per
class, each model's Grad-CAM over them) and heatmaps. The same report
comes out of the command line:

```
keras-acorl analyze --models base.keras independent.keras alliance.keras \\
    --data cluttered_mnist5k --output-dir outputs/analyze
```
"""

result = compare_models(
    [base, independent, alliance],
    x_test,
    y_test,
    attribution_samples=n,
    per_class=1,
)
os.makedirs("analysis", exist_ok=True)
paths = write_comparison_plots(result, "analysis")
print(paths)

"""
## What to take away

- Look at the grid: where the independent model's maps sit on the same
  strokes as the base model's, it adds little to a fusion.
- Read the numbers together: a lower CKA says the representation differs,
  a lower double fault says the errors differ, a lower attribution overlap
  says the evidence differs. `keras-acorl reproduce image` reports all of
  them for base vs independent and base vs alliance over several seeds.
- Attribution maps of small models are noisy: compare means over many
  images and several seeds, never one picture.
"""
