"""Teacher outputs computed once, for training without running teachers."""

from keras_acorl.models import meal_distiller


def precompute_teacher_outputs(distiller, x, batch_size=256, verbose=0):
    """Runs every teacher of a `MEALDistiller` once over `x`.

    Kept for compatibility: this is `distiller.precompute(x, batch_size)`.

    For data without random augmentation, teacher outputs are the same every
    epoch: compute them once (as FKD does) and train with no teacher in the
    loop. The returned inputs replace `x` in `fit`/`evaluate`; the student
    still sees `x`, and the distiller picks teachers (`"random"`) or
    averages them (`"mean"`) from the stored outputs exactly as it would
    from live teachers.

    Args:
        distiller: a `keras_acorl.MEALDistiller`.
        x: NumPy array (or dict of arrays) of model inputs.
        batch_size: int. Batch size of the teachers' forward passes.
        verbose: verbosity of the teachers' `predict`.

    Returns:
        dict `{"inputs": x, "teacher_outputs": [array, ...]}` with one
        `(num_samples, num_teachers, dim)` array per tap (logits last).

    Example:

    ```python
    import keras
    import numpy as np
    import keras_acorl

    def mlp(width):
        inputs = keras.Input(shape=(8,))
        hidden = keras.layers.Dense(width, activation="relu")(inputs)
        return keras.Model(inputs, keras.layers.Dense(3)(hidden))

    distiller = keras_acorl.MEALDistiller([mlp(16), mlp(32)], mlp(4))
    distiller.compile(optimizer="adam")
    x = np.random.rand(64, 8).astype("float32")
    cached = keras_acorl.data.precompute_teacher_outputs(distiller, x)
    distiller.fit(cached, epochs=1, verbose=0)  # No teacher runs.
    ```
    """
    if not isinstance(distiller, meal_distiller.MEALDistiller):
        raise TypeError(
            "`distiller` must be a keras_acorl.MEALDistiller. "
            f"Received: {type(distiller).__name__}"
        )
    del verbose  # The teachers' passes are silent.
    return distiller.precompute(x, batch_size=batch_size)
