"""Convolution and pooling ops of ``keras.ops.nn``: ``conv``, ``depthwise_conv``, ``separable_conv``,
``conv_transpose``, ``max_pool``, ``average_pool``.

Layouts are Keras's: inputs ``(N, *spatial, C)`` (or ``(N, C, *spatial)`` with
``data_format='channels_first'``, transposed in and out), conv kernels
``(*kernel_size, C_in / groups, C_out)``, depthwise kernels
``(*kernel_size, C, multiplier)``, transposed-conv kernels
``(*kernel_size, C_out, C_in)``. Output size per spatial axis, with
``span = (k - 1) * dilation + 1``: 'valid' ``(n - span) // s + 1``, 'same'
``ceil(n / s)``; for ``conv_transpose`` 'valid' ``(n - 1) s + max(span, s)`` and
'same' ``n s`` (plus ``output_padding`` rules as Keras).

>>> import numpy as np
>>> from striate import ops
>>> x, w = np.ones((1, 5, 5, 2)), np.ones((3, 3, 2, 4))
>>> ops.conv(x, w).shape, ops.conv(x, w, strides=2, padding="same").shape, ops.max_pool(x, 2).shape
((1, 3, 3, 4), (1, 3, 3, 4), (1, 2, 2, 2))
"""

from striate._windows import as_tuple
from striate.autograd import AvgPool, Conv, MaxPool, Pad, Reshape, Transpose
from striate.autograd.conv import conv_output_shape, resolve_padding
from striate.backend import xp
from striate.ops._convert import array_op, constant, promote
from striate.ops._dtypes import float_dtype
from striate.ops.products import tensordot
from striate.ops.reductions import max as _max
from striate.ops.shape_ops import concatenate, moveaxis, stack

__all__ = ["conv", "depthwise_conv", "separable_conv", "conv_transpose", "max_pool", "average_pool",
           "adaptive_max_pool", "adaptive_average_pool"]


def _layout(data_format, caller):
    data_format = "channels_last" if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{caller}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return data_format == "channels_first"


def _to_last(t, first):
    return Transpose.apply(t, axes=(0,) + tuple(range(2, t.ndim)) + (1,)) if first else t


def _to_first(t, first):
    return Transpose.apply(t, axes=(0, t.ndim - 1) + tuple(range(1, t.ndim - 1))) if first else t


def _prepare(inputs, kernel, data_format, padding, caller):
    first = _layout(data_format, caller)
    x, w = promote(inputs, kernel, caller=caller)
    dtype = float_dtype(x.dtype)
    x, w = x.astype(dtype) if x.dtype != dtype else x, w.astype(dtype) if w.dtype != dtype else w
    if x.ndim not in (3, 4, 5) or w.ndim != x.ndim:
        raise ValueError(f"{caller}: expected inputs (N, *spatial, C) of rank 3-5 and a kernel of the same rank; "
                         f"got shapes {x.shape} and {w.shape}")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{caller}: padding must be 'valid' or 'same', got {padding!r}")
    return _to_last(x, first), w, first, padding.lower()


@array_op("inputs", "kernel")
def conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """N-d convolution (cross-correlation), grouped when ``kernel.shape[-2]`` divides the channels."""
    x, w, first, padding = _prepare(inputs, kernel, data_format, padding, "conv")
    c, group_c, f = x.shape[-1], w.shape[-2], w.shape[-1]
    if group_c == 0 or c % group_c or f % (c // group_c):
        raise ValueError(f"conv: input channels {c} must be a multiple of the kernel's {group_c}, and the "
                         f"{f} filters a multiple of the {c // max(group_c, 1)} groups")
    rank = x.ndim - 2
    strides, dilation = as_tuple(strides, rank, "strides"), as_tuple(dilation_rate, rank, "dilation_rate")
    groups = c // group_c
    if groups == 1:
        y = Conv.apply(x, w, strides=strides, padding=padding, dilation=dilation)
    else:  # one conv per group of channels, joined along the channels
        per = f // groups
        y = concatenate([Conv.apply(x[..., g * group_c:(g + 1) * group_c], w[..., g * per:(g + 1) * per],
                                    strides=strides, padding=padding, dilation=dilation)
                         for g in range(groups)], axis=-1)
    return _to_first(y, first)


@array_op("inputs", "kernel")
def depthwise_conv(inputs, kernel, strides=1, padding="valid", data_format=None, dilation_rate=1):
    """Each input channel convolved with its own ``multiplier`` filters: ``(N, *O, C * multiplier)``,
    output channel ``c * multiplier + m``.

    A composition (no depthwise primitive exists yet): the sum over kernel taps of
    strided slices of the padded input times that tap's ``(C, multiplier)`` weights,
    one broadcast product per tap.
    """
    x, w, first, padding = _prepare(inputs, kernel, data_format, padding, "depthwise_conv")
    rank = x.ndim - 2
    c, m = w.shape[-2], w.shape[-1]
    if x.shape[-1] != c:
        raise ValueError(f"depthwise_conv: kernel {w.shape} expects {c} input channels, got {x.shape[-1]}")
    strides, dilation = as_tuple(strides, rank, "strides"), as_tuple(dilation_rate, rank, "dilation_rate")
    ksize, spatial = w.shape[:rank], x.shape[1:-1]
    pads = resolve_padding(spatial, ksize, strides, dilation, padding)
    out = conv_output_shape(spatial, ksize, strides, dilation, pads)
    if any(o <= 0 for o in out):
        raise ValueError(f"depthwise_conv: kernel {ksize} (dilation {dilation}) is larger than the padded "
                         f"input {spatial}")
    if any(b or a for b, a in pads):
        x = Pad.apply(x, pads=((0, 0),) + pads + ((0, 0),))
    y = None
    for tap in xp.ndindex(*ksize):
        window = (slice(None),) + tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                                        for t, d, o, s in zip(tap, dilation, out, strides))
        term = Reshape.apply(x[window], shape=x.shape[:1] + out + (c, 1)) * w[tap]  # (N, *O, C, M)
        y = term if y is None else y + term
    return _to_first(Reshape.apply(y, shape=x.shape[:1] + out + (c * m,)), first)


@array_op("inputs", "depthwise_kernel", "pointwise_kernel")
def separable_conv(inputs, depthwise_kernel, pointwise_kernel, strides=1, padding="valid", data_format=None,
                   dilation_rate=1):
    """:func:`depthwise_conv` followed by a 1x1 :func:`conv` with ``pointwise_kernel (1, ..., C * M, F)``."""
    first = _layout(data_format, "separable_conv")
    y = depthwise_conv(inputs, depthwise_kernel, strides, padding, data_format, dilation_rate)
    return conv(y, pointwise_kernel, 1, "valid", "channels_first" if first else "channels_last")


def _transpose_pads(k, s, d, padding, output_padding):
    """(before, after) zeros around the stride-dilated input, as Keras computes them for JAX."""
    span = (k - 1) * d + 1
    if padding == "valid":
        extra = max(span, s) - span if output_padding is None else output_padding
        return span - 1, span - 1 + extra
    total = s + span - 2 if output_padding is None else span + span % 2 - 2 + output_padding
    before = min(total // 2 + total % 2, span - 1)
    return before, total - before


@array_op("inputs", "kernel")
def conv_transpose(inputs, kernel, strides=1, padding="valid", output_padding=None, data_format=None,
                   dilation_rate=1):
    """The transposed convolution (the gradient of :func:`conv` with respect to its input).

    Composed as a convolution of the input spread out with ``strides - 1`` zeros
    between samples, padded, with the kernel flipped and its channel axes swapped.
    """
    x, w, first, padding = _prepare(inputs, kernel, data_format, padding, "conv_transpose")
    rank = x.ndim - 2
    if w.shape[-1] != x.shape[-1]:
        raise ValueError(f"conv_transpose: kernel {w.shape} expects {w.shape[-1]} input channels, got {x.shape[-1]}")
    strides, dilation = as_tuple(strides, rank, "strides"), as_tuple(dilation_rate, rank, "dilation_rate")
    out_pad = (None,) * rank if output_padding is None else (
        (output_padding,) * rank if isinstance(output_padding, int) else tuple(output_padding))
    if len(out_pad) != rank:
        raise ValueError(f"conv_transpose: output_padding {output_padding!r} needs {rank} values")
    for axis, s in enumerate(strides):  # spread: (N, ..., n, ...) -> (N, ..., (n - 1) s + 1, ...)
        if s > 1:
            a = axis + 1
            n = x.shape[a]
            x = Reshape.apply(x, shape=x.shape[:a + 1] + (1,) + x.shape[a + 1:])
            x = Pad.apply(x, pads=tuple((0, s - 1) if i == a + 1 else (0, 0) for i in range(x.ndim)))
            x = Reshape.apply(x, shape=x.shape[:a] + (n * s,) + x.shape[a + 2:])
            x = x[(slice(None),) * a + (slice(0, (n - 1) * s + 1),)]
    pads = tuple(_transpose_pads(k, s, d, padding, p)
                 for k, s, d, p in zip(w.shape[:rank], strides, dilation, out_pad))
    if any(b < 0 or a < 0 for b, a in pads):
        raise ValueError(f"conv_transpose: output_padding {output_padding!r} is too small for this kernel")
    flipped = Transpose.apply(w[(slice(None, None, -1),) * rank],
                              axes=tuple(range(rank)) + (rank + 1, rank))  # (*k, C_in, C_out)
    y = Conv.apply(x, flipped, padding=pads, dilation=dilation)
    return _to_first(y, first)


def _pool(primitive, inputs, pool_size, strides, padding, data_format, caller):
    first = _layout(data_format, caller)
    (x,) = promote(inputs, caller=caller)
    if x.dtype.kind != "f":
        x = x.astype(float_dtype(x.dtype))
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{caller}: expected inputs (N, *spatial, C) of rank 3-5, got shape {x.shape}")
    if not isinstance(padding, str) or padding.lower() not in ("valid", "same"):
        raise ValueError(f"{caller}: padding must be 'valid' or 'same', got {padding!r}")
    rank = x.ndim - 2
    pool = as_tuple(pool_size, rank, "pool_size")
    strides = pool if strides is None else as_tuple(strides, rank, "strides")
    y = primitive.apply(_to_last(x, first), pool=pool, strides=strides, padding=padding.lower())
    return _to_first(y, first)


@array_op("inputs")
def max_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The maximum of each window; ``strides`` default to ``pool_size``."""
    return _pool(MaxPool, inputs, pool_size, strides, padding, data_format, "max_pool")


@array_op("inputs")
def average_pool(inputs, pool_size, strides=None, padding="valid", data_format=None):
    """The mean of each window ('same' averages the real inputs only, as Keras)."""
    return _pool(AvgPool, inputs, pool_size, strides, padding, data_format, "average_pool")


def _bins(n, o):
    """PyTorch's adaptive bins: ``[floor(i n / o), ceil((i + 1) n / o))`` for each output ``i``."""
    return [(i * n // o, -((-(i + 1) * n) // o)) for i in range(o)]


def _adaptive(inputs, output_size, data_format, largest, caller):
    first = _layout(data_format, caller)
    (x,) = promote(inputs, caller=caller)
    x = x.astype(float_dtype(x.dtype)) if x.dtype.kind != "f" else x
    if x.ndim not in (3, 4, 5):
        raise ValueError(f"{caller}: expected inputs (N, *spatial, C) of rank 3-5, got shape {x.shape}")
    x = _to_last(x, first)
    sizes = as_tuple(output_size, x.ndim - 2, "output_size")
    for axis, o in enumerate(sizes, start=1):  # pooling is separable: one spatial axis at a time
        bins = _bins(x.shape[axis], o)
        if largest:
            head = (slice(None),) * axis
            x = stack([_max(x[head + (slice(a, b),)], axis=axis) for a, b in bins], axis=axis)
        else:
            w = xp.zeros((o, x.shape[axis]), dtype=x.dtype)
            for i, (a, b) in enumerate(bins):
                w[i, a:b] = 1.0 / (b - a)
            x = moveaxis(tensordot(x, constant(w), axes=([axis], [1])), -1, axis)
    return _to_first(x, first)


@array_op("inputs")
def adaptive_max_pool(inputs, output_size, data_format=None):
    """The maximum over PyTorch's adaptive bins: output ``(N, *output_size, C)`` whatever the input size."""
    return _adaptive(inputs, output_size, data_format, True, "adaptive_max_pool")


@array_op("inputs")
def adaptive_average_pool(inputs, output_size, data_format=None):
    """The mean over PyTorch's adaptive bins (one averaging matrix per spatial axis)."""
    return _adaptive(inputs, output_size, data_format, False, "adaptive_average_pool")
