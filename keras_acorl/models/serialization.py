"""Old import path of the sub-model config helpers; they live in
`keras_acorl.models.composite_model`."""

from keras_acorl.models.composite_model import deserialize_sub_models  # noqa: F401
from keras_acorl.models.composite_model import serialize_optional  # noqa: F401
