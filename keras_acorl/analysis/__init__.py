"""Analysis of trained models: how similar their representations are
(NumPy functions on arrays of features, not `keras.metrics.Metric`s)."""

from keras_acorl.analysis.representation_similarity import cka_matrix
from keras_acorl.analysis.representation_similarity import linear_cka
from keras_acorl.analysis.representation_similarity import linear_probe_r2

__all__ = [
    "cka_matrix",
    "linear_cka",
    "linear_probe_r2",
]
