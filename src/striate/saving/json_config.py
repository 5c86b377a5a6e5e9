"""``model.to_json()`` and ``keras.models.model_from_json``: a model's architecture as a JSON string.

The string is :func:`~striate.saving.serialize_layer`'s config (no weights, no
compile settings); reading it back resolves class names exactly as loading a
model file does, so it never runs code.

>>> import striate
>>> model = striate.Sequential([striate.Input((3,)), striate.layers.Dense(2, name="d")])
>>> twin = model_from_json(model.to_json())
>>> [layer.name for layer in twin.layers], twin.count_params()
(['d'], 8)
"""

import json

from striate._object_registry import custom_object_scope

__all__ = ["model_to_json", "model_from_json"]


def model_to_json(model, **kwargs):
    """The model's config as JSON; ``kwargs`` go to ``json.dumps`` (``indent=2``)."""
    from striate import __version__
    from striate.saving.serialization import serialize_layer

    config = serialize_layer(model)
    config["keras_version"] = f"striate-{__version__}"
    config["backend"] = "numpy"
    return json.dumps(config, **kwargs)


def model_from_json(json_string, custom_objects=None):
    """A new (unbuilt unless the config says its input shape) model from :func:`model_to_json`'s string.

    Raises:
        ValueError: for text that is not JSON, or a config that names unknown classes.
    """
    from striate.saving.serialization import deserialize_layer

    try:
        config = json.loads(json_string)
    except (TypeError, ValueError) as error:
        raise ValueError(f"model_from_json: the text is not JSON ({error})") from None
    with custom_object_scope(custom_objects or {}):
        return deserialize_layer(config, custom_objects)
