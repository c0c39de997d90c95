"""Every complementarity measure for a set of classifiers on one dataset."""

import itertools

import keras
import numpy as np

from keras_acorl.analysis.attribution_overlap import attribution_overlap
from keras_acorl.analysis.attribution_target import forward
from keras_acorl.analysis.grad_cam import grad_cam
from keras_acorl.analysis.integrated_gradients import integrated_gradients
from keras_acorl.analysis.kernel_cka import rbf_cka
from keras_acorl.analysis.prediction_diversity import prediction_diversity
from keras_acorl.analysis.representation_similarity import linear_cka

METHODS = ("grad_cam", "integrated_gradients")


def representation_model(model, layer="embedding"):
    """`keras.Model` from `model`'s input to `[outputs, representation]`:
    the output of `layer`, or (no such layer) the input of the last layer."""
    names = [lay.name for lay in model.layers]
    if layer in names:
        representation = model.get_layer(layer).output
    else:
        representation = model.layers[-1].input
    return keras.Model(model.inputs[0], [model.outputs[0], representation])


def attribution_maps(model, x, target, method):
    """One `(n, H, W)` map per image: Grad-CAM at the last spatial layer
    upsampled to the input, or |integrated gradients| summed over
    channels."""
    if method == "grad_cam":
        return grad_cam(model, x, target=target, upsample=True)
    if method == "integrated_gradients":
        return np.abs(integrated_gradients(model, x, target=target)).sum(-1)
    raise ValueError(f"`method` must be one of {METHODS}. Received {method!r}")


def grid_samples(y, per_class, limit):
    """Indices of the first `per_class` samples of each class (at most
    `limit` samples), in class order."""
    chosen = [np.flatnonzero(y == c)[:per_class] for c in np.unique(y)]
    return np.concatenate(chosen)[:limit]


def compare_models(
    models,
    x,
    y,
    names=None,
    attribution_samples=100,
    per_class=2,
    methods=METHODS,
):
    """Accuracy, representation similarity, diversity and attribution
    overlap of every pair of classifiers.

    The attributions explain the true class (the same target for every
    model), on the first `attribution_samples` inputs. Representations are
    the `"embedding"` layer's output where there is one, else the input of
    the last layer.

    Args:
        models: list of functional `keras.Model`s with the same image input
            `(H, W, C)` and class scores as output.
        x: images `(n, H, W, C)`.
        y: int labels `(n,)`.
        names: list of strings, one per model. None: the models' names.
        attribution_samples: int. Inputs whose attributions are compared.
        per_class: int. Samples per class in the attribution grid.
        methods: attribution methods for the overlap, from `METHODS`.

    Returns:
        dict (JSON-ready except `grid`): `names`, `accuracy` per model,
        `linear_cka` / `rbf_cka` matrices, `pairs` (per pair `"a|b"`: the
        diversity measures and, per method, the mean rank correlation and
        top-10% IoU), `grid` (`images`, `labels`, `predictions` per model
        and `maps` per model, the Grad-CAM maps of the grid samples).
    """
    names = list(names or [m.name for m in models])
    y = np.asarray(y).astype("int64")
    outputs = {}
    for name, model in zip(names, models):
        scores, representation = forward(representation_model(model), x)
        outputs[name] = (np.asarray(scores), np.asarray(representation))
    k = len(names)
    linear = np.eye(k)
    kernel = np.eye(k)
    # RBF CKA costs n^2: at most 1000 samples.
    sub = slice(0, 1000)
    for i, j in itertools.combinations(range(k), 2):
        a, b = outputs[names[i]][1], outputs[names[j]][1]
        linear[i, j] = linear[j, i] = linear_cka(a, b)
        kernel[i, j] = kernel[j, i] = rbf_cka(a[sub], b[sub])
    attribution_x = x[:attribution_samples]
    attribution_y = y[:attribution_samples]
    maps = {
        method: {
            name: attribution_maps(model, attribution_x, attribution_y, method)
            for name, model in zip(names, models)
        }
        for method in methods
    }
    pairs = {}
    for a, b in itertools.combinations(names, 2):
        pair = prediction_diversity(outputs[a][0], outputs[b][0], y)
        for method in methods:
            overlap = attribution_overlap(maps[method][a], maps[method][b])
            pair[f"{method}_rank_correlation"] = overlap[
                "mean_rank_correlation"
            ]
            pair[f"{method}_top_k_iou"] = overlap["mean_top_k_iou"]
        pairs[f"{a}|{b}"] = pair
    chosen = grid_samples(y, per_class, limit=40)
    grid = {
        "images": x[chosen],
        "labels": y[chosen],
        "predictions": {
            name: np.argmax(outputs[name][0][chosen], axis=-1) for name in names
        },
        "maps": {
            name: grad_cam(model, x[chosen], target=y[chosen], upsample=True)
            for name, model in zip(names, models)
        },
    }
    return {
        "names": names,
        "accuracy": {
            name: float(np.mean(np.argmax(outputs[name][0], -1) == y))
            for name in names
        },
        "linear_cka": linear.tolist(),
        "rbf_cka": kernel.tolist(),
        "pairs": pairs,
        "methods": list(methods),
        "attribution_samples": int(len(attribution_x)),
        "grid": grid,
    }
