"""Activation functions by Keras name: ``activations.get('relu')`` and back.

The functions themselves live in ``striate.functional``; this module is the
``keras.activations`` namespace and the name lookup used by layers.

>>> get("relu").__name__
'relu'
>>> serialize(get(None))
'linear'
"""

from striate import functional as F
from striate._object_registry import get_registered_name, lookup_custom

__all__ = ["get", "serialize", "deserialize", "relu", "relu6", "leaky_relu", "elu", "selu", "gelu",
           "sigmoid", "hard_sigmoid", "tanh", "softplus", "softsign", "silu", "swish",
           "exponential", "linear", "softmax", "log_softmax"]

relu, relu6, leaky_relu, elu, selu, gelu = F.relu, F.relu6, F.leaky_relu, F.elu, F.selu, F.gelu
sigmoid, hard_sigmoid, tanh, softplus, softsign = F.sigmoid, F.hard_sigmoid, F.tanh, F.softplus, F.softsign
silu, swish, exponential, linear, softmax, log_softmax = F.silu, F.silu, F.exponential, F.linear, F.softmax, F.log_softmax

_BY_NAME = {
    "relu": relu, "relu6": relu6, "leaky_relu": leaky_relu, "elu": elu, "selu": selu, "gelu": gelu,
    "sigmoid": sigmoid, "hard_sigmoid": hard_sigmoid, "tanh": tanh, "softplus": softplus,
    "softsign": softsign, "silu": silu, "swish": silu, "exponential": exponential, "linear": linear,
    "softmax": softmax, "log_softmax": log_softmax,
}


def get(identifier):
    """The activation function for a name, None (linear), a config dict or a callable.

    A name that is not built in is looked up among the registered functions
    (:func:`~striate.saving.register_keras_serializable`) and those of the active
    :class:`~striate.saving.CustomObjectScope`.

    Raises:
        ValueError: for an unknown name, listing the known ones.
        TypeError: for anything that is neither a string, None nor callable.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        found = _BY_NAME.get(identifier.lower()) or lookup_custom(identifier)
        if found is None:
            raise ValueError(f"unknown activation {identifier!r}; known: {sorted(_BY_NAME)} (a custom activation "
                             "must be registered with register_keras_serializable or given in custom_objects)")
        return found
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a name, None or a callable, got {identifier!r}")


def serialize(activation):
    """The name of a built-in activation; for a custom function, Keras's
    ``{"module", "class_name": "function", "config": name, "registered_name"}``.

    Raises:
        ValueError: for a lambda or a callable without a name (it cannot be saved safely).
    """
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return "silu" if name == "swish" else name
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME:
        return name
    if not isinstance(name, str) or name == "<lambda>":
        raise ValueError(f"cannot serialize activation {activation!r}: a lambda (or a callable without a name) is "
                         "code; use a named function registered with register_keras_serializable")
    registered = get_registered_name(activation)
    return {"module": getattr(activation, "__module__", None), "class_name": "function", "config": name,
            "registered_name": registered if ">" in registered else None}


def deserialize(config, custom_objects=None):
    """The activation for a name or ``{'class_name': 'function', 'config': name, 'registered_name': ...}``."""
    if isinstance(config, dict):
        registered = config.get("registered_name")
        found = lookup_custom(registered, custom_objects) if isinstance(registered, str) else None
        if found is not None:
            return found
        config = config.get("config")
    if not isinstance(config, str):
        raise ValueError(f"activation config must be a name, got {config!r}")
    if custom_objects and config in custom_objects:
        return custom_objects[config]
    return get(config)
