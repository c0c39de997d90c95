"""Config round trips of models that hold other models."""

import copy

import keras


def serialize_optional(obj):
    return None if obj is None else keras.saving.serialize_keras_object(obj)


def deserialize_sub_models(config, lists=(), singles=(), custom_objects=None):
    """A copy of `config` with the serialized models under the keys `lists`
    (lists of models) and `singles` (a model, a layer or None) rebuilt.

    The copy matters: rebuilding a functional model consumes parts of its
    config.
    """
    config = copy.deepcopy(config)

    def deserialize(item):
        return keras.saving.deserialize_keras_object(
            item, custom_objects=custom_objects
        )

    for key in lists:
        config[key] = [deserialize(item) for item in config[key]]
    for key in singles:
        if config.get(key) is not None:
            config[key] = deserialize(config[key])
    return config
