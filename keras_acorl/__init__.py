"""keras-acorl: multi-model fusion for Keras 3.

Train a model that learns what existing models missed
(`ComplementaryModel`), fuse models (`FusionEnsemble`), on TensorFlow, JAX
or PyTorch.
"""

from keras_acorl import analysis
from keras_acorl import callbacks
from keras_acorl import layers
from keras_acorl import losses
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
    "export_model",
    "layers",
    "losses",
    "schedules",
]
