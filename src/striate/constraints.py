"""Weight constraints (``keras.constraints``): projections applied to a weight after each optimizer update.

A constraint is a callable ``w -> projected w``; ``layer.add_weight(constraint=...)``
(or ``Dense(kernel_constraint=...)``) attaches it to the weight and the optimizer
applies it right after every update, as Keras does. The built-ins work on the
weight's array (a Variable or Tensor is read through its array) and return an
array of the same shape and dtype. ``axis`` selects the axes one norm is taken
over: ``0`` for the incoming weights of each unit of a ``Dense`` kernel
``(in, out)``, ``[0, 1, 2]`` for each filter of a ``Conv2D`` kernel ``(kh, kw, in, out)``.

>>> import numpy as np
>>> w = np.array([[3.0, 0.1], [4.0, 0.1]])
>>> MaxNorm(max_value=1.0)(w).round(3).tolist()        # column norms 5 -> 1, 0.14 stays
[[0.6, 0.1], [0.8, 0.1]]
>>> get("non_neg")(np.array([-1.0, 2.0])).tolist()
[0.0, 2.0]
"""

import inspect

from striate.backend import xp

__all__ = ["Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "max_norm", "min_max_norm", "non_neg",
           "unit_norm", "get", "serialize", "deserialize", "ALL_OBJECTS_DICT"]

_EPSILON = 1e-7  # Keras's backend.epsilon(): keeps a zero column from dividing by zero


def _array(w):
    return xp.asarray(getattr(w, "data", w))


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return xp.sqrt(xp.sum(w * w, axis=axis, keepdims=True))


def _check_axis(owner, axis):
    items = axis if isinstance(axis, (list, tuple)) else [axis]
    if not items or not all(isinstance(a, int) and not isinstance(a, bool) for a in items):
        raise TypeError(f"{owner}: axis must be an int or a list of ints, got {axis!r}")
    return list(axis) if isinstance(axis, tuple) else axis


def _check_number(owner, name, value, low=None):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (low is not None and value < low):
        raise ValueError(f"{owner}: {name} must be a number{'' if low is None else f' >= {low}'}, got {value!r}")
    return value


class Constraint:
    """Base class: override ``__call__(w)`` to return the projected weight (identity here)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"{type(self).__name__}({self.get_config()})"


class MaxNorm(Constraint):
    """Rescale each weight vector whose L2 norm (over ``axis``) exceeds ``max_value`` down to it.

    Args:
        max_value: the largest norm allowed (default 2).
        axis: axis or axes the norm is taken over (default 0).
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = _check_number("MaxNorm", "max_value", max_value, 0)
        self.axis = _check_axis("MaxNorm", axis)

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        desired = xp.clip(norms, 0, self.max_value)
        return (w * (desired / (_EPSILON + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class MinMaxNorm(Constraint):
    """Move each weight vector's L2 norm into ``[min_value, max_value]``.

    The norm becomes ``rate * clip(norm, min_value, max_value) + (1 - rate) * norm``:
    ``rate=1`` enforces the bounds at once, a smaller rate moves towards them.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = _check_number("MinMaxNorm", "min_value", min_value, 0)
        self.max_value = _check_number("MinMaxNorm", "max_value", max_value, 0)
        if self.max_value < self.min_value:
            raise ValueError(f"MinMaxNorm: max_value ({max_value}) must be >= min_value ({min_value})")
        self.rate = _check_number("MinMaxNorm", "rate", rate, 0)
        self.axis = _check_axis("MinMaxNorm", axis)

    def __call__(self, w):
        w = _array(w)
        norms = _norms(w, self.axis)
        desired = self.rate * xp.clip(norms, self.min_value, self.max_value) + (1 - self.rate) * norms
        return (w * (desired / (_EPSILON + norms))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


class NonNeg(Constraint):
    """Set negative weights to zero."""

    def __call__(self, w):
        w = _array(w)
        return xp.maximum(w, 0).astype(w.dtype, copy=False)


class UnitNorm(Constraint):
    """Divide each weight vector by its L2 norm over ``axis`` (default 0)."""

    def __init__(self, axis=0):
        self.axis = _check_axis("UnitNorm", axis)

    def __call__(self, w):
        w = _array(w)
        return (w / (_EPSILON + _norms(w, self.axis))).astype(w.dtype, copy=False)

    def get_config(self):
        return {"axis": self.axis}


max_norm, min_max_norm, non_neg, unit_norm = MaxNorm, MinMaxNorm, NonNeg, UnitNorm

_CLASSES = (Constraint, MaxNorm, MinMaxNorm, NonNeg, UnitNorm)
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({"constraint": Constraint, "max_norm": MaxNorm, "min_max_norm": MinMaxNorm,
                         "non_neg": NonNeg, "unit_norm": UnitNorm})


def serialize(constraint):
    """Keras 3's ``{"module", "class_name", "config", "registered_name"}`` of a constraint (None for None)."""
    if constraint is None:
        return None
    from striate.saving.object_serialization import serialize_keras_object

    return serialize_keras_object(constraint)


def deserialize(config, custom_objects=None):
    """The constraint a :func:`serialize` dict (or a name) describes."""
    from striate._object_registry import lookup_custom
    from striate.saving.object_serialization import deserialize_keras_object

    if isinstance(config, str):
        found = ALL_OBJECTS_DICT.get(config) or lookup_custom(config, custom_objects)
        if found is None:
            raise ValueError(f"Unknown constraint {config!r}; known: {sorted(ALL_OBJECTS_DICT)}")
        return found() if inspect.isclass(found) else found
    return deserialize_keras_object(config, custom_objects)


def get(identifier):
    """A constraint from None, a name (``"max_norm"``, ``"NonNeg"``), a config dict, a class or a callable.

    Raises:
        ValueError: for an unknown name.
        TypeError: for anything that is not callable.
    """
    if identifier is None:
        return None
    obj = deserialize(identifier) if isinstance(identifier, (str, dict)) else identifier
    if inspect.isclass(obj):
        obj = obj()
    if not callable(obj):
        raise TypeError(f"Could not interpret constraint identifier: {identifier!r}")
    return obj
