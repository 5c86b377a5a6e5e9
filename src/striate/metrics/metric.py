"""Metric: the base class of stateful metrics (Keras 3's ``update_state``/``result``/``reset_state``).

Metrics watch training; they are never differentiated. A custom metric keeps
its state in Variables made by :meth:`Metric.add_variable` (or
``add_weight``), updates them with ``assign``/``assign_add`` in
``update_state`` and reads them in ``result``, exactly as in Keras 3;
``reset_state`` (called at every epoch) sets them back to zero.

>>> import numpy as np
>>> class Count(Metric):
...     def __init__(self, name="count", **kwargs):
...         super().__init__(name=name, **kwargs)
...         self.n = self.add_variable(shape=(), initializer="zeros", name="n")
...     def update_state(self, values, sample_weight=None):
...         self.n.assign_add(np.size(values))
...     def result(self):
...         return self.n
>>> m = Count()
>>> m.update_state([1, 2, 3]); float(m.result())
3.0
>>> m.reset_state(); float(m.result())
0.0

striate's built-in metrics keep float64 NumPy arrays instead (``_add_state``),
so that long runs do not lose precision.
"""

import re

from striate import backend
from striate.backend import xp

__all__ = ["Metric", "as_array", "squeeze_or_expand_to_same_rank"]


def _snake_case(name):
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def as_array(value, dtype=None):
    """``value`` (array, list, number or Tensor) as a NumPy array, without a copy when possible."""
    data = getattr(value, "data", value)  # a Tensor's array
    if not isinstance(data, xp.ndarray):
        data = backend.to_device(data)  # host data given to a metric: the API boundary
    return data if dtype is None else data.astype(dtype, copy=False)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rank fix-up for arrays: drop or add a trailing size-1 axis so the ranks match."""
    if x1.ndim == x2.ndim + 1 and x1.shape[-1] == 1:
        if x2.ndim == 1 and expand_rank_1:
            x2 = x2[:, None]
        else:
            x1 = x1[..., 0]
    elif x2.ndim == x1.ndim + 1 and x2.shape[-1] == 1:
        if x1.ndim == 1 and expand_rank_1:
            x1 = x1[:, None]
        else:
            x2 = x2[..., 0]
    return x1, x2


class Metric:
    """Accumulates a statistic over batches.

    Subclasses create their state in ``__init__`` with :meth:`add_variable`,
    and implement ``update_state(...)`` and ``result()``.

    Args:
        name: the metric's name (the key in the training logs); defaults to the
            class name in snake case.
        dtype: recorded for ``get_config`` as Keras does; the state itself is
            float64 so that long runs do not lose precision.

    Calling the metric updates it with one batch and returns the result.
    """

    def __init__(self, dtype=None, name=None):
        self.name = name or _snake_case(type(self).__name__)
        self._dtype = dtype or backend.floatx()
        self._variables = []

    @property
    def dtype(self):
        return self._dtype

    def _add_state(self, shape, initializer="zeros", dtype=None, name=None):
        """A zero-initialised float64 state array (the built-ins'), zeroed again by ``reset_state``."""
        if initializer not in ("zeros", None):
            raise ValueError(f"{self.name}: only 'zeros' state initializers are supported, got {initializer!r}")
        variable = xp.zeros(shape, dtype=dtype or xp.float64)
        self._variables.append(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, aggregation="sum", name=None):
        """A non-trainable :class:`~striate.Variable` of the metric's state (Keras 3's signature).

        Args:
            shape: tuple of ints (``()`` for a scalar).
            initializer: name (``"zeros"``), Initializer or callable.
            dtype: default the metric's dtype.
            aggregation: recorded, as in Keras.
            name: the variable's name.
        """
        from striate import initializers
        from striate.variables import Variable

        dtype = dtype or self.dtype
        shape = tuple(int(n) for n in (shape or ()))
        value = initializers.get(initializer if initializer is not None else "zeros")(shape, dtype=dtype)
        variable = Variable(value, dtype=dtype, trainable=False, aggregation=aggregation, name=name)
        variable.path = f"{self.name}/{name or 'variable'}"
        self._variables.append(variable)
        return variable

    def add_weight(self, shape=(), initializer=None, dtype=None, name=None):
        """Keras 3's other spelling of :meth:`add_variable` (``initializer`` defaults to zeros)."""
        return self.add_variable(shape, initializer, dtype=dtype, name=name)

    @property
    def variables(self):
        return list(self._variables)

    def update_state(self, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement update_state")

    def result(self):
        raise NotImplementedError(f"{type(self).__name__} must implement result")

    def reset_state(self):
        """Zero every state variable (called between epochs)."""
        for variable in self._variables:
            (variable.data if hasattr(variable, "assign") else variable)[...] = 0

    def __call__(self, *args, **kwargs):
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"
