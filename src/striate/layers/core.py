"""Core layers: Dense, Activation, Flatten, Reshape, Identity, Lambda.

>>> import numpy as np
>>> layer = Dense(2, activation="relu", kernel_initializer="ones")
>>> layer(np.array([[1.0, -3.0]], dtype="float32")).data.tolist()
[[0.0, 0.0]]
"""

import math
import numbers

from striate import activations, constraints, initializers, regularizers
from striate.layers.base import InputSpec, Layer

__all__ = ["Dense", "Activation", "Flatten", "Reshape", "Identity", "Lambda"]


def _positive_int(value, layer, name):
    # numbers.Integral: sizes computed with NumPy (``y.max() + 1``) are np.int64, not int.
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value <= 0:
        raise ValueError(f"{layer}: {name} must be a positive integer, got {value!r}")
    return int(value)


class Dense(Layer):
    """``activation(x @ kernel + bias)``, applied to the last axis.

    Args:
        units: number of outputs.
        activation: name or callable (default: none, linear).
        use_bias: whether to add a bias.
        kernel_initializer, bias_initializer: initialisers (Keras's defaults).
        kernel_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional projections applied after each
            optimizer update (``striate.constraints``).

    Input shape: ``(N, ..., in)``. Output shape: ``(N, ..., units)``.
    Weights: ``kernel (in, units)``, ``bias (units,)`` — Keras's layout.
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.units = _positive_int(units, f"Dense {self.name!r}", "units")
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        features = input_shape[-1]
        if features is None:
            raise ValueError(f"Dense {self.name!r}: the last axis of the input must be known, got shape {input_shape}")
        self.kernel = self.add_weight((features, self.units), self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.bias = self.add_weight((self.units,), self.bias_initializer, name="bias", regularizer=self.bias_regularizer,
                                    constraint=self.bias_constraint) if self.use_bias else None
        self.input_spec = InputSpec(min_ndim=2, axes={-1: features})
        self.built = True

    def call(self, inputs):
        y = inputs @ self.kernel
        if self.bias is not None:
            y = y + self.bias
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)

    def get_config(self):
        return {
            **super().get_config(), "units": self.units, "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Activation(Layer):
    """Apply an activation function; shape unchanged."""

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}


class Flatten(Layer):
    """``(N, d1, ..., dk)`` to ``(N, d1 * ... * dk)``, in C order (channels last stays last)."""

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        if data_format not in (None, "channels_last"):
            raise ValueError(f"Flatten {self.name!r}: only data_format='channels_last' is supported, got {data_format!r}")
        self.input_spec = InputSpec(min_ndim=1)

    def call(self, inputs):
        return inputs.reshape(inputs.shape[0], -1)  # (N, prod(rest))

    def compute_output_shape(self, input_shape):
        rest = input_shape[1:]
        return (input_shape[0], None if any(n is None for n in rest) else math.prod(rest))

    def get_config(self):
        return {**super().get_config(), "data_format": "channels_last"}


class Reshape(Layer):
    """Reshape each sample to ``target_shape`` (one entry may be -1)."""

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(n) for n in target_shape)
        if sum(n == -1 for n in self.target_shape) > 1 or any(n == 0 or n < -1 for n in self.target_shape):
            raise ValueError(f"Reshape {self.name!r}: target_shape must be positive sizes and at most one -1, "
                             f"got {target_shape!r}")

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self.compute_output_shape(inputs.shape)[1:])

    def compute_output_shape(self, input_shape):
        size = math.prod(input_shape[1:]) if None not in input_shape[1:] else None
        known = math.prod(n for n in self.target_shape if n != -1)
        if -1 in self.target_shape:
            if size is None:
                return (input_shape[0],) + tuple(None if n == -1 else n for n in self.target_shape)
            if size % known:
                raise ValueError(f"Reshape {self.name!r}: cannot reshape input of shape {input_shape} "
                                 f"to {self.target_shape}")
            return (input_shape[0],) + tuple(size // known if n == -1 else n for n in self.target_shape)
        if size is not None and size != known:
            raise ValueError(f"Reshape {self.name!r}: input of shape {input_shape} has {size} values per sample, "
                             f"target_shape {self.target_shape} needs {known}")
        return (input_shape[0],) + self.target_shape

    def get_config(self):
        return {**super().get_config(), "target_shape": list(self.target_shape)}


class Identity(Layer):
    """Return the input unchanged."""

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape


class Lambda(Layer):
    """Wrap a function of Tensors as a layer.

    A Lambda layer holds Python code, so it is never saved or loaded with a
    model file (write a small registered layer instead).
    """

    def __init__(self, function, output_shape=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(f"Lambda {self.name!r}: function must be callable, got {function!r}")
        self.function = function
        self.arguments = dict(arguments or {})
        self._output_shape = output_shape

    def call(self, inputs):
        return self.function(inputs, **self.arguments)

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            return super().compute_output_shape(input_shape)
        shape = self._output_shape(input_shape) if callable(self._output_shape) else tuple(self._output_shape)
        return shape if len(shape) == len(input_shape) else (input_shape[0],) + tuple(shape)

    def get_config(self):
        raise ValueError(f"Lambda {self.name!r} holds Python code and cannot be serialized safely; "
                         "write a layer subclass and register it instead")
