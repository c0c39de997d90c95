"""Attribution methods of `keras_acorl.analysis` on every backend."""

import gc
import weakref

import keras
import numpy as np
import pytest

from keras_acorl.analysis import grad_cam
from keras_acorl.analysis import grad_cam_plus_plus
from keras_acorl.analysis import integrated_gradients
from keras_acorl.analysis import saliency
from keras_acorl.analysis import smoothgrad
from keras_acorl.zoo import small_cnn


def _mlp(outputs=3):
    keras.utils.set_random_seed(0)
    return keras.Sequential(
        [
            keras.Input((4,)),
            keras.layers.Dense(8, activation="tanh"),
            keras.layers.Dense(outputs),
        ]
    )


def _inputs(shape, seed=0):
    return np.random.default_rng(seed).normal(size=shape).astype("float32")


def _outputs(model, x):
    return keras.ops.convert_to_numpy(model(x, training=False))


def _central_difference(f, x, eps=1e-2):
    """d f(x)[i] / d x[i, j] by central differences, one batch per axis."""
    columns = []
    for j in range(x.shape[1]):
        step = np.zeros_like(x)
        step[:, j] = eps
        columns.append((f(x + step) - f(x - step)) / (2 * eps))
    return np.stack(columns, axis=1)


def test_saliency_is_the_finite_difference_gradient_of_the_target_logit():
    model = _mlp()
    x = _inputs((5, 4))
    target = np.array([0, 1, 2, 1, 0])

    def logit(v):
        return _outputs(model, v)[np.arange(5), target]

    expected = _central_difference(logit, x)
    np.testing.assert_allclose(
        saliency(model, x, target=target), expected, atol=2e-3
    )
    # None: the predicted class.
    predicted = np.argmax(_outputs(model, x), axis=-1)
    np.testing.assert_allclose(
        saliency(model, x),
        saliency(model, x, target=predicted),
        atol=1e-6,
    )


def test_saliency_of_an_embedding_model_follows_the_cosine_score():
    model = _mlp(outputs=6)
    x = _inputs((4, 4))
    reference = _inputs((6,), seed=1)

    def cosine(v):
        e = _outputs(model, v)
        return (
            e
            @ reference
            / np.linalg.norm(e, axis=-1)
            / np.linalg.norm(reference)
        )

    np.testing.assert_allclose(
        saliency(model, x, reference=reference),
        _central_difference(cosine, x),
        atol=2e-3,
    )


def test_integrated_gradients_are_complete_at_64_steps():
    model = _mlp()
    x = 2.0 * _inputs((6, 4))
    baseline = _inputs((4,), seed=3)
    attributions = integrated_gradients(
        model, x, target=2, baseline=baseline, steps=64
    )
    assert attributions.shape == x.shape
    gap = (
        _outputs(model, x)[:, 2]
        - _outputs(model, np.tile(baseline, (6, 1)))[:, 2]
    )
    assert np.abs(gap).max() > 0.1  # a test that can fail
    np.testing.assert_allclose(
        attributions.sum(axis=1), gap, rtol=1e-2, atol=1e-4
    )
    # One step (the gradient at the midpoint) is not complete.
    coarse = integrated_gradients(
        model, x, target=2, baseline=baseline, steps=1
    )
    assert np.abs(coarse.sum(axis=1) - gap).max() > 1e-2 * np.abs(gap).max()


def test_smoothgrad_averages_saliency_over_noisy_copies():
    model = _mlp()
    x = _inputs((3, 4))
    # No noise: the saliency itself.
    np.testing.assert_allclose(
        smoothgrad(model, x, target=1, samples=2, noise=0.0),
        saliency(model, x, target=1),
        atol=1e-6,
    )
    noisy = smoothgrad(model, x, target=1, samples=8, noise=0.5, seed=0)
    assert not np.allclose(noisy, saliency(model, x, target=1), atol=1e-4)
    np.testing.assert_array_equal(
        noisy, smoothgrad(model, x, target=1, samples=8, noise=0.5, seed=0)
    )


def _quadrant_model():
    """Logits from the bottom-left quadrant of an 8x8 image only: the
    features of the other quadrants are cropped away (then zero-padded
    back to 8x8, the layer Grad-CAM looks at)."""
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(
        2, 1, kernel_initializer="ones", activation="relu", name="conv"
    )(inputs)
    x = keras.layers.Cropping2D(((4, 0), (0, 4)))(x)
    x = keras.layers.ZeroPadding2D(((4, 0), (0, 4)), name="quadrant")(x)
    x = keras.layers.GlobalAveragePooling2D(name="gap")(x)
    outputs = keras.layers.Dense(3, kernel_initializer="ones")(x)
    return keras.Model(inputs, outputs)


@pytest.mark.parametrize("method", [grad_cam, grad_cam_plus_plus])
def test_grad_cam_is_highest_in_the_quadrant_the_logit_depends_on(method):
    model = _quadrant_model()
    x = np.random.default_rng(0).uniform(0.1, 1.0, (4, 8, 8, 1))
    maps = method(model, x.astype("float32"))
    assert maps.shape == (4, 8, 8)  # layer=None: "quadrant", the last one
    inside = maps[:, 4:, :4]
    outside = np.concatenate(
        [maps[:, :4].reshape(4, -1), maps[:, 4:, 4:].reshape(4, -1)], axis=1
    )
    assert np.all(inside.min(axis=(1, 2)) > 0)
    assert np.all(outside == 0)
    upsampled = method(model, x.astype("float32"), upsample=True)
    assert upsampled.shape == (4, 8, 8)
    # At the layer's resolution ("conv", before the crop) it looks
    # everywhere: the maps follow the input's own intensity.
    at_conv = method(model, x.astype("float32"), layer="conv")
    assert np.all(at_conv > 0)


def test_grad_cam_upsamples_to_the_input_size():
    keras.utils.set_random_seed(0)
    model = small_cnn((16, 16, 1), 4, width=4)
    x = np.random.default_rng(0).random((2, 16, 16, 1), "float32")
    maps = grad_cam(model, x, target=[0, 1])
    assert maps.shape == (2, 4, 4)
    assert np.all(maps >= 0)
    big = grad_cam(model, x, target=[0, 1], upsample=True)
    assert big.shape == (2, 16, 16)
    # Bilinear: the mean over the map is kept (within interpolation).
    np.testing.assert_allclose(
        big.mean(axis=(1, 2)), maps.mean(axis=(1, 2)), rtol=0.3
    )


def test_bad_arguments_are_named():
    model = _quadrant_model()
    x = np.ones((2, 8, 8, 1), "float32")
    with pytest.raises(ValueError, match=r"`layer`.*'nope'.*\['conv', "):
        grad_cam(model, x, layer="nope")
    with pytest.raises(ValueError, match=r"`layer`: 'gap' is not spatial"):
        grad_cam(model, x, layer="gap")
    with pytest.raises(ValueError, match=r"`target`.*\[0, 3\)"):
        saliency(model, x, target=3)
    with pytest.raises(ValueError, match=r"`target`.*shape \(2,\)"):
        integrated_gradients(model, x, target=[0, 1, 2])
    with pytest.raises(ValueError, match="`reference`"):
        saliency(model, x, reference=np.ones(5))
    with pytest.raises(ValueError, match="either `target`"):
        saliency(model, x, target=0, reference=np.ones(3))
    with pytest.raises(ValueError, match="`baseline`"):
        integrated_gradients(model, x, baseline=np.ones((3, 3)))
    with pytest.raises(ValueError, match="`layer`: the model .* no layer"):
        grad_cam(_mlp(), np.ones((2, 4), "float32"))
    with pytest.raises(ValueError, match="`x` contains NaN"):
        saliency(model, np.full((2, 8, 8, 1), np.nan))
    with pytest.raises(TypeError, match="`samples`"):
        smoothgrad(model, x, samples=2.5)


def test_saliency_and_grad_cam_match_tf_keras_vis():
    if keras.backend.backend() != "tensorflow":
        pytest.skip("tf-keras-vis runs on the TensorFlow backend only.")
    pytest.importorskip("tf_keras_vis")
    from tf_keras_vis.gradcam import Gradcam
    from tf_keras_vis.gradcam_plus_plus import GradcamPlusPlus
    from tf_keras_vis.saliency import Saliency
    from tf_keras_vis.utils.scores import CategoricalScore

    keras.utils.set_random_seed(0)
    model = small_cnn((16, 16, 1), 4, width=4)
    x = np.random.default_rng(0).random((3, 16, 16, 1), "float32")
    target = np.array([0, 1, 3])
    score = CategoricalScore(list(target))

    def normalized(maps):
        low = maps.min(axis=(1, 2), keepdims=True)
        return (maps - low) / (maps.max(axis=(1, 2), keepdims=True) - low)

    def correlations(a, b):
        # A constant map (e.g. all zero: no positive evidence) has no
        # correlation: then the two maps must be equal.
        return [
            np.corrcoef(p.ravel(), q.ravel())[0, 1]
            if p.std() > 0 and q.std() > 0
            else float(np.allclose(p, q, atol=1e-7))
            for p, q in zip(a, b)
        ]

    # tf-keras-vis: |gradient|, max over channels, min-max per sample.
    reference = np.asarray(Saliency(model, clone=False)(score, x))
    ours = normalized(np.abs(saliency(model, x, target=target)).max(axis=-1))
    assert min(correlations(reference, ours)) > 0.99

    def their_cam(method):
        # The raw map at the chosen layer: no search, upsampling or scaling.
        cam = method(model, clone=False)(
            score,
            x,
            penultimate_layer="relu_2",
            seek_penultimate_conv_layer=False,
            expand_cam=False,
            normalize_cam=False,
        )
        return np.asarray(cam)

    reference = their_cam(Gradcam)
    ours = grad_cam(model, x, target=target, layer="relu_2")
    assert min(correlations(reference, ours)) > 0.99
    reference = their_cam(GradcamPlusPlus)
    ours = grad_cam_plus_plus(model, x, target=target, layer="relu_2")
    assert min(correlations(reference, ours)) > 0.99
    # Equal up to each sample's exp(score) factor.
    logits = _outputs(model, x)[np.arange(3), target]
    np.testing.assert_allclose(
        reference, ours * np.exp(logits)[:, None, None], rtol=1e-3, atol=1e-6
    )


def test_grad_cam_at_a_nested_backbone_is_the_closed_form():
    """Global average pooling and a Dense head: the Grad-CAM weights are
    the class's Dense weights over h*w, the Grad-CAM++ weights their
    positive part over h*w (the gradient is the same at every position, so
    the normalized alphas are 1 / (h*w))."""
    keras.utils.set_random_seed(0)
    inner_input = keras.Input((6, 6, 1))
    inner = keras.Model(
        inner_input, keras.layers.Conv2D(3, 3, padding="same")(inner_input)
    )
    inputs = keras.Input((6, 6, 1))
    pooled = keras.layers.GlobalAveragePooling2D()(inner(inputs))
    model = keras.Model(inputs, keras.layers.Dense(4)(pooled))
    x = _inputs((2, 6, 6, 1))
    activations = _outputs(inner, x)
    kernel = keras.ops.convert_to_numpy(model.layers[-1].kernel)
    expected = np.maximum(activations @ kernel[:, 2] / 36.0, 0.0)
    np.testing.assert_allclose(
        grad_cam(model, x, target=2), expected, rtol=1e-4, atol=1e-6
    )
    weights = np.maximum(kernel[:, 2], 0.0)
    assert 0 < np.count_nonzero(weights) < len(weights)  # ReLU matters
    expected = np.maximum(activations @ weights / 36.0, 0.0)
    np.testing.assert_allclose(
        grad_cam_plus_plus(model, x, target=2), expected, rtol=1e-4, atol=1e-6
    )


class _CallCounter(keras.layers.Layer):
    """The identity, counting its Python calls (on JAX: its traces)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.calls = 0

    def call(self, inputs):
        self.calls += 1
        return inputs


def test_attribution_programs_are_cached_per_model_and_see_new_weights():
    keras.utils.set_random_seed(0)
    counter = _CallCounter()
    dense = keras.layers.Dense(3, use_bias=False)
    model = keras.Sequential([keras.Input((4,)), counter, dense])
    x = _inputs((2, 4))

    def column(target):
        kernel = keras.ops.convert_to_numpy(dense.kernel)
        return np.broadcast_to(kernel[:, target], x.shape)

    np.testing.assert_allclose(saliency(model, x, target=1), column(1))
    traced = counter.calls
    # Another target, and new weights: no new trace on JAX (the target
    # rows and the weights are arguments of the cached program), and the
    # values follow.
    np.testing.assert_allclose(saliency(model, x, target=2), column(2))
    dense.kernel.assign(2.0 * keras.ops.convert_to_numpy(dense.kernel))
    np.testing.assert_allclose(saliency(model, x, target=2), column(2))
    if keras.backend.backend() == "jax":
        assert counter.calls == traced
    else:  # eager: one call per backward pass
        assert counter.calls == traced + 2
    # Linear model: integrated gradients are x * the gradient.
    np.testing.assert_allclose(
        integrated_gradients(model, x, target=0, steps=2),
        x * column(0),
        rtol=1e-5,
    )

    # The cache holds the model weakly.
    reference = weakref.ref(model)
    del model
    gc.collect()
    assert reference() is None


@pytest.mark.parametrize("method", [grad_cam, grad_cam_plus_plus])
def test_grad_cam_over_time_at_a_1d_convolution(method):
    """An embedding from the first half of a sequence only (the time axis
    of a (batch, time, features) input, as for log-mel frames)."""
    inputs = keras.Input((8, 3))
    x = keras.layers.Conv1D(
        2, 1, kernel_initializer="ones", activation="relu", name="conv"
    )(inputs)
    x = keras.layers.Cropping1D((0, 4))(x)
    x = keras.layers.ZeroPadding1D((0, 4))(x)
    x = keras.layers.AveragePooling1D(2, name="pooled")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    outputs = keras.layers.Dense(3, kernel_initializer="ones")(x)
    model = keras.Model(inputs, outputs)
    x = np.random.default_rng(0).uniform(0.1, 1.0, (4, 8, 3))
    maps = method(model, x.astype("float32"), target=0)
    assert maps.shape == (4, 4)  # layer=None: "pooled", the last one
    assert np.all(maps[:, :2] > 0) and np.all(maps[:, 2:] == 0)
    upsampled = method(model, x.astype("float32"), upsample=True, target=0)
    assert upsampled.shape == (4, 8)
    assert np.all(upsampled[:, :3] > 0)
    np.testing.assert_allclose(upsampled[:, 5:], 0.0, atol=1e-7)


def test_grad_cam_prefers_layers_of_the_input_rank():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(2, 3, padding="same", name="conv")(inputs)
    x = keras.layers.Reshape((64, 2), name="positions")(x)
    x = keras.layers.GlobalAveragePooling1D()(x)
    model = keras.Model(inputs, keras.layers.Dense(3)(x))
    x = np.ones((2, 8, 8, 1), "float32")
    assert grad_cam(model, x, target=0).shape == (2, 8, 8)  # "conv"
    assert grad_cam(model, x, target=0, layer="positions").shape == (2, 64)
    with pytest.raises(ValueError, match="`upsample`"):
        grad_cam(model, x, target=0, layer="positions", upsample=True)
