"""Metrics: representation similarity (CKA, linear probes); speaker
verification error rates (EER, minDCF, DET curve)."""

from keras_acorl.metrics.representation_similarity import cka_matrix
from keras_acorl.metrics.representation_similarity import linear_cka
from keras_acorl.metrics.representation_similarity import linear_probe_r2
from keras_acorl.metrics.verification import det_curve
from keras_acorl.metrics.verification import equal_error_rate
from keras_acorl.metrics.verification import min_dcf

__all__ = [
    "cka_matrix",
    "linear_cka",
    "linear_probe_r2",
    "det_curve",
    "equal_error_rate",
    "min_dcf",
]
