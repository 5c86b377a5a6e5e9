"""Convolution layers: Conv1D, Conv2D, Conv3D, one rank-generic implementation.

Channels last, kernel ``(*kernel_size, in_channels, filters)`` as in Keras, so
weights copied from a Keras model give the same outputs. The layers compute
the same cross-correlation as ``striate.signal.correlate`` (no flipped kernel).

>>> import numpy as np
>>> layer = Conv2D(4, 3, padding="same", activation="relu")
>>> layer(np.ones((2, 8, 8, 3), dtype="float32")).shape
(2, 8, 8, 4)
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 4), (4,)]
"""

import re

from striate import activations, backend, constraints, initializers, regularizers
from striate import functional as F
from striate._windows import as_tuple, span
from striate.autograd.conv import Conv
from striate.layers.base import InputSpec, Layer

__all__ = ["Conv1D", "Conv2D", "Conv3D", "Convolution1D", "Convolution2D", "Convolution3D"]


def keras_name(cls):
    """Keras's automatic layer name: ``Conv2D`` -> ``conv2d``, ``MaxPooling2D`` -> ``max_pooling2d``."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", cls.__name__)
    return backend.unique_name(re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower())


def check_tuple(value, rank, name, label):
    """``value`` as ``rank`` positive ints; errors name the layer."""
    try:
        return as_tuple(value, rank, name)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{label}: {error}") from None


def check_padding(padding, label, allowed=("valid", "same")):
    value = padding.lower() if isinstance(padding, str) else padding
    if value not in allowed:
        raise ValueError(f"{label}: padding must be one of {allowed}, got {padding!r}")
    return value


def check_data_format(data_format, label):
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{label}: only data_format='channels_last' (channels as the last axis) is supported, "
                         f"got {data_format!r}; transpose the input instead")
    return "channels_last"


def output_length(n, k, s, d, padding):
    """Keras's output size: 'valid' ``(n - span) // s + 1``, 'same' and 'causal' ``ceil(n / s)``."""
    if n is None:
        return None
    if padding == "valid":
        return (n - span(k, d)) // s + 1
    return -(-n // s)


class _Conv(Layer):
    """N-d convolution layer; Conv1D/2D/3D fix ``rank``.

    Args:
        filters: number of output channels ``F``.
        kernel_size: int or ``rank`` ints.
        strides: int or ``rank`` ints (default 1).
        padding: 'valid' (no padding), 'same' (output ``ceil(n / s)``, zeros split as
            Keras/TensorFlow do: the odd one after) or, for Conv1D, 'causal'.
        data_format: None or 'channels_last' (the only layout).
        dilation_rate: int or ``rank`` ints: spacing between kernel taps (may be
            combined with ``strides > 1``, which Keras refuses and PyTorch allows).
        groups: split the channels into this many groups, each convolved with its own
            ``filters / groups`` filters (computed as one convolution per group).
        activation: name or callable applied to the output (default: none).
        use_bias: whether to add a bias per filter.
        kernel_initializer, bias_initializer: Keras's defaults 'glorot_uniform', 'zeros'.
        kernel_regularizer, bias_regularizer: optional penalties.
        kernel_constraint, bias_constraint: optional projections applied after each
            optimizer update (``striate.constraints``).

    Input shape: ``(N, *spatial, C)``. Output shape: ``(N, *O, filters)`` with per axis,
    ``span = (k - 1) * d + 1``: 'valid' ``O = (n - span) // s + 1``, 'same' ``O = ceil(n / s)``.
    Weights: ``kernel (*kernel_size, C, filters)``, ``bias (filters,)``.

    Raises:
        ValueError: non-positive ``filters``, ``kernel_size``, ``strides`` or ``dilation_rate``;
            unknown ``padding``; ``channels_first``; ``groups`` not dividing the filters or the
            input channels; an input of the wrong rank or channel count; a kernel larger than
            the (padded) input.
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    rank = None

    # Its batch is split over striate's threads in fit/predict (see backend.striate_threads).
    splits_work = True

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        if kwargs.get("name") is None:
            kwargs["name"] = keras_name(type(self))
        super().__init__(**kwargs)
        label = f"{type(self).__name__} {self.name!r}"
        if isinstance(filters, bool) or not isinstance(filters, int) or filters <= 0:
            raise ValueError(f"{label}: filters must be a positive integer, got {filters!r}")
        self.filters = filters
        self.kernel_size = check_tuple(kernel_size, self.rank, "kernel_size", label)
        self.strides = check_tuple(strides, self.rank, "strides", label)
        self.dilation_rate = check_tuple(dilation_rate, self.rank, "dilation_rate", label)
        self.padding = check_padding(padding, label, ("valid", "same", "causal") if self.rank == 1 else ("valid", "same"))
        self.data_format = check_data_format(data_format, label)
        if isinstance(groups, bool) or not isinstance(groups, int) or groups <= 0 or filters % groups:
            raise ValueError(f"{label}: groups must be a positive integer that divides filters={filters}, "
                             f"got {groups!r}")
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.groups = groups
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.input_spec = InputSpec(ndim=self.rank + 2)
        self.kernel = self.bias = None

    def _label(self):
        return f"{type(self).__name__} {self.name!r}"

    def build(self, input_shape):
        channels = input_shape[-1]
        if channels is None:
            raise ValueError(f"{self._label()}: the channel axis (last) of the input must be known, "
                             f"got shape {input_shape}")
        if channels % self.groups:
            raise ValueError(f"{self._label()}: the input's {channels} channels (shape {input_shape}) cannot be "
                             f"split into groups={self.groups}")
        self.compute_output_shape(input_shape)  # a kernel larger than the input fails here
        self.kernel = self.add_weight(self.kernel_size + (channels // self.groups, self.filters), self.kernel_initializer,
                                      name="kernel", regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def call(self, inputs):
        fused = self.groups == 1 and self.activation is F.relu
        try:
            if fused:  # the primitive rectifies chunk by chunk (see Conv)
                return self._conv(inputs, self.kernel, self.bias, relu=True)
            if self.groups == 1:
                y = self._conv(inputs, self.kernel, self.bias)
            else:  # Keras's layout: group g reads channels g*C/G.. and makes filters g*F/G..
                cg, fg = inputs.shape[-1] // self.groups, self.filters // self.groups
                y = F.concatenate([self._conv(inputs[..., g * cg:(g + 1) * cg], self.kernel[..., g * fg:(g + 1) * fg],
                                              None if self.bias is None else self.bias[g * fg:(g + 1) * fg])
                                   for g in range(self.groups)], axis=-1)
        except ValueError as error:
            self.compute_output_shape(inputs.shape)  # names the layer and the shapes
            raise ValueError(f"{self._label()}: {error}") from None
        return self.activation(y)

    def _conv(self, x, kernel, bias, relu=False):
        return Conv.apply(x, kernel, bias, strides=self.strides, padding=self.padding, dilation=self.dilation_rate,
                          relu=relu)

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self._label()}: expected input of rank {self.rank + 2} (N, *spatial, C), "
                             f"got shape {tuple(input_shape)}")
        spatial = tuple(input_shape[1:-1])
        out = tuple(output_length(n, k, s, d, self.padding)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            spans = tuple(span(k, d) for k, d in zip(self.kernel_size, self.dilation_rate))
            raise ValueError(f"{self._label()}: kernel_size {self.kernel_size} (dilation {self.dilation_rate}, "
                             f"spanning {spans}) is larger than the input's spatial size {spatial} "
                             f"with padding={self.padding!r}; input shape {tuple(input_shape)}")
        return (input_shape[0],) + out + (self.filters,)

    def get_config(self):
        return {
            **super().get_config(), "filters": self.filters, "kernel_size": list(self.kernel_size),
            "strides": list(self.strides), "padding": self.padding, "data_format": self.data_format,
            "dilation_rate": list(self.dilation_rate), "groups": self.groups,
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class Conv1D(_Conv):
    """1-D convolution over ``(N, steps, C)``; 'causal' padding keeps outputs from seeing the future.

    See :class:`_Conv` for the arguments and shapes.

    >>> import numpy as np
    >>> Conv1D(2, 3, padding="causal")(np.ones((1, 5, 1), dtype="float32")).shape
    (1, 5, 2)
    """

    rank = 1


class Conv2D(_Conv):
    """2-D convolution over images ``(N, H, W, C)``; see :class:`_Conv` for arguments and shapes.

    >>> import numpy as np
    >>> Conv2D(8, (5, 5), strides=2, padding="same")(np.ones((1, 16, 16, 1), dtype="float32")).shape
    (1, 8, 8, 8)
    """

    rank = 2


class Conv3D(_Conv):
    """3-D convolution over volumes ``(N, D, H, W, C)``; see :class:`_Conv` for arguments and shapes.

    >>> import numpy as np
    >>> Conv3D(2, 3)(np.ones((1, 5, 5, 5, 1), dtype="float32")).shape
    (1, 3, 3, 3, 2)
    """

    rank = 3


# Keras's older names for the same classes.
Convolution1D, Convolution2D, Convolution3D = Conv1D, Conv2D, Conv3D
