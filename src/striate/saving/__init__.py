"""Model configs and files: no pickle, no code from files (``striate.saving`` is ``keras.saving``)."""

from striate._object_registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                      get_registered_name, get_registered_object, register_keras_serializable)
from striate.saving.serialization import SerializationError, deserialize_layer, serialize_layer
from striate.saving.object_serialization import deserialize_keras_object, serialize_keras_object
from striate.saving.errors import ModelFileError, ModelPathError, SavingError
from striate.saving.model_io import load_model, load_weights, save_model, save_weights

__all__ = ["register_keras_serializable", "get_registered_object", "get_registered_name", "get_custom_objects",
           "CustomObjectScope", "custom_object_scope", "serialize_keras_object", "deserialize_keras_object",
           "serialize_layer", "deserialize_layer", "SerializationError"]
__all__ += ["load_model", "save_model", "load_weights", "save_weights", "ModelFileError", "ModelPathError",
            "SavingError"]
