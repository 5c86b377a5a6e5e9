"""``keras.layers.serialize`` / ``keras.layers.deserialize``: one layer to a config dict and back.

>>> from striate import layers
>>> config = serialize(layers.Dense(3, activation="relu", name="d"))
>>> config["module"], config["class_name"], config["config"]["units"]
('keras.layers', 'Dense', 3)
>>> deserialize(config).activation.__name__
'relu'
"""

__all__ = ["serialize", "deserialize"]


def serialize(layer):
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` of a layer or model."""
    from striate.saving.object_serialization import serialize_keras_object

    return serialize_keras_object(layer)


def deserialize(config, custom_objects=None):
    """A new layer from :func:`serialize`'s dict (custom classes registered or in ``custom_objects``).

    Raises:
        ValueError: for an unknown class or a config the class rejects.
    """
    from striate._object_registry import custom_object_scope
    from striate.saving.serialization import deserialize_layer

    with custom_object_scope(custom_objects or {}):
        return deserialize_layer(config, custom_objects)
