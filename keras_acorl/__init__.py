"""keras-acorl: multi-model fusion for Keras 3.

Train a model that learns what existing models missed
(`ComplementaryModel`), fuse models (`FusionEnsemble`), on TensorFlow, JAX
or PyTorch.
"""

import importlib

from keras_acorl import analysis
from keras_acorl import callbacks
from keras_acorl import layers
from keras_acorl import losses
from keras_acorl import objectives
from keras_acorl import schedules
from keras_acorl.export.export_model import export_model
from keras_acorl.models.complementary_model import ComplementaryModel
from keras_acorl.models.fusion_ensemble import FusionEnsemble
from keras_acorl.models.meal_distiller import MEALDistiller
from keras_acorl.version import __version__

__all__ = [
    "ComplementaryModel",
    "FusionEnsemble",
    "MEALDistiller",
    "__version__",
    "analysis",
    "callbacks",
    "datasets",
    "export_model",
    "layers",
    "losses",
    "objectives",
    "schedules",
    "speaker",
    "zoo",
]

# Imported on first use (`keras_acorl.zoo.small_cnn`, ...): they pull in
# scikit-learn, SciPy, keras-hub or soundfile.
_LAZY_SUBPACKAGES = ("datasets", "speaker", "zoo")


def __getattr__(name):
    if name in _LAZY_SUBPACKAGES:
        return importlib.import_module(f"keras_acorl.{name}")
    raise AttributeError(f"module 'keras_acorl' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_LAZY_SUBPACKAGES))
