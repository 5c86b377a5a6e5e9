"""Depthwise N-d convolution on channels-last arrays: the primitive behind DepthwiseConv1D/2D.

Each input channel ``c`` is correlated with its own ``M`` filters (``M`` is
Keras's ``depth_multiplier``); nothing mixes channels::

    y[n, o, c*M + m] = sum_t x[n, o*s + t*d - before, c] * w[t, c, m] + b[c*M + m]

with ``o`` and the kernel tap ``t`` running over every spatial axis. The output
channel ``c*M + m`` is Keras's (and PyTorch's ``groups=C``) order.

Why a primitive: composed from Tensor ops (pad, then per tap a slice times the
kernel, summed), every tap's slice records a GetItem whose backward allocates a
zero array of the padded input's size; here each pass works tap by tap on
strided slices of one padded input, with one gradient buffer. Forward + backward
of a 3x3 depthwise layer on ``(64, 32, 32, 32)`` float32, one core (CPU time):
0.11 s here, 0.20 s for the composition, 0.25 s for 32 one-channel ``Conv``
calls (``groups=C``) concatenated.

>>> import numpy as np
>>> x = np.arange(6, dtype="float32").reshape(1, 3, 2)      # (N, W, C)
>>> w = np.array([[1, 10], [1, 0]], dtype="float32").reshape(2, 2, 1)  # (k, C, M)
>>> DepthwiseConv.apply(x, w).data[0].tolist()               # channel 0: x[o] + x[o+1]; channel 1: 10 x[o]
[[2.0, 10.0], [6.0, 30.0]]
"""

import math

from striate._windows import padding_amounts, span
from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["DepthwiseConv", "depthwise_output_shape"]


def depthwise_output_shape(spatial, kernel, strides, dilation, padding):
    """Output sizes per axis: 'valid' ``(n - span) // s + 1``, 'same' ``ceil(n / s)``;
    ``span = (k - 1) * d + 1``; None where the input size is None."""
    out = []
    for n, k, s, d in zip(spatial, kernel, strides, dilation):
        out.append(None if n is None else (n - span(k, d)) // s + 1 if padding == "valid" else -(-n // s))
    return tuple(out)


def _tap_slices(taps, out, strides, dilation):
    """For each kernel tap, the slice of the padded input that lines up with the output."""
    return [(slice(None),) + tuple(slice(t * d, t * d + (o - 1) * s + 1, s)
                                   for t, o, s, d in zip(tap, out, strides, dilation)) + (slice(None),)
            for tap in taps]


class DepthwiseConv(Function):
    """``x (N, *S, C)``, ``w (*K, C, M)``, optional ``b (C*M,)`` -> ``y (N, *O, C*M)``.

    Keyword args: ``strides``, ``dilation`` (tuples, one per spatial axis) and
    ``padding`` ('valid' or 'same', Keras's split: the odd zero after).

    Raises:
        ValueError: when the ranks or the channel counts of ``x`` and ``w`` differ,
            or the kernel does not fit in the (padded) input.
    """

    def forward(self, x, w, b=None, strides=None, padding="valid", dilation=None):
        rank = w.ndim - 2
        if rank < 1 or x.ndim != rank + 2 or x.shape[-1] != w.shape[-2]:
            raise ValueError(f"depthwise conv: input of shape {x.shape} (N, *spatial, C) does not match the kernel "
                             f"of shape {w.shape} (*kernel_size, C, depth_multiplier)")
        kernel, (c, m) = w.shape[:-2], w.shape[-2:]
        strides, dilation = strides or (1,) * rank, dilation or (1,) * rank
        pads = [padding_amounts(n, k, s, d, padding) for n, k, s, d in zip(x.shape[1:-1], kernel, strides, dilation)]
        padded = tuple(n + p + q for n, (p, q) in zip(x.shape[1:-1], pads))
        out = tuple((n - span(k, d)) // s + 1 for n, k, s, d in zip(padded, kernel, strides, dilation))
        if any(o <= 0 for o in out):
            raise ValueError(f"depthwise conv: kernel {kernel} (dilation {dilation}) is larger than the padded "
                             f"input {padded} (input shape {x.shape})")
        if any(p or q for p, q in pads):
            xpad = xp.zeros((x.shape[0],) + padded + (c,), dtype=x.dtype)
            xpad[(slice(None),) + tuple(slice(p, p + n) for (p, _), n in zip(pads, x.shape[1:-1]))] = x
        else:
            xpad = x
        taps = list(xp.ndindex(*kernel))
        slices = _tap_slices(taps, out, strides, dilation)
        y = xp.zeros((x.shape[0],) + out + (c, m), dtype=x.dtype)  # (N, *O, C, M)
        for tap, where in zip(taps, slices):
            y += xpad[where][..., None] * w[tap]  # (N, *O, C, 1) * (C, M)
        y = y.reshape(y.shape[:-2] + (c * m,))  # (N, *O, C*M): channel c*M + m
        if b is not None:
            y += b
        self.saved = (xpad, w, b is not None, pads, taps, slices, x.shape)
        return y

    def backward(self, dy):
        xpad, w, has_bias, pads, taps, slices, x_shape = self.saved
        c, m = w.shape[-2:]
        dy4 = dy.reshape(dy.shape[:-1] + (c, m))  # (N, *O, C, M)
        rows = math.prod(dy.shape[:-1])
        dx = dw = db = None
        if self.needs_grad[0]:
            dxpad = xp.zeros(xpad.shape, dtype=dy.dtype)
            for tap, where in zip(taps, slices):
                dxpad[where] += dy4[..., 0] * w[tap][:, 0] if m == 1 else (dy4 * w[tap]).sum(axis=-1)
            dx = dxpad[(slice(None),) + tuple(slice(p, p + n) for (p, _), n in zip(pads, x_shape[1:-1]))]
        if self.needs_grad[1]:
            dw = xp.empty(w.shape, dtype=dy.dtype)
            for tap, where in zip(taps, slices):
                prod = xpad[where][..., None] * dy4  # (N, *O, C, M)
                dw[tap] = (xp.ones(rows, dtype=dy.dtype) @ prod.reshape(rows, c * m)).reshape(c, m)  # column sums
        if has_bias and self.needs_grad[2]:
            db = xp.ones(rows, dtype=dy.dtype) @ dy.reshape(rows, c * m)  # (C*M,)
        return dx, dw, db
