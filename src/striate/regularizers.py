"""Weight penalties added to the loss: L1, L2 and both (Keras's names).

>>> import numpy as np
>>> from striate.tensor import Tensor
>>> float(L2(0.1)(Tensor(np.array([1.0, 2.0]))).item())
0.5
"""

from striate._object_registry import lookup_custom

__all__ = ["Regularizer", "L1", "L2", "L1L2", "get", "serialize", "deserialize", "l1", "l2", "l1_l2"]


class Regularizer:
    """Base class: ``__call__(weight)`` returns a scalar Tensor penalty."""

    def __call__(self, weight):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)


class L1L2(Regularizer):
    """``l1 * sum(|w|) + l2 * sum(w^2)``."""

    def __init__(self, l1=0.0, l2=0.0):
        for name, value in (("l1", l1), ("l2", l2)):
            if not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"{type(self).__name__}: {name} must be a non-negative number, got {value!r}")
        self.l1, self.l2 = float(l1), float(l2)

    def __call__(self, weight):
        penalty = 0.0
        if self.l1:
            penalty = penalty + weight.abs().sum() * self.l1
        if self.l2:
            penalty = penalty + (weight * weight).sum() * self.l2
        return penalty

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(L1L2):
    def __init__(self, l1=0.01):
        super().__init__(l1=l1)

    def get_config(self):
        return {"l1": self.l1}


class L2(L1L2):
    def __init__(self, l2=0.01):
        super().__init__(l2=l2)

    def get_config(self):
        return {"l2": self.l2}


l1, l2, l1_l2 = L1, L2, L1L2  # Keras's function-style aliases: keras.regularizers.l2(1e-3)

_BY_NAME = {"l1": L1, "l2": L2, "l1l2": L1L2, "l1_l2": L1L2}
_CLASSES = {"L1": L1, "L2": L2, "L1L2": L1L2}


def get(identifier):
    """A regularizer from None, a name ('l2'), a config dict, an instance or a callable."""
    if identifier is None or isinstance(identifier, Regularizer):
        return identifier
    if isinstance(identifier, str):
        found = _BY_NAME.get(identifier.lower()) or _CLASSES.get(identifier) or lookup_custom(identifier)
        if found is None:
            raise ValueError(f"unknown regularizer {identifier!r}; known: {sorted(_BY_NAME)}")
        return found() if isinstance(found, type) else found
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if callable(identifier):
        return identifier
    raise TypeError(f"could not interpret regularizer {identifier!r}")


def serialize(regularizer):
    if regularizer is None:
        return None
    if type(regularizer).__name__ not in _CLASSES:
        if not hasattr(regularizer, "get_config"):
            raise ValueError(f"cannot serialize regularizer {regularizer!r}: neither built in nor with get_config()")
        from striate.saving.object_serialization import serialize_keras_object

        return serialize_keras_object(regularizer)  # a custom class: found again when registered
    return {"class_name": type(regularizer).__name__, "config": regularizer.get_config()}


def deserialize(config):
    if config is None:
        return None
    name = config.get("class_name") if isinstance(config, dict) else None
    cls = _CLASSES.get(name) if isinstance(name, str) else None
    cls = cls or lookup_custom(config.get("registered_name") if isinstance(config, dict) else None) \
        or lookup_custom(name)
    if cls is None:
        raise ValueError(f"unknown regularizer config {config!r}")
    return cls.from_config(dict(config.get("config") or {}))
