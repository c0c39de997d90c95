"""Integrated gradients."""

import numpy as np

from keras_acorl.analysis.attribution_target import check_attribution_model
from keras_acorl.analysis.attribution_target import check_inputs
from keras_acorl.analysis.attribution_target import score_function
from keras_acorl.analysis.input_gradients import model_gradients
from keras_acorl.argument_checks import check_positive_int


def integrated_gradients(
    model, x, target=None, baseline=None, steps=32, reference=None
):
    """Integrated gradients: the input's contribution to the target score.

    Sundararajan et al., "Axiomatic Attribution for Deep Networks" (2017):
    `(x - baseline) * mean_k grad f(baseline + a_k (x - baseline))` with the
    `steps` midpoints `a_k = (k + 0.5) / steps` of `[0, 1]` (the midpoint
    rule). The attributions of a sample sum to `f(x) - f(baseline)` (up to
    the integration error, which falls with `steps`). All
    `steps * batch` path points go through batched backward passes.

    Args:
        model, x, target, reference: as in `keras_acorl.analysis.saliency`.
        baseline: None (zeros), or an array of the shape of one sample or
            of `x`.
        steps: int >= 1. Points on the straight path. Defaults to `32`.

    Returns:
        NumPy `float32` array of the shape of `x`.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.analysis import integrated_gradients

    model = keras.Sequential(
        [keras.Input((3,)), keras.layers.Dense(2, activation="tanh")]
    )
    x = np.ones((4, 3), "float32")
    attributions = integrated_gradients(model, x, target=0, steps=64)
    gap = model.predict(x, verbose=0)[:, 0] - model.predict(
        0 * x, verbose=0
    )[:, 0]
    np.allclose(attributions.sum(axis=1), gap, rtol=1e-2)  # True
    ```
    """
    check_attribution_model(model)
    x = check_inputs(x)
    check_positive_int(steps, "steps")
    if baseline is None:
        baseline = np.zeros_like(x)
    baseline = np.asarray(baseline, dtype="float32")
    if baseline.shape == x.shape[1:]:
        baseline = np.broadcast_to(baseline, x.shape)
    if baseline.shape != x.shape or not np.all(np.isfinite(baseline)):
        raise ValueError(
            f"`baseline` must be None or a finite array of shape "
            f"{x.shape[1:]} (one sample) or {x.shape} (like `x`). Received "
            f"shape {baseline.shape}."
        )
    score = score_function(model, x, target, reference)
    alphas = ((np.arange(steps) + 0.5) / steps).astype("float32")
    alphas = alphas.reshape((steps,) + (1,) * x.ndim)
    path = baseline[None] + alphas * (x - baseline)[None]
    path = path.reshape(steps * len(x), *x.shape[1:])
    gradients = model_gradients(model, path, score, len(x))
    mean = gradients.reshape(steps, *x.shape).mean(axis=0)
    return (x - baseline) * mean
