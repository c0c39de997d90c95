"""Analysis of trained models: where they look (attribution), how similar
their representations are and how differently they err (NumPy results on
any backend, not `keras.metrics.Metric`s)."""

from keras_acorl.analysis.attribution_overlap import attribution_overlap
from keras_acorl.analysis.grad_cam import grad_cam
from keras_acorl.analysis.grad_cam import grad_cam_plus_plus
from keras_acorl.analysis.integrated_gradients import integrated_gradients
from keras_acorl.analysis.kernel_cka import rbf_cka
from keras_acorl.analysis.prediction_diversity import prediction_diversity
from keras_acorl.analysis.representation_similarity import cka_matrix
from keras_acorl.analysis.representation_similarity import linear_cka
from keras_acorl.analysis.representation_similarity import linear_probe_r2
from keras_acorl.analysis.saliency import saliency
from keras_acorl.analysis.saliency import smoothgrad

__all__ = [
    "attribution_overlap",
    "cka_matrix",
    "grad_cam",
    "grad_cam_plus_plus",
    "integrated_gradients",
    "linear_cka",
    "linear_probe_r2",
    "prediction_diversity",
    "rbf_cka",
    "saliency",
    "smoothgrad",
]
