"""Helpers around the engine: labels, splits, image resizing, seeding.

>>> from striate import utils
>>> utils.to_categorical([1], 2).tolist()
[[0.0, 1.0]]
"""

from striate._object_registry import (CustomObjectScope, custom_object_scope, get_custom_objects,
                                      get_registered_name, get_registered_object, register_keras_serializable)
from striate.backend import disable_deterministic, enable_deterministic, is_deterministic
from striate.random import set_random_seed
from striate.saving.object_serialization import deserialize_keras_object, serialize_keras_object
from striate.utils.data import normalize, to_categorical, train_test_split
from striate.utils.image import resize_images
from striate.utils.seeding import rng_from_seed

__all__ = ["to_categorical", "normalize", "train_test_split", "resize_images", "rng_from_seed",
           "set_random_seed", "enable_deterministic", "disable_deterministic", "is_deterministic"]
# Keras 3 has the registration helpers under keras.utils too.
__all__ += ["register_keras_serializable", "get_registered_object", "get_registered_name", "get_custom_objects",
            "CustomObjectScope", "custom_object_scope", "serialize_keras_object", "deserialize_keras_object"]
