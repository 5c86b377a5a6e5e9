"""Variable: a named, possibly trainable Tensor that a layer owns (a weight).

>>> import numpy as np
>>> v = Variable(np.zeros((2, 3)), name="kernel")
>>> v.shape, v.trainable, v.requires_grad
((2, 3), True, True)
>>> v.assign(np.ones((2, 3))); float(v.numpy().sum())
6.0
"""

from striate import backend
from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["Variable"]


class Variable(Tensor):
    """A layer weight: ``data`` is updated in place by optimizers and ``assign``.

    Args:
        value: initial array; floats become ``floatx()`` unless ``dtype`` is given.
        name: short name such as ``"kernel"``; ``path`` adds the layer's name.
        trainable: whether optimizers update it (moving statistics are not trainable).
        dtype: optional dtype.
    """

    __slots__ = ("_trainable", "path")

    def __init__(self, value, name=None, trainable=True, dtype=None):
        # a copy on the current device (host data cross here, at the API boundary)
        array = xp.array(backend.to_array(value.data if isinstance(value, Tensor) else value), dtype=dtype)
        if dtype is None and array.dtype.kind == "f":
            from striate.backend import floatx

            array = array.astype(floatx(), copy=False)
        super().__init__(array, requires_grad=False, name=name)
        backend._track_weight(self)
        self.path = name
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
        return self.data

    def assign(self, value):
        """Overwrite the values in place (shape and dtype kept).

        Raises:
            ValueError: when ``value`` has a different shape.
        """
        array = backend.to_array(value.data if isinstance(value, Tensor) else value)
        if array.shape != self.data.shape:
            raise ValueError(f"Variable {self.path!r}: cannot assign shape {array.shape} to shape {self.data.shape}")
        self.data[...] = array

    def __repr__(self):
        return f"<Variable path={self.path!r} shape={self.shape} dtype={self.dtype} trainable={self.trainable}>"
