"""Base representations computed once, for training an alliance without
running the frozen base models."""

from keras_acorl.models import complementary_model
from keras_acorl.models.cached_inputs import make_cached


def precompute_base_representations(model, x, batch_size=256, verbose=0):
    """Runs every base model of a `ComplementaryModel` once over `x`.

    The base models are frozen and run in inference mode, so their
    representations of un-augmented data never change: compute them once
    and train the alliance at the cost of one model. Pass the result to
    `fit`/`evaluate` in place of `x`.

    Args:
        model: a `keras_acorl.ComplementaryModel`.
        x: NumPy array (or dict of arrays) of model inputs.
        batch_size: int. Batch size of the base models' forward passes.
        verbose: verbosity of the base models' `predict`.

    Returns:
        dict `{"inputs": x, "base_representations": [array, ...]}`, one
        `(num_samples, dim)` array per base model.

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    inputs = keras.Input(shape=(8,))
    base = keras.Model(inputs, keras.layers.Dense(3)(inputs))
    encoder_in = keras.Input(shape=(8,))
    alliance = keras.Model(encoder_in, keras.layers.Dense(4)(encoder_in))
    model = keras_acorl.ComplementaryModel(
        [base], alliance, head=keras.layers.Dense(3)
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.random.rand(32, 8).astype("float32")
    y = np.random.randint(0, 3, size=(32,))
    cached = keras_acorl.data.precompute_base_representations(model, x)
    model.fit(cached, y, epochs=1, verbose=0)  # The base model never runs.
    ```
    """
    if not isinstance(model, complementary_model.ComplementaryModel):
        raise TypeError(
            "`model` must be a keras_acorl.ComplementaryModel. "
            f"Received: {type(model).__name__}"
        )
    arrays = [
        extractor.predict(x, batch_size=batch_size, verbose=verbose)
        for extractor in model.base_extractors
    ]
    return make_cached(x, complementary_model.BASE_REPRESENTATIONS, arrays)
