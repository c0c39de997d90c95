"""Freezing models that are used but never trained."""


def freeze(model):
    """Sets `model.trainable = False`, recursively.

    On TensorFlow, assigning False when the flag already is False is skipped
    (TF's `self.x = self.x` short cut), which leaves the sublayers of a
    subclassed model deserialized with `trainable=False` trainable. Flipping
    the flag first always propagates it.
    """
    model.trainable = True
    model.trainable = False
    return model
