"""Export of trained products for serving (SavedModel, ONNX, torch)."""

from keras_acorl.export.export_model import FORMATS
from keras_acorl.export.export_model import export_model
from keras_acorl.export.export_model import export_models

__all__ = ["FORMATS", "export_model", "export_models"]
