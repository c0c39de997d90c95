import os

import keras
import numpy as np
import pytest

from keras_acorl.datasets import clutter_images
from keras_acorl.datasets import imagenet100_classes
from keras_acorl.datasets import load_cluttered_digits
from keras_acorl.datasets import load_digits
from keras_acorl.datasets import load_image_folder

# NumPy and tf.data only: the results do not depend on the Keras backend.
pytestmark = pytest.mark.backend_free


def _bilinear_rotation(image, degrees):
    """Reference rotation of a 2-D `image` about its centre, clockwise by
    `degrees`: bilinear, zeros outside the image."""
    h, w = image.shape
    rows, cols = np.meshgrid(np.arange(h), np.arange(w), indexing="ij")
    cy, cx = (h - 1) / 2.0, (w - 1) / 2.0
    cos, sin = np.cos(np.deg2rad(degrees)), np.sin(np.deg2rad(degrees))
    # Where each output pixel comes from.
    src_r = cy + cos * (rows - cy) - sin * (cols - cx)
    src_c = cx + sin * (rows - cy) + cos * (cols - cx)
    padded = np.pad(image.astype("float64"), 1)
    r0, c0 = np.floor(src_r).astype(int), np.floor(src_c).astype(int)
    fr, fc = src_r - r0, src_c - c0

    def pixel(r, c):
        return padded[np.clip(r + 1, 0, h + 1), np.clip(c + 1, 0, w + 1)]

    return (
        pixel(r0, c0) * (1 - fr) * (1 - fc)
        + pixel(r0, c0 + 1) * (1 - fr) * fc
        + pixel(r0 + 1, c0) * fr * (1 - fc)
        + pixel(r0 + 1, c0 + 1) * fr * fc
    )


def test_cluttered_digits_deterministic_and_harder():
    (x_a, y_a), (xt_a, yt_a) = load_cluttered_digits(seed=3)
    (x_b, y_b), (xt_b, _) = load_cluttered_digits(seed=3)
    np.testing.assert_array_equal(x_a, x_b)
    np.testing.assert_array_equal(xt_a, xt_b)
    np.testing.assert_array_equal(y_a, y_b)
    (x_c, _), _ = load_cluttered_digits(seed=4)
    assert not np.array_equal(x_a, x_c)
    # Same split as the clean loader; the images changed, within [0, 1].
    (x_clean, y_clean), (_, yt_clean) = load_digits(seed=3)
    np.testing.assert_array_equal(y_a, y_clean)
    np.testing.assert_array_equal(yt_a, yt_clean)
    assert x_a.dtype == np.float32 and x_a.shape == x_clean.shape
    # The training images are `clutter_images` of the clean ones.
    np.testing.assert_array_equal(x_a, clutter_images(x_clean, seed=[3, 0]))
    assert np.mean(np.abs(x_a - x_clean)) > 0.05
    # More lit background pixels than the clean digits.
    assert np.mean(x_a > 0.05) > np.mean(x_clean > 0.05)


def test_clutter_images_identity_settings_and_rotation():
    rng = np.random.default_rng(0)
    images = rng.random((5, 9, 9, 1)).astype("float32")
    same = clutter_images(
        images, seed=0, max_rotation=0.0, num_fragments=0, noise=0.0
    )
    np.testing.assert_allclose(same, images, atol=1e-6)
    # A bright dot right of the centre rotates by at most 90 degrees.
    dot = np.zeros((2, 9, 9, 1), "float32")
    dot[:, 4, 7] = 1.0
    turned = clutter_images(
        dot, seed=1, max_rotation=90.0, num_fragments=0, noise=0.0
    )
    assert turned[:, 4, 7, 0].max() < 1.0
    assert np.all(turned[:, :, :3] == 0.0)  # Never on the left side.
    # Each image turns by its seeded angle, uniform in [-45, 45] degrees.
    rotated = clutter_images(
        images, seed=2, max_rotation=45.0, num_fragments=0, noise=0.0
    )
    angles = np.random.default_rng(2).uniform(-45.0, 45.0, size=5)
    expected = [
        _bilinear_rotation(im[..., 0], a) for im, a in zip(images, angles)
    ]
    np.testing.assert_allclose(rotated[..., 0], expected, atol=1e-6)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"max_rotation": 200.0}, "max_rotation"),
        ({"num_fragments": -1}, "num_fragments"),
        ({"fragment_fraction": 0.0}, "fragment_fraction"),
        ({"noise": "x"}, "noise"),
    ],
)
def test_clutter_images_rejects_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        clutter_images(np.zeros((2, 8, 8, 1)), **kwargs)
    with pytest.raises(ValueError, match="images"):
        clutter_images(np.zeros((8, 8, 1)))


def _write_tree(root, counts, size=(6, 6)):
    rng = np.random.default_rng(0)
    for name, count in counts.items():
        os.makedirs(root / name, exist_ok=True)
        for i in range(count):
            # Each image's mean pixel encodes (class, index): unique.
            image = rng.integers(0, 255, (*size, 3)).astype("uint8")
            keras.utils.save_img(str(root / name / f"{i}.png"), image)


def _collect(dataset):
    xs, ys = zip(*((np.asarray(x), np.asarray(y)) for x, y in dataset))
    return np.concatenate(xs), np.concatenate(ys)


def test_image_folder_stratified_disjoint_split(tmp_path):
    _write_tree(tmp_path, {"b_dog": 10, "a_cat": 5, "c_fox": 20})
    (tmp_path / "a_cat" / "notes.txt").write_text("not an image")
    train, validation, classes = load_image_folder(
        tmp_path,
        image_size=(6, 6),
        validation_fraction=0.2,
        seed=1,
        batch_size=4,
    )
    assert classes == ["a_cat", "b_dog", "c_fox"]
    x_train, y_train = _collect(train)
    x_val, y_val = _collect(validation)
    assert x_train.shape[1:] == (6, 6, 3) and x_train.dtype == np.float32
    np.testing.assert_array_equal(np.bincount(y_val), [1, 2, 4])
    np.testing.assert_array_equal(np.bincount(y_train), [4, 8, 16])
    rows = {row.tobytes() for row in x_train.reshape(len(x_train), -1)}
    assert len(rows) == 28
    assert not rows & {row.tobytes() for row in x_val.reshape(len(x_val), -1)}
    # Deterministic per seed; another seed moves images between splits.
    again, _ = _collect(load_image_folder(tmp_path, (6, 6), 0.2, seed=1)[1])
    np.testing.assert_array_equal(
        np.sort(again, axis=None), np.sort(x_val, axis=None)
    )
    other, _ = _collect(load_image_folder(tmp_path, (6, 6), 0.2, seed=2)[1])
    assert not np.array_equal(
        np.sort(other, axis=None), np.sort(x_val, axis=None)
    )
    # `class_names` selects and orders the classes.
    _, val, classes = load_image_folder(
        tmp_path, (6, 6), class_names=["c_fox", "a_cat"]
    )
    assert classes == ["c_fox", "a_cat"]
    np.testing.assert_array_equal(np.bincount(_collect(val)[1]), [4, 1])


def test_image_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError, match="missing"):
        load_image_folder(tmp_path / "nowhere")
    with pytest.raises(ValueError, match="no class subfolders"):
        load_image_folder(tmp_path)
    os.makedirs(tmp_path / "empty_class")
    with pytest.raises(ValueError, match="empty_class has no images"):
        load_image_folder(tmp_path)
    _write_tree(tmp_path, {"empty_class": 2})
    with pytest.raises(FileNotFoundError, match="n02869837"):
        load_image_folder(tmp_path, class_names=["n02869837"])
    with pytest.raises(ValueError, match="validation_fraction"):
        load_image_folder(tmp_path, validation_fraction=1.5)


def test_imagenet100_classes():
    classes = imagenet100_classes()
    assert len(classes) == 100 and len(set(classes)) == 100
    assert classes[:2] == ["n02869837", "n01749939"]
    assert classes[-1] == "n02090622"
    assert all(c.startswith("n") and len(c) == 9 for c in classes)
    classes.append("x")  # A copy: the module's list is unchanged.
    assert len(imagenet100_classes()) == 100
