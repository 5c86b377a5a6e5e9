"""``serialize_keras_object`` / ``deserialize_keras_object``: any striate object to a JSON-ready config and back.

The layout is Keras 3's::

    {"module": "keras.regularizers", "class_name": "L1", "config": {"l1": 0.005}, "registered_name": None}

Plain values (None, bools, numbers, strings) stay as they are, lists, tuples and
dicts are walked, NumPy arrays become ``{"class_name": "__numpy__", ...}``, a
function is written by name (``{"class_name": "function", "config": "relu", ...}``)
and an object with ``get_config`` by its class name and config. Registered
objects carry their ``"package>name"`` key in ``registered_name``.

Reading resolves names only through striate's own tables, the registry, the
active ``custom_object_scope`` and the ``custom_objects`` given: no module is
imported and no code is run because a config says so. A lambda is never
written (it is code) and an unknown name is a clear error that names it.

>>> from striate import regularizers
>>> config = serialize_keras_object(regularizers.L1(0.005))
>>> config["module"], config["class_name"], config["config"]
('keras.regularizers', 'L1', {'l1': 0.005})
>>> deserialize_keras_object(config).l1
0.005
"""

import inspect
import types

import numpy as np

from striate._object_registry import get_registered_name, lookup_custom, scope_objects
from striate.saving.errors import SavingError

__all__ = ["serialize_keras_object", "deserialize_keras_object", "serialize_config_values", "public_module"]

_PLAIN = (str, int, float, bool, type(None))
# Keras's public namespaces, by the striate package an object comes from.
_FAMILIES = ("layers", "models", "regularizers", "initializers", "constraints", "losses", "metrics", "optimizers",
             "activations")


class UnknownObjectError(SavingError, ValueError):
    """A config names a class or function that striate does not know and nobody registered."""


def public_module(obj):
    """``"keras.<family>"`` for a striate object (``striate.layers.core.Dense`` -> ``keras.layers``),
    else the object's own module (a user's class: ``"__main__"``, ``"my_package.layers"``)."""
    module = obj.__module__ if isinstance(obj, (type, types.FunctionType)) else type(obj).__module__
    parts = module.split(".")
    if parts[0] == "striate" and len(parts) > 1:
        family = "optimizers.schedules" if parts[1:3] == ["optimizers", "schedules"] else parts[1]
        if family in _FAMILIES or family == "optimizers.schedules":
            return f"keras.{family}"
    return module


def serialize_keras_object(obj):
    """A JSON-ready config of ``obj`` (see the module doc).

    Raises:
        ValueError: for a lambda or another object that cannot be named in a file.
    """
    from striate.tensor import Tensor

    if isinstance(obj, _PLAIN):
        return obj
    if isinstance(obj, (list, tuple)):
        items = [serialize_keras_object(v) for v in obj]
        return tuple(items) if isinstance(obj, tuple) else items
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, Tensor):
        obj = obj.data
    if isinstance(obj, np.ndarray):
        if obj.ndim == 0:
            return obj.item()
        return {"class_name": "__numpy__", "config": {"value": obj.tolist(), "dtype": obj.dtype.name}}
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, types.FunctionType):
        if obj.__name__ == "<lambda>":
            raise ValueError("serialize_keras_object: a lambda is code, which striate never writes into a config; "
                             "use a named function registered with register_keras_serializable")
        return {"module": public_module(obj), "class_name": "function", "config": obj.__name__,
                "registered_name": _registered(obj)}
    from striate.layers.base import Layer

    if isinstance(obj, Layer):
        from striate.saving.serialization import serialize_layer

        entry = serialize_layer(obj)
        return {"module": public_module(obj), "class_name": entry["class_name"], "config": entry["config"],
                "registered_name": _registered(type(obj)), **{k: v for k, v in entry.items()
                                                             if k not in ("class_name", "config", "name",
                                                                          "registered_name")}}
    if hasattr(obj, "get_config") and not inspect.isclass(obj):
        return {"module": public_module(obj), "class_name": type(obj).__name__,
                "config": serialize_config_values(obj.get_config()), "registered_name": _registered(type(obj))}
    raise ValueError(f"serialize_keras_object: cannot serialize {obj!r} of type {type(obj).__name__}: it has no "
                     "get_config() and is not a plain value, array or named function")


def _registered(obj):
    name = get_registered_name(obj)
    return name if ">" in name else None


def serialize_config_values(config):
    """A ``get_config()`` dict with the objects inside it (layers, regularizers, ...) turned
    into configs; plain values, lists, tuples and dicts keep their shape."""
    return serialize_keras_object(config)


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """The object a :func:`serialize_keras_object` config describes.

    Args:
        config: the config (a plain value, list, dict, or ``{"class_name", "config", ...}``).
        custom_objects: ``{name: class or function}`` for user objects not registered.
        safe_mode: accepted for Keras compatibility; striate never loads code, whatever it says.

    Raises:
        ValueError: (``UnknownObjectError``) for a class or function that is not built
            in, not registered and not in ``custom_objects``; for a lambda.
    """
    del safe_mode, kwargs
    if isinstance(config, _PLAIN):
        return config
    if isinstance(config, (list, tuple)):
        return [deserialize_keras_object(v, custom_objects) for v in config]
    if not isinstance(config, dict):
        raise TypeError(f"deserialize_keras_object: expected a config dict, got {type(config).__name__}")
    if "class_name" not in config:
        return {key: deserialize_keras_object(value, custom_objects) for key, value in config.items()}
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "__numpy__":
        return np.asarray(inner["value"], dtype=inner["dtype"])
    if class_name == "__tensor__":
        from striate.tensor import Tensor

        return Tensor(np.asarray(inner["value"], dtype=inner["dtype"]))
    if class_name in ("__lambda__", "__typespec__"):
        raise UnknownObjectError("the config holds a lambda (Python bytecode); striate never loads code from a "
                                 "config. Rewrite it as a named function and register it")
    if class_name == "__ellipsis__":
        return Ellipsis
    if class_name == "__bytes__":
        return inner["value"].encode("utf-8")
    family = _family(config.get("module"))
    if class_name == "function":
        return _function(inner, config.get("registered_name"), family, custom_objects)
    cls = _class(class_name, config.get("registered_name"), family, custom_objects)
    from striate.layers.base import Layer

    if inspect.isclass(cls) and issubclass(cls, Layer):
        from striate.saving.serialization import deserialize_layer

        return deserialize_layer(config, custom_objects)
    # As Keras: from_config gets the inner config as it is (objects inside stay configs;
    # a class that holds objects deserializes them in its own from_config).
    inner = dict(inner or {})
    from striate._object_registry import custom_object_scope

    with custom_object_scope(custom_objects or {}):
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(inner, custom_objects=custom_objects)
        return cls.from_config(inner)


def _family(module):
    """``"layers"`` for ``keras.layers`` / ``keras.src.layers.core`` / ``striate.layers``; None otherwise."""
    if not isinstance(module, str):
        return None
    parts = module.split(".")
    if parts[0] not in ("keras", "striate"):
        return None
    parts = parts[2:] if parts[1:2] == ["src"] else parts[1:]
    if parts[:2] == ["optimizers", "schedules"]:
        return "schedules"
    return parts[0] if parts and parts[0] in _FAMILIES else None


def _builtin_table(family):
    from striate import activations, constraints, initializers, regularizers
    from striate.losses import registry as loss_registry
    from striate.metrics import registry as metric_registry
    from striate.optimizers import schedules
    from striate.optimizers import serialization as optimizer_serialization
    from striate.saving.serialization import _builtin_classes

    tables = {
        "layers": _builtin_classes, "models": _builtin_classes,
        "regularizers": lambda: dict(regularizers._CLASSES),
        "initializers": lambda: dict(initializers._CLASSES),
        "constraints": lambda: dict(constraints.ALL_OBJECTS_DICT),
        "losses": lambda: dict(loss_registry.ALL_OBJECTS_DICT),
        "metrics": lambda: {**metric_registry.ALL_OBJECTS_DICT, **metric_registry._FUNCTIONS_DICT},
        "optimizers": lambda: {cls.__name__: cls for cls in optimizer_serialization._BUILT_IN.values()},
        "schedules": lambda: dict(schedules._BUILT_IN),
        "activations": lambda: dict(activations._BY_NAME),
    }
    if family is not None:
        return tables[family]()
    merged = {}
    for name in ("activations", "constraints", "initializers", "regularizers", "optimizers", "schedules",
                 "metrics", "losses", "layers"):
        merged.update(tables[name]())
    return merged


def _scoped(names, custom_objects):
    scoped = scope_objects()
    for name in names:
        for table in (custom_objects or {}, scoped):
            if name in table:
                return table[name]
    return None


def _class(class_name, registered_name, family, custom_objects):
    names = [n for n in (registered_name, class_name) if isinstance(n, str) and n]
    found = _scoped(names, custom_objects) or _builtin_table(family).get(class_name)
    for name in names:
        found = found or lookup_custom(name)
    if found is None:
        raise UnknownObjectError(f"unknown class {class_name!r} (registered name {registered_name!r}): register it "
                                 "with @striate.saving.register_keras_serializable() or pass it in custom_objects")
    return found


def _function(name, registered_name, family, custom_objects):
    names = [n for n in (registered_name, name) if isinstance(n, str) and n]
    found = _scoped(names, custom_objects) or (_builtin_table(family).get(name) if isinstance(name, str) else None)
    for each in names:
        found = found or lookup_custom(each)
    if found is None:
        raise UnknownObjectError(f"unknown function {name!r} (registered name {registered_name!r}): a config "
                                 "names functions only; register it with @striate.saving."
                                 "register_keras_serializable() or pass it in custom_objects")
    return found
