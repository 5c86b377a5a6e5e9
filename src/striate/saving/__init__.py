"""Model configs and files: no pickle, no code from files."""

from striate.saving.serialization import (SerializationError, deserialize_layer, get_registered_object,
                                          register_keras_serializable, serialize_layer)
from striate.saving.errors import ModelFileError, ModelPathError, SavingError
from striate.saving.model_io import load_model

__all__ = ["register_keras_serializable", "get_registered_object", "serialize_layer", "deserialize_layer",
           "SerializationError"]
__all__ += ["load_model", "ModelFileError", "ModelPathError", "SavingError"]
