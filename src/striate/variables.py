"""Variable: a named, possibly trainable Tensor that a layer owns (a weight): Keras 3's ``keras.Variable``.

A Variable *is* a Tensor, so it enters every op (and ``keras.ops``) directly and
gradients flow to it; ``assign``, ``assign_add`` and ``assign_sub`` overwrite its
values in place (optimizers do the same), never building a graph.

>>> import numpy as np
>>> v = Variable(np.zeros((2, 3)), name="kernel")
>>> v.shape, v.trainable, v.requires_grad, v.name
((2, 3), True, True, 'kernel')
>>> _ = v.assign(np.ones((2, 3))); float(v.numpy().sum())
6.0
>>> _ = v.assign_add(np.ones((2, 3))); float((v * 2).numpy().sum())
24.0
>>> w = Variable(initializer="zeros", shape=(2,), dtype="int32", trainable=False)
>>> w.numpy().tolist(), str(w.dtype)
([0, 0], 'int32')
"""

from striate import backend
from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["Variable"]

_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica", None)


class Variable(Tensor):
    """A layer weight: ``data`` is updated in place by optimizers and ``assign``.

    Args:
        initializer: the initial value (array, number, Tensor) or, with ``shape``, an
            initializer (name such as ``"zeros"``, Initializer or callable
            ``(shape, dtype) -> array``). Floats become ``floatx()`` unless ``dtype`` is given.
        shape: the shape, needed when ``initializer`` is an initializer.
        dtype: optional dtype.
        trainable: whether optimizers update it (moving statistics are not trainable).
        autocast, aggregation, synchronization: accepted and recorded, as in Keras
            (striate does not compute in mixed precision nor across replicas).
        name: short name such as ``"kernel"``; ``path`` adds the layer's name.

    Attributes:
        value: the Variable itself as a Tensor (what ops use; ``v.value.grad`` is the gradient).
        constraint: optional callable applied after each optimizer update (``layer.add_weight``).
        regularizer: optional penalty added to the layer's losses.

    Raises:
        ValueError: for an initializer given without a shape, or a value whose shape differs
            from ``shape``.
    """

    __slots__ = ("_trainable", "path", "constraint", "regularizer", "autocast", "aggregation", "synchronization",
                 "overwrite_with_gradient")

    def __init__(self, initializer=None, shape=None, dtype=None, trainable=True, autocast=True, aggregation="none",
                 synchronization="auto", name=None, value=None):
        if value is not None:  # the keyword of earlier striate versions
            initializer = value
        if initializer is None:
            raise ValueError("Variable: give an initial value (or an initializer and a shape)")
        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"Variable: aggregation must be one of {_AGGREGATIONS}, got {aggregation!r}")
        array = _initial_array(initializer, shape, dtype)
        if dtype is None and array.dtype.kind == "f":
            from striate.backend import floatx

            array = array.astype(floatx(), copy=False)
        super().__init__(array, requires_grad=False, name=name)
        backend._track_weight(self)
        self.path = name
        self.constraint = self.regularizer = None
        self.autocast, self.aggregation, self.synchronization = bool(autocast), aggregation, synchronization
        self.overwrite_with_gradient = False
        self.trainable = trainable

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        self.requires_grad = self._trainable and self.data.dtype.kind == "f"  # only floats have gradients

    @property
    def value(self):
        return self

    def assign(self, value):
        """Overwrite the values in place (shape and dtype kept); returns ``value``.

        Raises:
            ValueError: when ``value`` has a different shape.
        """
        array = backend.to_array(value.data if isinstance(value, Tensor) else value)  # host data cross here
        if array.shape != self.data.shape and not (array.ndim == 0 and self.data.ndim > 0):
            raise ValueError(f"Variable {self.path!r}: cannot assign shape {array.shape} to shape {self.data.shape}")
        self.data[...] = array
        return value

    def assign_add(self, value):
        """``self += value`` in place; returns ``value``."""
        array = xp.asarray(value.data if isinstance(value, Tensor) else value)
        self.assign(self.data + array)
        return value

    def assign_sub(self, value):
        """``self -= value`` in place; returns ``value``."""
        array = xp.asarray(value.data if isinstance(value, Tensor) else value)
        self.assign(self.data - array)
        return value

    def __float__(self):
        return float(self.data)

    def __int__(self):
        return int(self.data)

    def __repr__(self):
        return f"<Variable path={self.path!r} shape={self.shape} dtype={self.dtype} trainable={self.trainable}>"


def _initial_array(initializer, shape, dtype):
    if isinstance(initializer, Tensor):
        initializer = initializer.data
    if isinstance(initializer, str) or (callable(initializer) and not isinstance(initializer, xp.ndarray)):
        if shape is None:
            raise ValueError(f"Variable: an initializer ({initializer!r}) needs a shape")
        from striate import initializers

        return xp.asarray(initializers.get(initializer)(tuple(int(n) for n in shape), dtype=dtype or backend.floatx()))
    # a copy on the current device (host data cross here, at the API boundary)
    array = xp.array(backend.to_array(initializer), dtype=dtype)
    if shape is not None and tuple(array.shape) != tuple(shape):
        raise ValueError(f"Variable: the initial value has shape {array.shape}, but shape={tuple(shape)} was given")
    return array
