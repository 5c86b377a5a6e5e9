"""Activation functions by Keras name: ``activations.get('relu')`` and back.

The functions themselves live in ``striate.functional``; this module is the
``keras.activations`` namespace and the name lookup used by layers.

>>> get("relu").__name__
'relu'
>>> serialize(get(None))
'linear'
"""

from striate import functional as F

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
    """The activation function for a name, None (linear) or a callable.

    Raises:
        ValueError: for an unknown name, listing the known ones.
        TypeError: for anything that is neither a string, None nor callable.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        try:
            return _BY_NAME[identifier.lower()]
        except KeyError:
            raise ValueError(f"unknown activation {identifier!r}; known: {sorted(_BY_NAME)}") from None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"activation must be a name, None or a callable, got {identifier!r}")


def serialize(activation):
    """The name of a built-in activation.

    Raises:
        ValueError: for a function that is not a built-in (it cannot be saved safely).
    """
    for name, fn in _BY_NAME.items():
        if fn is activation:
            return "silu" if name == "swish" else name
    name = getattr(activation, "__name__", None)
    if name in _BY_NAME:
        return name
    raise ValueError(f"cannot serialize activation {activation!r}: only built-in activations are saved by name")


def deserialize(config):
    """The activation for a name or ``{'class_name': 'function', 'config': name}``."""
    if isinstance(config, dict):
        config = config.get("config")
    if not isinstance(config, str):
        raise ValueError(f"activation config must be a name, got {config!r}")
    return get(config)
