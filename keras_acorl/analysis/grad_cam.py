"""Grad-CAM and Grad-CAM++ class activation maps."""

import keras
import numpy as np

from keras_acorl.analysis.attribution_target import check_attribution_model
from keras_acorl.analysis.attribution_target import check_inputs
from keras_acorl.analysis.attribution_target import forward
from keras_acorl.analysis.attribution_target import score_function
from keras_acorl.analysis.input_gradients import model_gradients
from keras_acorl.analysis.spatial_layer import split_at_layer


def grad_cam(model, x, target=None, layer=None, upsample=False, reference=None):
    """Grad-CAM: where in the image the evidence for the target lies.

    Selvaraju et al., "Grad-CAM" (ICCV 2017): with `A` the activations of a
    spatial layer and `g` the gradient of the target score with respect to
    them, `ReLU(sum_c mean_hw(g)[c] * A[..., c])`. Channels-last layouts
    (`(batch, H, W, C)`), as Keras uses by default. A rank-3 layer
    `(batch, time, C)` (1-D convolutions over time, e.g. the ECAPA-TDNN's,
    where the mel bands are channels) gives a time map `(batch, time)`.

    Args:
        model, x, target, reference: as in `keras_acorl.analysis.saliency`;
            `x` of shape `(batch, H, W, C)`, or `(batch, time, features)`
            (e.g. log-mel spectrograms).
        layer: name of a layer with a rank-4 `(batch, h, w, c)` or rank-3
            `(batch, t, c)` output; None: the last one of the input's rank
            (else the last one).
        upsample: bool. Resize the maps (bilinear) to the input's `H, W`
            (or its time axis).

    Returns:
        NumPy `float32` array `(batch, h, w)` (or `(batch, t)`) at the
        layer's resolution, or `(batch, H, W)` (or `(batch, time)`) when
        `upsample`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import grad_cam
    from keras_acorl.zoo import small_cnn

    model = small_cnn((28, 28, 1), num_classes=10, width=4)
    x = np.random.default_rng(0).random((2, 28, 28, 1), "float32")
    grad_cam(model, x).shape  # (2, 7, 7)
    grad_cam(model, x, layer="relu_1", upsample=True).shape  # (2, 28, 28)
    ```
    """
    return _class_activation_map(
        model, x, target, layer, upsample, reference, plus_plus=False
    )


def grad_cam_plus_plus(
    model, x, target=None, layer=None, upsample=False, reference=None
):
    """Grad-CAM++: Grad-CAM with per-position weights of the gradients.

    Chattopadhyay et al., "Grad-CAM++" (WACV 2018), with the exponential
    of the score so that its higher derivatives come from the first one:
    `alpha = g^2 / (2 g^2 + sum_hw(A) g^3)`, normalized to sum to 1 over
    the positions of each channel (as in the authors' code and
    tf-keras-vis), channel weights `sum_hw(alpha * ReLU(g))`, map
    `ReLU(sum_c w_c A_c)`; tf-keras-vis' map is this one times the
    sample's `exp(score)`. Better than Grad-CAM at covering several
    instances of the evidence. With global average pooling and a linear
    head, the weights are `ReLU(w_c) / (h w)` (`w_c`: the head's weight).

    Args, returns: as `keras_acorl.analysis.grad_cam`.

    Example:

    ```python
    import numpy as np
    from keras_acorl.analysis import grad_cam_plus_plus
    from keras_acorl.zoo import small_cnn

    model = small_cnn((28, 28, 1), num_classes=10, width=4)
    x = np.random.default_rng(0).random((2, 28, 28, 1), "float32")
    grad_cam_plus_plus(model, x, target=3, upsample=True).shape
    # (2, 28, 28)
    ```
    """
    return _class_activation_map(
        model, x, target, layer, upsample, reference, plus_plus=True
    )


def _class_activation_map(
    model, x, target, layer, upsample, reference, plus_plus
):
    check_attribution_model(model)
    x = check_inputs(x)
    if not isinstance(upsample, bool):
        raise TypeError(f"`upsample` must be a bool. Received {upsample!r}.")
    features, head = split_at_layer(model, layer)
    score = score_function(model, x, target, reference)
    activations = forward(features, x).astype("float32")
    gradients = model_gradients(head, activations, score, len(x))
    axes = tuple(range(1, activations.ndim - 1))  # the spatial axes
    if plus_plus:
        squared = gradients**2
        denominator = 2.0 * squared + activations.sum(
            axis=axes, keepdims=True
        ) * (squared * gradients)
        safe = np.where(denominator != 0.0, denominator, 1.0)
        alpha = np.where(denominator != 0.0, squared / safe, 0.0)
        # Normalized over the positions, as in the authors' code (and
        # tf-keras-vis): for a linear head the weights are then ReLU(mean g).
        total = alpha.sum(axis=axes, keepdims=True)
        alpha = alpha / np.where(total != 0.0, total, 1.0)
        weights = (alpha * np.maximum(gradients, 0.0)).sum(axis=axes)
    else:
        weights = gradients.mean(axis=axes)
    maps = np.maximum(np.einsum("b...c,bc->b...", activations, weights), 0.0)
    if upsample:
        if maps.ndim != x.ndim - 1:
            raise ValueError(
                f"`upsample`: the maps at the layer have shape "
                f"{maps.shape[1:]} but the input {x.shape[1:]}; resizing "
                "needs the layer's spatial axes to be the input's (rank-4 "
                "layers for image inputs (batch, H, W, C), rank-3 layers "
                "for (batch, time, features) inputs). Pass upsample=False."
            )
        # A time map is resized as a (time, 1) image.
        spatial = x.shape[1:-1]
        pictures = maps.reshape(*maps.shape, *[1] * (4 - maps.ndim))
        resized = keras.ops.image.resize(
            pictures, (*spatial, 1)[:2], interpolation="bilinear"
        )
        maps = keras.ops.convert_to_numpy(resized).reshape(len(x), *spatial)
    return maps.astype("float32")
