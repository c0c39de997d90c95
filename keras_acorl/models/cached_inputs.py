"""Old import path of the precomputed-input helpers; they live in
`keras_acorl.models.composite_model` (kept until every model uses
`CompositeModel.precompute` / `split_precomputed`)."""

from keras_acorl.models.composite_model import INPUTS  # noqa: F401
from keras_acorl.models.composite_model import make_cached  # noqa: F401
from keras_acorl.models.composite_model import split_cached  # noqa: F401
