"""Gradient saliency and SmoothGrad."""

import numpy as np

from keras_acorl.analysis.attribution_target import check_attribution_model
from keras_acorl.analysis.attribution_target import check_inputs
from keras_acorl.analysis.attribution_target import score_function
from keras_acorl.analysis.input_gradients import model_gradients
from keras_acorl.argument_checks import check_non_negative
from keras_acorl.argument_checks import check_positive_int


def saliency(model, x, target=None, reference=None):
    """Gradient of the target score with respect to the input.

    Simonyan et al., "Deep Inside Convolutional Networks" (2014): the
    gradient of the target class logit (or, with `reference`, of the cosine
    score of an embedding model) for each sample, one backward pass for the
    batch. Take `np.abs(...).max(axis=-1)` for a saliency map.

    Args:
        model: a functional or Sequential `keras.Model` with one input and
            one output `(batch, k)`: logits, or an embedding when
            `reference` is given.
        x: array `(batch, ...)`, e.g. images `(batch, H, W, C)` or log-mel
            spectrograms `(batch, frames, mels)`.
        target: None (the predicted class), an int or an int array
            `(batch,)`.
        reference: None, or an embedding `(k,)` / `(batch, k)`; the score is
            the cosine of the model's output to it.

    Returns:
        NumPy `float32` array of the shape of `x`.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.analysis import saliency

    model = keras.Sequential(
        [keras.Input((4,)), keras.layers.Dense(3, use_bias=False)]
    )
    x = np.ones((2, 4), "float32")
    g = saliency(model, x, target=1)
    np.allclose(g, model.layers[0].kernel.numpy()[:, 1])  # True
    ```
    """
    check_attribution_model(model)
    x = check_inputs(x)
    score = score_function(model, x, target, reference)
    return model_gradients(model, x, score, len(x))


def smoothgrad(
    model, x, target=None, samples=16, noise=0.1, seed=None, reference=None
):
    """SmoothGrad: the saliency averaged over noisy copies of the input.

    Smilkov et al., "SmoothGrad: removing noise by adding noise" (2017).
    Gaussian noise of standard deviation `noise * (max(x_i) - min(x_i))`
    per sample; all `samples * batch` noisy inputs go through batched
    backward passes. The target (None: the class predicted for the clean
    input) stays that of the clean sample.

    Args:
        model, x, target, reference: as in `saliency`.
        samples: int >= 1. Noisy copies per sample. Defaults to `16`.
        noise: float >= 0. Noise level relative to each sample's value
            range. Defaults to `0.1`.
        seed: int or None. Seed of the noise (NumPy generator).

    Returns:
        NumPy `float32` array of the shape of `x`.

    Example:

    ```python
    import keras
    import numpy as np
    from keras_acorl.analysis import saliency
    from keras_acorl.analysis import smoothgrad

    inputs = keras.Input((3,))
    outputs = keras.layers.Dense(2, activation="tanh")(inputs)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    smoothgrad(model, x, samples=4, seed=0).shape  # (5, 3)
    g = smoothgrad(model, x, samples=4, noise=0.0)
    np.allclose(g, saliency(model, x))  # True: no noise gives the saliency.
    ```
    """
    check_attribution_model(model)
    x = check_inputs(x)
    check_positive_int(samples, "samples")
    noise = check_non_negative(noise, "noise")
    score = score_function(model, x, target, reference)
    axes = tuple(range(1, x.ndim))
    spread = x.max(axis=axes, keepdims=True) - x.min(axis=axes, keepdims=True)
    rng = np.random.default_rng(seed)
    noisy = x[None] + noise * spread[None] * rng.standard_normal(
        (samples, *x.shape)
    ).astype("float32")
    noisy = noisy.reshape(samples * len(x), *x.shape[1:])
    gradients = model_gradients(model, noisy, score, len(x))
    return gradients.reshape(samples, *x.shape).mean(axis=0)
