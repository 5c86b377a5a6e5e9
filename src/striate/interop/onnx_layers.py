"""One ONNX converter per striate layer type: the inference computation as ONNX nodes, channels last.

Tensors stay channels last (NHWC) between layers, as in the striate model; a
layer that ONNX defines on channels-first data (Conv, MaxPool, AveragePool) is
wrapped in two Transposes, which ONNX Runtime's optimiser cancels between
consecutive such layers. Batch normalisation at inference is folded into one
multiply and one add per channel; dropout and noise layers become Identity.

Each converter is ``convert(g, layer, inputs, shapes) -> output name``, where
``inputs`` are the ONNX names of the layer's inputs (one, or a list for merge
layers) and ``shapes`` their striate shapes (batch axis None).
"""

import math

import numpy as np

from striate import activations
from striate._windows import padding_amounts, span

__all__ = ["CONVERTERS", "activation"]

def _selu_constants():
    from striate import functional as F

    return F._SELU_ALPHA, F._SELU_SCALE


def activation(g, fn, x):
    """The ONNX nodes of a striate activation function (looked up by its Keras name)."""
    name = activations.serialize(fn)
    simple = {"relu": "Relu", "sigmoid": "Sigmoid", "tanh": "Tanh", "softplus": "Softplus", "softsign": "Softsign",
              "exponential": "Exp"}
    if name == "linear":
        return x
    if name in simple:
        return g.op(simple[name], [x])
    if name in ("softmax", "log_softmax"):
        return g.op("Softmax" if name == "softmax" else "LogSoftmax", [x], {"axis": -1})
    if name == "relu6":
        return g.op("Clip", [x, g.const(0.0), g.const(6.0)])
    if name == "leaky_relu":
        return g.op("LeakyRelu", [x], {"alpha": 0.2})
    if name == "elu":
        return g.op("Elu", [x], {"alpha": 1.0})
    if name == "selu":
        alpha, scale = _selu_constants()
        return g.op("Selu", [x], {"alpha": alpha, "gamma": scale})
    if name == "hard_sigmoid":
        return g.op("HardSigmoid", [x], {"alpha": 1.0 / 6.0, "beta": 0.5})
    if name == "silu":
        return g.op("Mul", [x, g.op("Sigmoid", [x])])
    if name == "gelu":  # x * (1 + erf(x / sqrt 2)) / 2
        erf = g.op("Erf", [g.op("Mul", [x, g.const(1.0 / math.sqrt(2.0))])])
        return g.op("Mul", [g.op("Mul", [x, g.op("Add", [erf, g.const(1.0)])]), g.const(0.5)])
    raise ValueError(f"activation {name!r} has no ONNX export")


def _spatial_axes(layer, rank):
    """The spatial axes of a rank-``rank`` input of ``layer`` (channels last unless the layer says otherwise)."""
    first = getattr(layer, "data_format", None) == "channels_first"
    return list(range(2, rank)) if first else list(range(1, rank - 1))


def _nchw(g, x, rank):
    return g.op("Transpose", [x], {"perm": [0, rank - 1] + list(range(1, rank - 1))})


def _nhwc(g, x, rank):
    return g.op("Transpose", [x], {"perm": [0] + list(range(2, rank)) + [1]})


def _pads(spatial, kernel, strides, dilation, padding):
    """ONNX ``pads`` (all begins, then all ends) for Keras's padding, or None for SAME_UPPER with unknown sizes."""
    if padding == "causal":
        pairs = [(span(k, d) - 1, 0) for k, d in zip(kernel, dilation)]
    elif padding == "valid":
        pairs = [(0, 0)] * len(kernel)
    elif any(n is None for n in spatial):
        return None  # ONNX's SAME_UPPER splits as Keras does (the odd one after)
    else:
        pairs = [padding_amounts(n, k, s, d, "same") for n, k, s, d in zip(spatial, kernel, strides, dilation)]
    return [b for b, _ in pairs] + [a for _, a in pairs]


def _window_attrs(shape, kernel, strides, dilation, padding):
    pads = _pads(shape[1:-1], kernel, strides, dilation, padding)
    attrs = {"kernel_shape": list(kernel), "strides": list(strides)}
    attrs.update({"auto_pad": "SAME_UPPER"} if pads is None else {"pads": pads})
    return attrs


def _conv(g, x, shape, kernel, bias, strides, dilation, padding, group=1):
    """Conv on NHWC ``x`` with a striate kernel already in ONNX's ``(F, C/group, *k)`` layout."""
    rank = len(shape)
    attrs = _window_attrs(shape, kernel.shape[2:], strides, dilation, padding)
    attrs.update({"dilations": list(dilation), "group": group})
    ins = [_nchw(g, x, rank), g.const(kernel, "kernel")] + ([g.const(bias, "bias")] if bias is not None else [])
    return _nhwc(g, g.op("Conv", ins, attrs), rank)


def conv(g, layer, x, shape):
    kernel = np.moveaxis(layer.kernel.numpy(), (-1, -2), (0, 1))  # (*k, C/g, F) -> (F, C/g, *k)
    bias = None if layer.bias is None else layer.bias.numpy()
    y = _conv(g, x, shape, kernel, bias, layer.strides, layer.dilation_rate, layer.padding, layer.groups)
    return activation(g, layer.activation, y)


def _depthwise_kernel(k):
    c, m = k.shape[-2:]
    return np.moveaxis(k, (-2, -1), (0, 1)).reshape((c * m, 1) + k.shape[:-2])  # (*k, C, M) -> (C*M, 1, *k)


def depthwise(g, layer, x, shape):
    bias = None if layer.bias is None else layer.bias.numpy()
    y = _conv(g, x, shape, _depthwise_kernel(layer.kernel.numpy()), bias, layer.strides, layer.dilation_rate,
              layer.padding, group=shape[-1])
    return activation(g, layer.activation, y)


def separable(g, layer, x, shape):
    rank = len(shape)
    y = _conv(g, x, shape, _depthwise_kernel(layer.depthwise_kernel.numpy()), None, layer.strides,
              layer.dilation_rate, layer.padding, group=shape[-1])
    point = np.moveaxis(layer.pointwise_kernel.numpy(), (-1, -2), (0, 1))
    bias = None if layer.bias is None else layer.bias.numpy()
    y = _conv(g, y, (None,) * (rank - 1) + (point.shape[1],), point, bias, (1,) * (rank - 2), (1,) * (rank - 2),
              "valid")
    return activation(g, layer.activation, y)


def dense(g, layer, x, shape):
    y = g.op("MatMul", [x, g.const(layer.kernel.numpy(), "kernel")])
    if layer.bias is not None:
        y = g.op("Add", [y, g.const(layer.bias.numpy(), "bias")])
    return activation(g, layer.activation, y)


def pooling(op):
    def convert(g, layer, x, shape):
        rank = len(shape)
        attrs = _window_attrs(shape, layer.pool_size, layer.strides, (1,) * len(layer.pool_size), layer.padding)
        return _nhwc(g, g.op(op, [_nchw(g, x, rank)], attrs), rank)  # AveragePool leaves padding out, as Keras
    return convert


def global_pooling(op):
    def convert(g, layer, x, shape):
        return g.reduce(op, x, _spatial_axes(layer, len(shape)), layer.keepdims)
    return convert


def _broadcast(array, axes, rank):
    """``array`` (sized along ``axes``) reshaped to broadcast over a rank-``rank`` tensor."""
    shape = [1] * rank
    for axis, n in zip(axes, array.shape if array.ndim == len(axes) else [array.size]):
        shape[axis] = n
    return array.reshape(shape[1:]) if 0 not in axes else array.reshape(shape)


def batch_norm(g, layer, x, shape):
    rank, axis = len(shape), layer.axis % len(shape)
    inv = 1.0 / np.sqrt(layer.moving_variance.numpy().astype("float64") + layer.epsilon)
    scale = inv * (layer.gamma.numpy() if layer.gamma is not None else 1.0)
    shift = (layer.beta.numpy() if layer.beta is not None else 0.0) - layer.moving_mean.numpy() * scale
    y = g.op("Mul", [x, g.const(_broadcast(scale, [axis], rank), "scale")])
    return g.op("Add", [y, g.const(_broadcast(shift, [axis], rank), "shift")])


def layer_norm(g, layer, x, shape):
    rank = len(shape)
    axes = sorted(a % rank for a in (layer.axis if isinstance(layer.axis, list) else [layer.axis]))
    if layer.rms_scaling:
        y = g.op("Mul", [x, g.op("Reciprocal", [g.op("Sqrt", [g.op("Add", [
            g.reduce("ReduceMean", g.op("Mul", [x, x]), axes, True), g.const(layer.epsilon)])])])])
    else:
        centered = g.op("Sub", [x, g.reduce("ReduceMean", x, axes, True)])
        variance = g.reduce("ReduceMean", g.op("Mul", [centered, centered]), axes, True)
        y = g.op("Div", [centered, g.op("Sqrt", [g.op("Add", [variance, g.const(layer.epsilon)])])])
    if layer.gamma is not None:
        y = g.op("Mul", [y, g.const(_broadcast(layer.gamma.numpy(), axes, rank), "gamma")])
    if getattr(layer, "beta", None) is not None:
        y = g.op("Add", [y, g.const(_broadcast(layer.beta.numpy(), axes, rank), "beta")])
    return y


def relu_layer(g, layer, x, shape):
    m, a, t = layer.max_value, layer.negative_slope, layer.threshold
    if a and m is None and not t:
        return g.op("LeakyRelu", [x], {"alpha": a})
    y = g.op("Relu", [x]) if not t else g.op("Mul", [x, g.op("Cast", [g.op("Greater", [x, g.const(t)])],
                                                              {"to": g.onnx_dtype})])
    if m is not None:
        y = g.op("Clip", [y, g.const(0.0), g.const(m)])
    if a:
        y = g.op("Sub", [y, g.op("Mul", [g.op("Relu", [g.op("Sub", [g.const(t), x])]), g.const(a)])])
    return y


def softmax_layer(g, layer, x, shape):
    axes = layer.axis if isinstance(layer.axis, list) else [layer.axis]
    if len(axes) == 1:
        return g.op("Softmax", [x], {"axis": axes[0]})
    axes = [a % len(shape) for a in axes]
    e = g.op("Exp", [g.op("Sub", [x, g.reduce("ReduceMax", x, axes, True)])])
    return g.op("Div", [e, g.reduce("ReduceSum", e, axes, True)])


def reshape(g, layer, x, shape):
    return g.op("Reshape", [x, g.const(np.array([0] + list(layer.target_shape), "int64"), "shape")])


def zero_padding(g, layer, x, shape):
    rank, pads = len(shape), [0] * (2 * len(shape))
    for axis, (before, after) in zip(_spatial_axes(layer, rank), layer.padding):
        pads[axis], pads[rank + axis] = before, after
    return g.op("Pad", [x, g.const(np.array(pads, "int64"), "pads")])


def cropping(g, layer, x, shape):
    axes = _spatial_axes(layer, len(shape))
    starts = [b for b, _ in layer.cropping]
    ends = [-a if a else np.iinfo(np.int64).max for _, a in layer.cropping]
    return g.op("Slice", [x] + [g.const(np.array(v, "int64")) for v in (starts, ends, axes)])


def upsampling(g, layer, x, shape):
    rank = len(shape)
    scales = [1.0] * rank
    for axis, s in zip(_spatial_axes(layer, rank), layer.size):
        scales[axis] = float(s)
    if getattr(layer, "interpolation", "nearest") == "nearest":  # repeat each entry: floor(out / s)
        attrs = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric", "nearest_mode": "floor"}
    else:
        attrs = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
    return g.op("Resize", [x, "", g.const(np.array(scales, "float32"), "scales")], attrs)


def repeat_vector(g, layer, x, shape):
    y = g.op("Unsqueeze", [x, g.const(np.array([1], "int64"))])
    return g.op("Tile", [y, g.const(np.array([1, layer.n, 1], "int64"))])


def merge(op):
    def convert(g, layer, xs, shapes):
        if op == "Concat":
            return g.op("Concat", xs, {"axis": layer.axis})
        if op == "Mul" and len(xs) > 2:  # Mul is binary; Sum, Max, Min and Mean take any number of inputs
            y = xs[0]
            for x in xs[1:]:
                y = g.op("Mul", [y, x])
            return y
        return g.op(op, xs)
    return convert


def _simple(op, attrs=None):
    return lambda g, layer, x, shape: g.op(op, [x], dict(attrs(layer) if callable(attrs) else attrs or {}))


def _identity(g, layer, x, shape):
    return g.op("Identity", [x])


CONVERTERS = {
    "Dense": dense, "Conv1D": conv, "Conv2D": conv, "Conv3D": conv,
    "DepthwiseConv1D": depthwise, "DepthwiseConv2D": depthwise,
    "SeparableConv1D": separable, "SeparableConv2D": separable,
    "BatchNormalization": batch_norm, "LayerNormalization": layer_norm,
    "Activation": lambda g, layer, x, shape: g.op("Identity", [activation(g, layer.activation, x)]),
    "ReLU": relu_layer, "LeakyReLU": _simple("LeakyRelu", lambda layer: {"alpha": layer.negative_slope}),
    "ELU": _simple("Elu", lambda layer: {"alpha": layer.alpha}), "Softmax": softmax_layer,
    "PReLU": lambda g, layer, x, shape: g.op("PRelu", [x, g.const(layer.alpha.numpy(), "alpha")]),
    "Flatten": _simple("Flatten", {"axis": 1}), "Reshape": reshape,
    "Permute": lambda g, layer, x, shape: g.op("Transpose", [x], {"perm": [0] + list(layer.dims)}),
    "RepeatVector": repeat_vector,
    "ZeroPadding1D": zero_padding, "ZeroPadding2D": zero_padding, "ZeroPadding3D": zero_padding,
    "Cropping1D": cropping, "Cropping2D": cropping, "Cropping3D": cropping,
    "UpSampling1D": upsampling, "UpSampling2D": upsampling, "UpSampling3D": upsampling,
    "Add": merge("Sum"), "Subtract": merge("Sub"), "Multiply": merge("Mul"), "Average": merge("Mean"),
    "Maximum": merge("Max"), "Minimum": merge("Min"), "Concatenate": merge("Concat"),
}
for _name in ("MaxPooling1D", "MaxPooling2D", "MaxPooling3D"):
    CONVERTERS[_name] = pooling("MaxPool")
for _name in ("AveragePooling1D", "AveragePooling2D", "AveragePooling3D"):
    CONVERTERS[_name] = pooling("AveragePool")
for _name in ("GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D"):
    CONVERTERS[_name] = global_pooling("ReduceMax")
for _name in ("GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"):
    CONVERTERS[_name] = global_pooling("ReduceMean")
for _name in ("Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise",
              "GaussianDropout", "ActivityRegularization", "Identity"):
    CONVERTERS[_name] = _identity  # inference: these pass their input through
