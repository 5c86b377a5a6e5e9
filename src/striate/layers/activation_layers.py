"""Activation layers with arguments: ReLU, LeakyReLU, ELU, Softmax, PReLU (Keras 3's names and defaults).

Each is a composition of Tensor ops, so the gradients come from the chain rule.

>>> import numpy as np
>>> x = np.array([[-2.0, 0.5, 8.0]], dtype="float32")
>>> ReLU(max_value=6.0)(x).data.tolist()
[[0.0, 0.5, 6.0]]
>>> [round(v, 2) for v in LeakyReLU()(x).data[0].tolist()]
[-0.6, 0.5, 8.0]
"""

import numbers

from striate import functional as F
from striate import constraints, initializers, regularizers
from striate.layers.base import Layer

__all__ = ["ReLU", "LeakyReLU", "ELU", "Softmax", "PReLU"]


def _number(value, label, name, allow_none=False, minimum=0.0):
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value >= minimum:
        raise ValueError(f"{label}: {name} must be a number >= {minimum}, got {value!r}")
    return float(value)


class _Elementwise(Layer):
    def compute_output_shape(self, input_shape):
        return input_shape


class ReLU(_Elementwise):
    """Keras's rectifier with options: ``max_value`` if ``x >= max_value``, ``x`` if
    ``threshold < x < max_value``, else ``negative_slope * (x - threshold)``.

    Args:
        max_value: upper bound (None for none; ``ReLU(6.0)`` is MobileNet's ReLU6).
        negative_slope: slope below the threshold (>= 0).
        threshold: where the rectifier bends (>= 0).

    Input and output shape: any, unchanged.

    Raises:
        ValueError: for a negative (or non-numeric) argument.
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        label = f"ReLU {self.name!r}"
        self.max_value = _number(max_value, label, "max_value", allow_none=True)
        self.negative_slope = _number(negative_slope, label, "negative_slope")
        self.threshold = _number(threshold, label, "threshold")

    def call(self, inputs):
        x = F._tensor(inputs)
        if self.negative_slope and self.max_value is None and not self.threshold:
            return F.leaky_relu(x, self.negative_slope)
        y = F.relu(x) if not self.threshold else F.where(x.data > self.threshold, x, 0.0)
        if self.max_value is not None:
            y = F.clip(y, 0.0, self.max_value)
        if self.negative_slope:
            y = y - F.relu(self.threshold - x) * self.negative_slope
        return y

    def get_config(self):
        return {**super().get_config(), "max_value": self.max_value, "negative_slope": self.negative_slope,
                "threshold": self.threshold}


class LeakyReLU(_Elementwise):
    """``x`` for ``x > 0``, else ``negative_slope * x`` (the layer's default slope is 0.3, as in Keras).

    Args:
        negative_slope: slope for ``x < 0`` (>= 0). Keras 2's ``alpha`` is accepted for it.
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:  # Keras 2's name, still found in old files
            negative_slope = kwargs.pop("alpha")
        super().__init__(**kwargs)
        self.negative_slope = _number(negative_slope, f"LeakyReLU {self.name!r}", "negative_slope")

    def call(self, inputs):
        return F.leaky_relu(inputs, self.negative_slope)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}


class ELU(_Elementwise):
    """``x`` for ``x > 0``, else ``alpha * (exp(x) - 1)``."""

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise ValueError(f"ELU {self.name!r}: alpha must be a number, got {alpha!r}")
        self.alpha = float(alpha)

    def call(self, inputs):
        return F.elu(inputs, self.alpha)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}


class Softmax(_Elementwise):
    """``exp(x) / sum(exp(x))`` along ``axis`` (an int or a list of ints).

    Raises:
        ValueError: when ``axis`` is not an int or a list of ints, or is out of range for the input.
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        axes = list(axis) if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
            raise ValueError(f"Softmax {self.name!r}: axis must be an int or a list of ints, got {axis!r}")
        self.axis = axes if isinstance(axis, (list, tuple)) else axis

    def call(self, inputs, mask=None):
        if mask is not None:
            raise ValueError(f"Softmax {self.name!r}: masks are not supported")
        x = F._tensor(inputs)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -x.ndim <= a < x.ndim for a in axes):
            raise ValueError(f"Softmax {self.name!r}: axis {self.axis} is out of range for input shape {x.shape}")
        if len(axes) == 1:
            return F.softmax(x, axis=axes[0])
        axes = tuple(a % x.ndim for a in axes)
        shifted = x - x.data.max(axis=axes, keepdims=True)  # a constant shift: exp never overflows
        e = F.exp(shifted)
        return e / e.sum(axis=axes, keepdims=True)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


class PReLU(_Elementwise):
    """``x`` for ``x > 0``, else ``alpha * x`` with a learned ``alpha`` per element (or shared).

    Args:
        alpha_initializer: initialiser of ``alpha`` (Keras's default 'Zeros').
        alpha_regularizer: optional penalty.
        alpha_constraint: optional projection applied after each optimizer update.
        shared_axes: axes (1 = the first after the batch) along which one ``alpha`` is
            shared, e.g. ``[1, 2]`` for one slope per channel of an image.

    Weights: ``alpha`` of the input's shape without the batch axis, size 1 on ``shared_axes``.
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None, shared_axes=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.alpha_constraint = constraints.get(alpha_constraint)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        shared = [] if shared_axes is None else list(shared_axes) if isinstance(shared_axes, (list, tuple)) \
            else [shared_axes]
        if any(isinstance(a, bool) or not isinstance(a, int) or a < 1 for a in shared):
            raise ValueError(f"PReLU {self.name!r}: shared_axes must be positive axes (1 is the first after the "
                             f"batch), got {shared_axes!r}")
        self.shared_axes = shared or None
        self.alpha = None

    def build(self, input_shape):
        shape = list(input_shape[1:])
        for axis in self.shared_axes or []:
            if axis > len(shape):
                raise ValueError(f"PReLU {self.name!r}: shared axis {axis} is out of range for input shape "
                                 f"{tuple(input_shape)}")
            shape[axis - 1] = 1
        if any(n is None for n in shape):
            raise ValueError(f"PReLU {self.name!r}: every axis without a shared alpha must have a known size, "
                             f"got input shape {tuple(input_shape)} and shared_axes={self.shared_axes}")
        self.alpha = self.add_weight(tuple(shape), self.alpha_initializer, name="alpha",
                                     regularizer=self.alpha_regularizer, constraint=self.alpha_constraint)
        self.built = True

    def call(self, inputs):
        x = F._tensor(inputs)
        return F.relu(x) - self.alpha * F.relu(-x)

    def get_config(self):
        return {**super().get_config(), "alpha_initializer": initializers.serialize(self.alpha_initializer),
                "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
                "alpha_constraint": constraints.serialize(self.alpha_constraint), "shared_axes": self.shared_axes}
