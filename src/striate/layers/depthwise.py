"""Depthwise and separable convolutions: DepthwiseConv1D/2D, SeparableConv1D/2D (Keras 3's arguments).

A depthwise convolution filters every input channel on its own with
``depth_multiplier`` filters (MobileNet's building block); a separable one follows
it with a 1x1 convolution that mixes the channels. Kernels have Keras's layouts,
so weights copied from Keras give the same outputs.

>>> import numpy as np
>>> layer = DepthwiseConv2D(3, depth_multiplier=2, padding="same")
>>> layer(np.ones((1, 8, 8, 3), dtype="float32")).shape
(1, 8, 8, 6)
>>> [w.shape for w in layer.get_weights()]
[(3, 3, 3, 2), (6,)]
"""

from striate import activations, constraints, initializers, regularizers
from striate.autograd.conv import Conv
from striate.autograd.depthwise import DepthwiseConv
from striate.layers.base import InputSpec, Layer
from striate.layers.convolutional import check_data_format, check_padding, check_tuple, keras_name, output_length
from striate._windows import span

__all__ = ["DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D", "SeparableConvolution1D",
           "SeparableConvolution2D"]


def _positive(value, label, name):
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{label}: {name} must be a positive integer, got {value!r}")
    return value


class _DepthwiseBase(Layer):
    """What depthwise and separable layers share: geometry, checks, output shape."""

    rank = None
    splits_work = True

    def _init_geometry(self, kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate):
        label = self._label()
        self.kernel_size = check_tuple(kernel_size, self.rank, "kernel_size", label)
        self.strides = check_tuple(strides, self.rank, "strides", label)
        self.dilation_rate = check_tuple(dilation_rate, self.rank, "dilation_rate", label)
        self.padding = check_padding(padding, label)
        self.data_format = check_data_format(data_format, label)
        self.depth_multiplier = _positive(depth_multiplier, label, "depth_multiplier")
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _label(self):
        return f"{type(self).__name__} {self.name!r}"

    def _channels(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self._label()}: expected input of rank {self.rank + 2} (N, *spatial, C), "
                             f"got shape {tuple(input_shape)}")
        if input_shape[-1] is None:
            raise ValueError(f"{self._label()}: the channel axis (last) of the input must be known, "
                             f"got shape {tuple(input_shape)}")
        return input_shape[-1]

    def _spatial_out(self, input_shape):
        spatial = tuple(input_shape[1:-1])
        out = tuple(output_length(n, k, s, d, self.padding)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        if any(o is not None and o <= 0 for o in out):
            spans = tuple(span(k, d) for k, d in zip(self.kernel_size, self.dilation_rate))
            raise ValueError(f"{self._label()}: kernel_size {self.kernel_size} (dilation {self.dilation_rate}, "
                             f"spanning {spans}) is larger than the input's spatial size {spatial} "
                             f"with padding={self.padding!r}; input shape {tuple(input_shape)}")
        return out

    def _depthwise(self, x, kernel, bias):
        try:
            return DepthwiseConv.apply(x, kernel, bias, strides=self.strides, padding=self.padding,
                                       dilation=self.dilation_rate)
        except ValueError as error:
            self.compute_output_shape(x.shape)  # names the layer and the shapes
            raise ValueError(f"{self._label()}: {error}") from None

    def _geometry_config(self):
        return {"kernel_size": list(self.kernel_size), "strides": list(self.strides), "padding": self.padding,
                "depth_multiplier": self.depth_multiplier, "data_format": self.data_format,
                "dilation_rate": list(self.dilation_rate)}


class _DepthwiseConv(_DepthwiseBase):
    """N-d depthwise convolution; DepthwiseConv1D/2D fix ``rank``.

    Args:
        kernel_size: int or ``rank`` ints.
        strides: int or ``rank`` ints (default 1).
        padding: 'valid' or 'same' (Keras's split: the odd zero after).
        depth_multiplier: filters per input channel ``M``.
        data_format: None or 'channels_last' (the only layout).
        dilation_rate: int or ``rank`` ints.
        activation: name or callable applied to the output (default: none).
        use_bias: whether to add a bias per output channel.
        depthwise_initializer, bias_initializer: Keras's defaults 'glorot_uniform', 'zeros'.
        depthwise_regularizer, bias_regularizer: optional penalties.
        depthwise_constraint, bias_constraint: optional projections applied after each
            optimizer update (``striate.constraints``).

    Input shape: ``(N, *spatial, C)``. Output shape: ``(N, *O, C * M)``, output channel
    ``c * M + m`` from input channel ``c``; per axis 'valid' ``O = (n - span) // s + 1``,
    'same' ``O = ceil(n / s)``, ``span = (k - 1) * d + 1``.
    Weights: ``kernel (*kernel_size, C, M)``, ``bias (C * M,)``.

    Raises:
        ValueError: non-positive sizes, unknown ``padding``, ``channels_first``, an input of
            the wrong rank or channel count, a kernel larger than the (padded) input.
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        if kwargs.get("name") is None:
            kwargs["name"] = keras_name(type(self))
        super().__init__(**kwargs)
        self._init_geometry(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel = self.bias = None

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)  # a kernel larger than the input fails here
        self.kernel = self.add_weight(self.kernel_size + (channels, self.depth_multiplier),
                                      self.depthwise_initializer, name="kernel",
                                      regularizer=self.depthwise_regularizer, constraint=self.depthwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight((channels * self.depth_multiplier,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def call(self, inputs):
        return self.activation(self._depthwise(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        channels = self._channels(input_shape)
        return (input_shape[0],) + self._spatial_out(input_shape) + (channels * self.depth_multiplier,)

    def get_config(self):
        return {
            **super().get_config(), **self._geometry_config(),
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class _SeparableConv(_DepthwiseBase):
    """N-d separable convolution: a depthwise convolution, then a 1x1 convolution to ``filters``.

    Args:
        filters: output channels ``F``.
        kernel_size, strides, padding, data_format, dilation_rate, depth_multiplier:
            of the depthwise step (see :class:`_DepthwiseConv`).
        activation, use_bias: applied after the pointwise step.
        depthwise_initializer, pointwise_initializer, bias_initializer: Keras's defaults.
        depthwise_regularizer, pointwise_regularizer, bias_regularizer: optional penalties.
        depthwise_constraint, pointwise_constraint, bias_constraint: optional projections
            applied after each optimizer update (``striate.constraints``).

    Input shape: ``(N, *spatial, C)``. Output shape: ``(N, *O, filters)`` with ``O`` as for
    the depthwise step. Weights: ``depthwise_kernel (*kernel_size, C, M)``,
    ``pointwise_kernel (1, ..., 1, C * M, F)``, ``bias (F,)`` (Keras's order).
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, depthwise_constraint=None,
                 pointwise_constraint=None, bias_constraint=None, **kwargs):
        if kwargs.get("name") is None:
            kwargs["name"] = keras_name(type(self))
        super().__init__(**kwargs)
        self._init_geometry(kernel_size, strides, padding, depth_multiplier, data_format, dilation_rate)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.filters = _positive(filters, self._label(), "filters")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_kernel = self.pointwise_kernel = self.bias = None

    def build(self, input_shape):
        channels = self._channels(input_shape)
        self.compute_output_shape(input_shape)
        m = self.depth_multiplier
        self.depthwise_kernel = self.add_weight(self.kernel_size + (channels, m), self.depthwise_initializer,
                                                name="depthwise_kernel", regularizer=self.depthwise_regularizer,
                                                constraint=self.depthwise_constraint)
        self.pointwise_kernel = self.add_weight((1,) * self.rank + (channels * m, self.filters),
                                                self.pointwise_initializer, name="pointwise_kernel",
                                                regularizer=self.pointwise_regularizer,
                                                constraint=self.pointwise_constraint)
        if self.use_bias:
            self.bias = self.add_weight((self.filters,), self.bias_initializer, name="bias",
                                        regularizer=self.bias_regularizer, constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=self.rank + 2, axes={-1: channels})
        self.built = True

    def call(self, inputs):
        y = self._depthwise(inputs, self.depthwise_kernel, None)
        y = Conv.apply(y, self.pointwise_kernel, self.bias, strides=(1,) * self.rank, padding="valid",
                       dilation=(1,) * self.rank)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        self._channels(input_shape)
        return (input_shape[0],) + self._spatial_out(input_shape) + (self.filters,)

    def get_config(self):
        return {
            **super().get_config(), "filters": self.filters, **self._geometry_config(),
            "activation": activations.serialize(self.activation), "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }


class DepthwiseConv1D(_DepthwiseConv):
    """Depthwise 1-D convolution over ``(N, steps, C)``; see :class:`_DepthwiseConv`.

    >>> import numpy as np
    >>> DepthwiseConv1D(3, depth_multiplier=2)(np.ones((1, 5, 4), dtype="float32")).shape
    (1, 3, 8)
    """

    rank = 1


class DepthwiseConv2D(_DepthwiseConv):
    """Depthwise 2-D convolution over images ``(N, H, W, C)``; see :class:`_DepthwiseConv`.

    >>> import numpy as np
    >>> DepthwiseConv2D(3, strides=2)(np.ones((1, 9, 9, 4), dtype="float32")).shape
    (1, 4, 4, 4)
    """

    rank = 2


class SeparableConv1D(_SeparableConv):
    """Separable 1-D convolution; see :class:`_SeparableConv`.

    >>> import numpy as np
    >>> SeparableConv1D(6, 3, padding="same")(np.ones((1, 5, 4), dtype="float32")).shape
    (1, 5, 6)
    """

    rank = 1


class SeparableConv2D(_SeparableConv):
    """Separable 2-D convolution; see :class:`_SeparableConv`.

    >>> import numpy as np
    >>> SeparableConv2D(8, 3)(np.ones((1, 6, 6, 4), dtype="float32")).shape
    (1, 4, 4, 8)
    """

    rank = 2


# Keras's older names for the same classes.
SeparableConvolution1D, SeparableConvolution2D = SeparableConv1D, SeparableConv2D
