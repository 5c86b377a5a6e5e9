"""Layers that join several inputs: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate.

>>> import numpy as np
>>> a, b = np.ones((2, 3), dtype="float32"), np.full((2, 3), 2.0, dtype="float32")
>>> Add()([a, b]).data[0].tolist()
[3.0, 3.0, 3.0]
>>> Concatenate()([a, b]).shape
(2, 6)
"""

import functools

from striate import functional as F
from striate.layers.base import Layer

__all__ = ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate", "add", "subtract",
           "multiply", "average", "maximum", "minimum", "concatenate"]


class _Merge(Layer):
    """Element-wise merge of a list of inputs of equal shapes."""

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    min_inputs = 2

    def _check_shapes(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) < self.min_inputs:
            raise ValueError(f"{type(self).__name__} {self.name!r}: expects a list of at least "
                             f"{self.min_inputs} inputs, got {shapes!r}")
        first = shapes[0]
        for shape in shapes[1:]:
            if len(shape) != len(first) or any(a is not None and b is not None and a != b and a != 1 and b != 1
                                               for a, b in zip(shape[1:], first[1:])):
                raise ValueError(f"{type(self).__name__} {self.name!r}: inputs must have the same shape, "
                                 f"got shapes {[tuple(s) for s in shapes]}")

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def call(self, inputs):
        self._check_shapes([t.shape for t in inputs])
        return self._merge(list(inputs))

    def compute_output_shape(self, input_shape):
        self._check_shapes(input_shape)
        first = input_shape[0]
        return tuple(max((s[i] for s in input_shape if s[i] is not None), default=None) if i else first[0]
                     for i in range(len(first)))


class Add(_Merge):
    """Sum of the inputs (the residual connection's join)."""

    def _merge(self, inputs):
        return functools.reduce(lambda a, b: a + b, inputs)


class Subtract(_Merge):
    """``inputs[0] - inputs[1]``."""

    def _check_shapes(self, shapes):
        super()._check_shapes(shapes)
        if len(shapes) != 2:
            raise ValueError(f"Subtract {self.name!r}: expects exactly 2 inputs, got {len(shapes)}")

    def _merge(self, inputs):
        return inputs[0] - inputs[1]


class Multiply(_Merge):
    def _merge(self, inputs):
        return functools.reduce(lambda a, b: a * b, inputs)


class Average(_Merge):
    def _merge(self, inputs):
        return functools.reduce(lambda a, b: a + b, inputs) * (1.0 / len(inputs))


class Maximum(_Merge):
    def _merge(self, inputs):
        return functools.reduce(F.maximum, inputs)


class Minimum(_Merge):
    def _merge(self, inputs):
        return functools.reduce(F.minimum, inputs)


class Concatenate(Layer):
    """Join inputs along ``axis``; all other axes must agree.

    Input shapes: a list of ``(N, ..., d_i, ...)``. Output: ``(N, ..., sum d_i, ...)``.
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) < 1 or not isinstance(shapes[0], tuple):
            raise ValueError(f"Concatenate {self.name!r}: expects a list of inputs, got {shapes!r}")
        rank = len(shapes[0])
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"Concatenate {self.name!r}: axis {self.axis} is out of range for inputs of rank {rank}")
        axis = self.axis % rank
        for shape in shapes[1:]:
            if len(shape) != rank or any(a is not None and b is not None and a != b
                                         for i, (a, b) in enumerate(zip(shape, shapes[0])) if i not in (0, axis)):
                raise ValueError(f"Concatenate {self.name!r}: inputs must match except along axis {self.axis}, "
                                 f"got shapes {[tuple(s) for s in shapes]}")
        return axis

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.built = True

    def call(self, inputs):
        return F.concatenate(list(inputs), axis=self._check_shapes([t.shape for t in inputs]))

    def compute_output_shape(self, input_shape):
        axis = self._check_shapes(input_shape)
        sizes = [s[axis] for s in input_shape]
        total = None if None in sizes else sum(sizes)
        return tuple(total if i == axis else n for i, n in enumerate(input_shape[0]))

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def add(inputs, **kwargs):
    """Keras's functional form: ``Add(**kwargs)(inputs)``."""
    return Add(**kwargs)(inputs)


def subtract(inputs, **kwargs):
    """Keras's functional form: ``Subtract(**kwargs)(inputs)``."""
    return Subtract(**kwargs)(inputs)


def multiply(inputs, **kwargs):
    """Keras's functional form: ``Multiply(**kwargs)(inputs)``."""
    return Multiply(**kwargs)(inputs)


def average(inputs, **kwargs):
    """Keras's functional form: ``Average(**kwargs)(inputs)``."""
    return Average(**kwargs)(inputs)


def maximum(inputs, **kwargs):
    """Keras's functional form: ``Maximum(**kwargs)(inputs)``."""
    return Maximum(**kwargs)(inputs)


def minimum(inputs, **kwargs):
    """Keras's functional form: ``Minimum(**kwargs)(inputs)``."""
    return Minimum(**kwargs)(inputs)


def concatenate(inputs, axis=-1, **kwargs):
    """Keras's functional form: ``Concatenate(axis=axis, **kwargs)(inputs)``."""
    return Concatenate(axis=axis, **kwargs)(inputs)
