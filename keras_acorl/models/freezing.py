"""Old import path of `freeze`; it lives in
`keras_acorl.models.composite_model`."""

from keras_acorl.models.composite_model import freeze  # noqa: F401
