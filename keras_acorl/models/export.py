"""Old import path of the inferred-signature export; it lives in
`keras_acorl.models.composite_model.CompositeModel.export`.

`InferredSignatureExport` is kept as a name for `CompositeModel`, so
`class M(InferredSignatureExport, keras.Model)` keeps working until the
models subclass `CompositeModel` directly.
"""

from keras_acorl.models.composite_model import CompositeModel
from keras_acorl.models.composite_model import input_signature_from  # noqa: F401

InferredSignatureExport = CompositeModel
