"""Metrics: representation similarity (CKA, linear probes)."""

from keras_acorl.metrics.representation_similarity import cka_matrix
from keras_acorl.metrics.representation_similarity import linear_cka
from keras_acorl.metrics.representation_similarity import linear_probe_r2

__all__ = ["cka_matrix", "linear_cka", "linear_probe_r2"]
