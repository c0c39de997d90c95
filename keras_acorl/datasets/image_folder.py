"""Images in class folders (ImageNet style), split train/validation."""

import os

import numpy as np

from keras_acorl.datasets.image_checks import check_image_file
from keras_acorl.datasets.image_checks import check_loader_arguments
from keras_acorl.datasets.splits import check_test_fraction
from keras_acorl.datasets.splits import stratified_split

# The extensions `keras.utils.image_dataset_from_directory` reads.
IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")


def _list_images(directory, class_names):
    """`(class_names, labels)` with one label per image file, in the order
    `image_dataset_from_directory(shuffle=False)` lists them."""
    if not os.path.isdir(directory):
        kind = "a file" if os.path.exists(directory) else "missing"
        raise FileNotFoundError(
            f"`directory` must be a folder with one subfolder of images per "
            f"class. {directory} is {kind}."
        )
    found = sorted(
        entry.name for entry in os.scandir(directory) if entry.is_dir()
    )
    if class_names is None:
        class_names = found
    else:
        class_names = list(class_names)
        missing = [name for name in class_names if name not in found]
        if missing:
            raise FileNotFoundError(
                f"`class_names` lists {len(missing)} classes without a "
                f"folder in {directory}: {missing[:5]}"
            )
    labels = []
    for label, name in enumerate(class_names):
        count = 0
        for root, _, files in os.walk(os.path.join(directory, name)):
            for file in files:
                if file.lower().endswith(IMAGE_EXTENSIONS):
                    check_image_file(os.path.join(root, file))
                    count += 1
        if count == 0:
            raise ValueError(
                f"Class folder {os.path.join(directory, name)} has no images "
                f"(expected files ending in {', '.join(IMAGE_EXTENSIONS)})."
            )
        labels.extend([label] * count)
    if not labels:
        raise ValueError(
            f"{directory} has no class subfolders with images. Expected "
            "<directory>/<class name>/<image file>."
        )
    return class_names, np.asarray(labels, dtype="int32")


def load_image_folder(
    directory,
    image_size=(64, 64),
    validation_fraction=0.2,
    seed=0,
    batch_size=32,
    class_names=None,
    color_mode="rgb",
):
    """Loads `<directory>/<class>/<image>` files as train/validation data.

    `keras.utils.image_dataset_from_directory` reads and resizes the
    images; the split is stratified (each class split in the same
    proportion, at least one validation image per class with two or more)
    and disjoint, deterministic for a `seed`. The training dataset is
    shuffled every epoch (seeded); the validation dataset is not. Pixel
    values stay in `[0, 255]` (add a `Rescaling` layer or use
    `images / 255.0`). ImageNet-100: pass
    `class_names=imagenet100_classes()` with an ImageNet train folder.

    Args:
        directory: path of the folder with one subfolder per class.
        image_size: `(height, width)` the images are resized to. Defaults
            to `(64, 64)`.
        validation_fraction: float in (0, 1). Fraction of each class in the
            validation split. Defaults to `0.2`.
        seed: int. Seed of the split and of the training shuffle.
            Defaults to `0`.
        batch_size: int. Batch size of both datasets. Defaults to `32`.
        class_names: list of subfolder names to load, in label order, or
            None for all subfolders in alphanumeric order. Defaults to
            None.
        color_mode: `"rgb"`, `"grayscale"` or `"rgba"`. Defaults to
            `"rgb"`.

    Returns:
        `(train, validation, class_names)`: two `tf.data.Dataset`s of
        `(images, labels)` batches (`float32` images of shape
        `(batch, height, width, channels)`, `int32` labels) and the list of
        class names in label order. Keras trains on them with any backend.

    Raises:
        FileNotFoundError: `directory` (or a class in `class_names`) is
            missing.
        ValueError: a class folder, or `directory`, has no images; an
            image file cannot be decoded (its header is checked, and the
            end of PNG and JPEG files, at load) -- the message names it;
            a class has fewer than 2 images (nothing for one split).

    Example:

    ```python
    import os
    import tempfile
    import numpy as np
    import keras
    from keras_acorl.datasets import load_image_folder

    root = tempfile.mkdtemp()
    for name in ("cat", "dog"):
        os.makedirs(os.path.join(root, name))
        for i in range(5):
            image = np.random.randint(0, 255, (8, 8, 3), dtype="uint8")
            keras.utils.save_img(os.path.join(root, name, f"{i}.png"), image)
    train, validation, classes = load_image_folder(root, image_size=(8, 8))
    classes  # ['cat', 'dog']
    ```
    """
    directory = os.fspath(directory)
    check_test_fraction(validation_fraction, "validation_fraction")
    image_size, seed, batch_size = check_loader_arguments(
        image_size, seed, batch_size, color_mode
    )
    class_names, labels = _list_images(directory, class_names)
    import keras
    import tensorflow as tf

    # Files in a fixed order (labels as listed above), split by index.
    dataset = keras.utils.image_dataset_from_directory(
        directory,
        labels="inferred",
        label_mode="int",
        class_names=class_names,
        color_mode=color_mode,
        batch_size=None,
        image_size=tuple(image_size),
        shuffle=False,
        verbose=False,
    )
    indices = np.arange(len(labels))
    (train_index, _), (validation_index, _) = stratified_split(
        indices, labels, validation_fraction, seed, "validation_fraction"
    )
    in_train = np.zeros(len(labels), dtype=bool)
    in_train[train_index] = True
    in_train = tf.constant(in_train)
    numbered = dataset.enumerate()

    def keep(train):
        def predicate(index, _):
            selected = tf.gather(in_train, index)
            return selected if train else tf.logical_not(selected)

        return numbered.filter(predicate).map(lambda _, item: item)

    train = keep(True).shuffle(len(train_index), seed=seed)
    validation = keep(False)
    return (
        train.batch(batch_size).prefetch(2),
        validation.batch(batch_size).prefetch(2),
        class_names,
    )
