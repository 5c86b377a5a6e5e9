"""Statistics and normalisation ops of ``keras.ops.nn``, attention, and pixel (un)shuffling.

All are compositions of differentiable ops. ``moments`` computes the variance in
two passes (``mean((x - mean)^2)``), which never goes negative; Keras's torch
backend uses ``mean(x^2) - mean^2`` (equal up to rounding).

>>> import numpy as np
>>> from striate import ops
>>> mean, var = ops.moments(np.array([[1.0, 3.0], [5.0, 7.0]]), axes=[0])
>>> mean.tolist(), var.tolist()
([3.0, 5.0], [4.0, 4.0])
"""

import math

from striate import backend
from striate.autograd import Where
from striate.backend import xp
from striate.ops._convert import array_op, floating, normalize_axis, promote, to_tensor
from striate.ops.elementwise import tanh
from striate.ops.linalg import norm
from striate.ops.activations import softmax
from striate.ops.products import einsum
from striate.ops.reductions import mean as _mean, sum as _sum
from striate.ops.shape_ops import repeat

__all__ = ["moments", "batch_normalization", "normalize", "rms_normalization", "layer_normalization", "psnr",
           "dot_product_attention", "depth_to_space", "space_to_depth"]


@array_op("x")
def moments(x, axes, keepdims=False, synchronized=False):
    """``(mean, variance)`` of ``x`` over ``axes``."""
    if synchronized:
        raise ValueError("moments: synchronized=True needs a distribution strategy; striate has none")
    t = floating(x, "moments")
    axes = normalize_axis(tuple(axes) if isinstance(axes, (list, tuple)) else axes, t.ndim, "moments")
    m = _mean(t, axis=axes, keepdims=True)
    centred = t - m
    v = _mean(centred * centred, axis=axes, keepdims=keepdims)
    return (m if keepdims else _mean(t, axis=axes)), v


def _along(v, axis, ndim, caller):
    """A 1-D per-channel vector reshaped to broadcast along ``axis`` of an ``ndim`` tensor."""
    t = to_tensor(v, caller=caller)
    if t.ndim == 1:
        return t.reshape(tuple(-1 if i == axis else 1 for i in range(ndim)))
    return t


@array_op("x", "mean", "variance", "offset", "scale")
def batch_normalization(x, mean, variance, axis, offset=None, scale=None, epsilon=1e-3):
    """``(x - mean) / sqrt(variance + epsilon) * scale + offset`` with 1-D statistics along ``axis``."""
    t = floating(x, "batch_normalization")
    axis = normalize_axis(axis, t.ndim, "batch_normalization")
    m, v = (_along(s, axis, t.ndim, "batch_normalization") for s in (mean, variance))
    y = (t - m) * (v + epsilon) ** -0.5
    if scale is not None:
        y = y * _along(scale, axis, t.ndim, "batch_normalization")
    if offset is not None:
        y = y + _along(offset, axis, t.ndim, "batch_normalization")
    return y


@array_op("x")
def normalize(x, axis=-1, order=2, epsilon=None):
    """``x / max(norm(x, order, axis), epsilon)`` (for ``order=2``: ``x * min(rsqrt(sum x^2), 1/epsilon)``)."""
    if isinstance(order, bool) or not isinstance(order, int) or order < 1:
        raise ValueError(f"normalize: order must be an int >= 1, got {order!r}")
    t = floating(x, "normalize")
    if t.ndim == 0:
        t = t.reshape((1,))
    eps = backend.epsilon() if epsilon is None else epsilon
    if order == 2:
        square_sum = _sum(t * t, axis=axis, keepdims=True)
        # min(rsqrt(s), 1/eps) = rsqrt(max(s, eps^2)); the floor is a constant, so a zero vector stays finite
        floored = Where.apply(square_sum, eps * eps, condition=square_sum.data > eps * eps)
        return t * floored ** -0.5
    n = norm(t, ord=order, axis=axis, keepdims=True)
    return t / Where.apply(n, eps, condition=n.data > eps)


@array_op("x", "scale")
def rms_normalization(x, scale=None, axis=-1, epsilon=None):
    """``x / sqrt(mean(x^2, axis) + epsilon) * scale``."""
    t = floating(x, "rms_normalization")
    eps = backend.epsilon() if epsilon is None else epsilon
    y = t * (_mean(t * t, axis=axis, keepdims=True) + eps) ** -0.5
    return y if scale is None else y * scale


@array_op("x", "gamma", "beta")
def layer_normalization(x, gamma=None, beta=None, axis=-1, epsilon=None, **kwargs):
    """``(x - mean) / sqrt(var + epsilon) * gamma + beta`` over ``axis``."""
    if kwargs.pop("rms_scaling", False):
        return rms_normalization(x, gamma, axis, epsilon)
    if kwargs:
        raise TypeError(f"layer_normalization: unexpected arguments {sorted(kwargs)}")
    t = floating(x, "layer_normalization")
    eps = 1e-3 if epsilon is None else epsilon
    m, v = moments(t, axes=axis if isinstance(axis, (list, tuple)) else [axis], keepdims=True)
    y = (t - m) * (v + eps) ** -0.5
    if gamma is not None:
        y = y * gamma
    return y if beta is None else y + beta


@array_op("x1", "x2")
def psnr(x1, x2, max_val):
    """The peak signal-to-noise ratio ``20 log10(max_val) - 10 log10(mse)`` in dB (a scalar)."""
    a, b = promote(x1, x2, caller="psnr")
    a, b = floating(a), floating(b)
    if a.shape != b.shape:
        raise ValueError(f"psnr: x1 and x2 must have one shape, got {a.shape} and {b.shape}")
    diff = a - b
    mse = _mean(diff * diff)
    return 20.0 * math.log10(max_val) - mse.log() * (10.0 / math.log(10.0))


@array_op("query", "key", "value", "bias", "mask")
def dot_product_attention(query, key, value, bias=None, mask=None, scale=None, is_causal=False,
                          flash_attention=None, attn_logits_soft_cap=None):
    """Scaled dot-product attention on ``(B, T, N, H)`` queries and ``(B, S, K, H)`` keys and values
    (``N`` a multiple of ``K``: grouped heads; 3-D inputs lack ``B``).

    ``softmax(q k^T * scale + bias, masked) v`` with ``scale = 1/sqrt(H)`` by default;
    ``mask`` (boolean, broadcast to ``(B, N, T, S)``) keeps True positions, ``is_causal``
    keeps ``s <= t``.
    """
    if flash_attention:
        raise ValueError("dot_product_attention: flash_attention is not available on the CPU")
    q, k, v = promote(query, key, value, caller="dot_product_attention")
    q, k, v = floating(q), floating(k), floating(v)
    batched = q.ndim == 4
    if not batched:
        q, k, v = (t.reshape((1,) + t.shape) for t in (q, k, v))
    if q.ndim != 4 or k.ndim != 4 or k.shape != v.shape or q.shape[-1] != k.shape[-1] or q.shape[2] % k.shape[2]:
        raise ValueError(f"dot_product_attention: expected query (B, T, N, H), key and value (B, S, K, H) with "
                         f"N a multiple of K; got {q.shape}, {k.shape}, {v.shape}")
    groups = q.shape[2] // k.shape[2]
    if groups > 1:  # repeat each key/value head for its group of query heads
        k, v = repeat(k, groups, axis=2), repeat(v, groups, axis=2)
    scale = 1.0 / math.sqrt(q.shape[-1]) if scale is None else scale
    logits = einsum("btnh,bsnh->bnts", q, k) * scale
    if attn_logits_soft_cap is not None:
        logits = tanh(logits * (1.0 / attn_logits_soft_cap)) * attn_logits_soft_cap
    if bias is not None:
        logits = logits + bias
    keep = xp.ones(logits.shape, dtype=bool)
    if mask is not None:
        keep = keep & to_tensor(mask).data.astype(bool)
    if is_causal:
        keep = keep & xp.tri(logits.shape[2], logits.shape[3], dtype=bool)
    if mask is not None or is_causal:
        logits = Where.apply(logits, float(-0.7 * xp.finfo(logits.dtype).max), condition=keep)
    out = einsum("bnts,bsnh->btnh", softmax(logits, axis=-1), v)
    return out if batched else out.reshape(out.shape[1:])


def _blocks(x, block_size, data_format, caller):
    t = to_tensor(x, caller=caller)
    if t.ndim != 4 or isinstance(block_size, bool) or not isinstance(block_size, int) or block_size < 2:
        raise ValueError(f"{caller}: expected a 4-D tensor and an int block_size >= 2, got {t.shape}, {block_size!r}")
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{caller}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return (t.transpose((0, 2, 3, 1)) if data_format == "channels_first" else t), data_format == "channels_first"


@array_op("x")
def depth_to_space(x, block_size, data_format="channels_last"):
    """``(N, H, W, C) -> (N, H b, W b, C / b^2)``: channel blocks become ``b x b`` pixel blocks."""
    t, first = _blocks(x, block_size, data_format, "depth_to_space")
    n, h, w, c = t.shape
    b = block_size
    if c % (b * b):
        raise ValueError(f"depth_to_space: channels {c} must be a multiple of block_size^2 = {b * b}")
    y = t.reshape((n, h, w, b, b, c // (b * b))).transpose((0, 1, 3, 2, 4, 5))  # (N, H, b, W, b, C')
    y = y.reshape((n, h * b, w * b, c // (b * b)))
    return y.transpose((0, 3, 1, 2)) if first else y


@array_op("x")
def space_to_depth(x, block_size, data_format="channels_last"):
    """``(N, H, W, C) -> (N, H / b, W / b, C b^2)``, the inverse of :func:`depth_to_space`."""
    t, first = _blocks(x, block_size, data_format, "space_to_depth")
    n, h, w, c = t.shape
    b = block_size
    if h % b or w % b:
        raise ValueError(f"space_to_depth: height {h} and width {w} must be multiples of block_size {b}")
    y = t.reshape((n, h // b, b, w // b, b, c)).transpose((0, 1, 3, 2, 4, 5))  # (N, H', W', b, b, C)
    y = y.reshape((n, h // b, w // b, b * b * c))
    return y.transpose((0, 3, 1, 2)) if first else y
