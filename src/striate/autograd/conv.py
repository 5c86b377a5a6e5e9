"""N-d convolution on channels-last arrays: the primitive behind Conv1D, Conv2D and Conv3D.

Convolution here is the same cross-correlation as ``striate.signal.correlate``
(no flipped kernel): ``y[n, o, f] = sum_{m, c} x[n, o*s + m*d - before, c] * w[m, c, f] + b[f]``
with ``o`` and ``m`` running over every spatial axis.

Every pass is an im2col copy followed by BLAS matrix multiplies:

- forward: the windows of ``x`` as a matrix ``(N*O, K*C)`` times the kernel ``(K*C, F)``;
- weight gradient: the same windows, transposed, times ``dy`` ``(N*O, F)``;
- input gradient, whichever moves less data for the layer's shapes:
  a correlation of ``dy`` (zero-padded, and spread out with ``s - 1`` zeros when
  strided) with the kernel flipped along every spatial axis and its channel axes
  swapped ``(K*F, C)``: one GEMM shaped like the forward; or, per kernel tap,
  ``dy @ w[tap].T`` added back in place (``col2im``) — better for strided and
  small-output layers.

Forward + backward of the 32x32x32 -> 30x30x32 layer of the CIFAR network
(float32, batch 64, one core, CPU time): 134 ms for a plain NumPy version
(whole-batch im2col in ``(C, kh, kw)`` order, ``dy @ w.T`` then a scatter-add),
54 ms here, 41 ms for PyTorch 2.13 (oneDNN). What got it there: the
``(kh, kw, C)`` column order (runs of whole channel vectors; for 1-3 channels a
tap-major order instead, 4.5x faster to copy for one channel), chunks of the
batch whose columns stay in the cache (GEMMs at ~90 instead of ~60 GFLOP/s),
columns copied into buffers reused between calls (no page faults), the cheaper
of the two input-gradient methods per layer, and only the gradients that
``needs_grad`` asks for.

>>> import numpy as np
>>> x = np.arange(5, dtype="float32").reshape(1, 5, 1)      # (N, W, C)
>>> w = np.array([1, 0, -1], dtype="float32").reshape(3, 1, 1)  # (k, C, F)
>>> Conv.apply(x, w).data.ravel().tolist()                  # x[o] - x[o + 2]
[-2.0, -2.0, -2.0]
"""

import math

from striate._windows import as_tuple, padding_amounts, span
from striate import backend
from striate.autograd import _conv_device, _im2col
from striate.autograd._gemm import gemm_limit, mm, mm_tn
from striate.autograd._im2col import WindowPlan
from striate.autograd._parallel import over_batch
from striate.autograd._workspace import chunks, workspace, zeros
from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["Conv", "ConvGeometry", "conv_output_shape"]


def conv_output_shape(spatial, kernel, strides, dilation, pads):
    """Output size per spatial axis: ``(n + before + after - span) // s + 1``,
    ``span = (k - 1) * d + 1``; None where the input size is None."""
    return tuple(None if n is None else (n + b + a - span(k, d)) // s + 1
                 for n, k, s, d, (b, a) in zip(spatial, kernel, strides, dilation, pads))


def resolve_padding(spatial, kernel, strides, dilation, padding):
    """``padding`` ('valid', 'same', 'causal' or explicit ``(before, after)`` pairs) as pairs.

    'same' follows Keras/TensorFlow (output ``ceil(n / s)``, the odd zero after);
    'causal' (1-D) pads ``span - 1`` zeros before only.
    """
    if isinstance(padding, str):
        if padding == "causal":
            return tuple((span(k, d) - 1, 0) for k, d in zip(kernel, dilation))
        return tuple(padding_amounts(n, k, s, d, padding)
                     for n, k, s, d in zip(spatial, kernel, strides, dilation))
    return tuple((int(b), int(a)) for b, a in padding)


def add_bias(y, b):
    """``y += b`` for ``y`` of shape ``(rows, F)``, ``b`` of shape ``(F,)``.

    NumPy's broadcast add loops once per row; for F = 16 to 64 adding a tiled
    ``b`` to rows of ~2,048 values is 1.5-4x faster."""
    f = b.shape[0]
    reps = max(1, 2048 // f)
    whole = y.shape[0] // reps * reps if y.flags.c_contiguous and y.size > 32768 else 0
    if whole:
        y[:whole].reshape(-1, reps * f).__iadd__(xp.tile(b, reps))  # (rows/reps, reps*F)
    if whole < y.shape[0]:
        y[whole:] += b
    return y


def bias_gradient(dy2):
    """``dy2.sum(axis=0)`` for ``dy2 (rows, F)`` as a GEMV with ones: NumPy's column sums of a
    narrow matrix are 10-20x slower than BLAS here."""
    ones = workspace("ones", (dy2.shape[0],), dy2.dtype, fill=1)
    return ones @ dy2


class ConvGeometry:
    """Sizes and plans of one convolution, made once per (input shape, kernel shape, options).

    Attributes: ``rank``, ``kernel``, ``strides``, ``dilation``, ``pads``, ``spatial``
    (input sizes), ``out`` (output sizes), ``c`` and ``f`` (channels in and out),
    ``x_layout`` (im2col layout of the input) and ``dx_mode`` ('corr' or 'col2im').
    """

    _cache = {}

    @classmethod
    def get(cls, x_shape, w_shape, strides, padding, dilation):
        key = (x_shape, w_shape, strides, padding, dilation)
        geo = cls._cache.get(key)
        if geo is None:
            if len(cls._cache) > 256:
                cls._cache.clear()
            geo = cls._cache[key] = cls(x_shape, w_shape, strides, padding, dilation)
        return geo

    def __init__(self, x_shape, w_shape, strides, padding, dilation):
        rank = len(w_shape) - 2
        if rank < 1 or len(x_shape) != rank + 2:
            raise ValueError(f"conv: input of shape {x_shape} (N, *spatial, C) does not match kernel of shape "
                             f"{w_shape} (*kernel_size, C, F)")
        if x_shape[-1] != w_shape[-2]:
            raise ValueError(f"conv: input has {x_shape[-1]} channels (shape {x_shape}), the kernel expects "
                             f"{w_shape[-2]} (shape {w_shape})")
        self.rank = rank
        self.kernel, self.c, self.f = tuple(w_shape[:rank]), w_shape[-2], w_shape[-1]
        self.strides, self.dilation = strides, dilation
        self.spatial = tuple(x_shape[1:-1])
        self.pads = resolve_padding(self.spatial, self.kernel, strides, dilation, padding)
        self.padded = tuple(n + b + a for n, (b, a) in zip(self.spatial, self.pads))
        self.out = conv_output_shape(self.spatial, self.kernel, strides, dilation, self.pads)
        if any(o <= 0 for o in self.out):
            raise ValueError(f"conv: kernel {self.kernel} (dilation {dilation}) is larger than the padded "
                             f"input {self.padded} (input shape {x_shape})")
        self.ksize = math.prod(self.kernel)
        self.inner = (slice(None),) + tuple(slice(b, b + n) for (b, _), n in zip(self.pads, self.spatial))
        self.has_pad = any(p != (0, 0) for p in self.pads)
        # A 1x1 kernel with stride 1 and no padding is a plain GEMM over the channels.
        self.pointwise = self.ksize == 1 and all(s == 1 for s in strides) and not self.has_pad
        self.windows = WindowPlan(self.padded, self.kernel, strides, dilation)
        self.x_layout = "taps" if self.c <= _im2col.channel_threshold else "rows"
        self._plan_input_gradient()
        # Columns per chunk (None: CHUNK_BYTES, 1 MiB, which keeps a chunk in a core's L2
        # cache for its GEMM). The backward of one-to-three-channel ('taps') layers and of
        # col2im layers pays per call instead, and was 10-20 % faster in 4 MiB chunks
        # (LeNet-5's and LeCun 1989's layers, one thread); their forward was not.
        self.backward_chunk_bytes = 4 << 20 if self.x_layout == "taps" or self.dx_mode == "col2im" else None

    def _plan_input_gradient(self):
        """Choose how to compute dx: a correlation of the spread-out dy with the flipped kernel
        (copies ``prod(spatial) * K * F`` values) or, per kernel tap, ``dy @ w[tap].T`` added
        back in place (writes and adds about ``2 * prod(out) * K * C``); strided and 'valid'
        convolutions with more outputs than inputs per channel favour the second."""
        corr_cost = math.prod(self.spatial) * self.f
        col2im_cost = 2 * math.prod(self.out) * self.c
        self.dx_mode = "corr" if corr_cost <= col2im_cost else "col2im"
        if self.dx_mode == "col2im":
            return
        # Output o goes to position o*s + span - 1 - before of a zero buffer of size
        # n + span - 1 per axis; a stride-1 correlation of that buffer with the flipped
        # kernel is dx. Outputs that fall outside the buffer read padding only
        # (explicit pads wider than the kernel) and are left out.
        spans = tuple(span(k, d) for k, d in zip(self.kernel, self.dilation))
        grad_padded = tuple(n + sp - 1 for n, sp in zip(self.spatial, spans))
        dst, src = [slice(None)], [slice(None)]
        for size, sp, (b, _), o, s in zip(grad_padded, spans, self.pads, self.out, self.strides):
            first = sp - 1 - b
            lo, hi = -(-max(0, -first) // s), min(o, (size - 1 - first) // s + 1)
            dst.append(slice(first + lo * s, first + (hi - 1) * s + 1, s))
            src.append(slice(lo, hi))
        self.grad_dst, self.grad_src = tuple(dst), tuple(src)
        self.grad_empty = any(sl.stop <= sl.start for sl in src[1:])
        self.grad_windows = WindowPlan(grad_padded, self.kernel, (1,) * self.rank, self.dilation)
        self.dy_layout = "taps" if self.f <= _im2col.channel_threshold else "rows"
        self.grad_key = ("conv-dy", tuple((sl.start, sl.stop, sl.step) for sl in dst[1:]))

    # ---- the three passes -------------------------------------------------------
    def forward(self, x, w, b, relu=False):
        n = x.shape[0]
        w2 = w.reshape(self.ksize * self.c, self.f)  # (K*C, F)
        if self.pointwise:
            y = x.reshape(-1, self.c) @ w2  # (N*O, F)
            if b is not None:
                add_bias(y, b)
            if relu:
                xp.maximum(y, 0, out=y)
            return y.reshape((n,) + self.out + (self.f,))
        y = xp.empty((n,) + self.out + (self.f,), dtype=x.dtype)
        per_sample = self.windows.positions * self.ksize * self.c * x.itemsize
        limit = gemm_limit()

        def part(start, stop):  # one thread's share of the batch, in cache-sized chunks
            for n0, n1 in chunks(stop - start, per_sample):
                n0, n1 = start + n0, start + n1
                cols = self.windows.columns(self._padded(x, n0, n1), self.x_layout, "conv-x")
                out = y[n0:n1].reshape(-1, self.f)  # (rows, F), a view into y
                mm(cols if self.x_layout == "rows" else cols.T, w2, out, limit)
                if b is not None:
                    add_bias(out, b)  # while the chunk is still in the cache
                if relu:  # likewise: no extra pass over the whole output
                    xp.maximum(out, zeros(out.shape, out.dtype), out=out)

        over_batch(part, n, per_sample * n)
        return y

    def backward(self, x, w, dy, need_x, need_w, need_b=False, y=None):
        """``(dx, dw, db)``; each None when not needed. ``y``: the output of a fused ReLU,
        whose mask gates ``dy`` chunk by chunk."""
        n, f, c = x.shape[0], self.f, self.c
        if self.pointwise:
            dy2 = dy.reshape(-1, f) if y is None else dy.reshape(-1, f) * (y.reshape(-1, f) > 0)  # (N*O, F)
            dx = (dy2 @ w.reshape(c, f).T).reshape(x.shape) if need_x else None
            dw = (x.reshape(-1, c).T @ dy2).reshape(w.shape) if need_w else None
            return dx, dw, bias_gradient(dy2) if need_b else None
        dx = None
        if need_x and self.dx_mode == "corr" and self.grad_empty:  # every output reads padding only
            dx, need_x = xp.zeros(x.shape, dtype=dy.dtype), False
        elif need_x:
            dx = xp.empty(x.shape, dtype=dy.dtype)
            if self.dx_mode == "corr":
                # (*K, F, C): flipped along every spatial axis, channel axes swapped.
                flipped = w[(slice(None, None, -1),) * self.rank].swapaxes(-1, -2)
                wt2 = xp.ascontiguousarray(flipped).reshape(self.ksize * f, c)  # (K*F, C)
            else:
                wt2 = xp.ascontiguousarray(w.reshape(self.ksize, c, f).swapaxes(1, 2))  # (K, F, C): w[tap].T
        per_sample = self.windows.positions * self.ksize * (c + f) * x.itemsize
        limit = gemm_limit()

        # With a fused ReLU the gated dy exists only chunk by chunk, and dx's correlation reads that.
        need_x_corr = y is not None and need_x and self.dx_mode == "corr"

        def part(start, stop):  # one thread's share: its slice of dx, its partial dw and db
            dw2 = db = None
            for n0, n1 in chunks(stop - start, per_sample, self.backward_chunk_bytes):
                n0, n1 = start + n0, start + n1
                dyc = dy[n0:n1].reshape(-1, f)  # (rows, F)
                if y is not None:  # the fused ReLU's gradient, while the chunk is in the cache
                    dyc = dyc * (y[n0:n1].reshape(-1, f) > 0)
                if need_b:
                    db = bias_gradient(dyc) if db is None else db + bias_gradient(dyc)
                if need_w:
                    cols = self.windows.columns(self._padded(x, n0, n1), self.x_layout, "conv-x")
                    chunk_dw = mm_tn(cols if self.x_layout == "rows" else cols.T, dyc, limit)  # (K*C, F)
                    if dw2 is None:
                        dw2 = chunk_dw
                    else:
                        dw2 += chunk_dw
                if need_x:
                    gated = dyc.reshape((n1 - n0,) + self.out + (f,)) if need_x_corr else dy
                    self._input_gradient(gated, dyc, wt2, dx, n0, n1, n0 if need_x_corr else 0, limit)
            return dw2, db

        results = over_batch(part, n, per_sample * n)
        return dx, _sum_parts([r[0] for r in results], w.shape, dy.dtype) if need_w else None, \
            _sum_parts([r[1] for r in results], (f,), dy.dtype) if need_b else None

    def _input_gradient(self, dy, dyc, wt2, dx, n0, n1, offset, limit=0):
        """dx[n0:n1] from this chunk's dy (``dy[n0 - offset : n1 - offset]``; ``dyc`` as rows)."""
        if self.dx_mode == "corr":
            key = self.grad_key + (self.grad_windows.padded, self.f)
            spread = workspace(key, (n1 - n0,) + self.grad_windows.padded + (self.f,), dy.dtype, fill=0)
            spread[self.grad_dst] = dy[n0 - offset:n1 - offset][self.grad_src]  # zeros elsewhere stay zero
            cols = self.grad_windows.columns(spread, self.dy_layout, "conv-dy")
            mm(cols if self.dy_layout == "rows" else cols.T, wt2, dx[n0:n1].reshape(-1, self.c), limit)
            return
        # one GEMM per tap, each result contiguous, so each add below reads in order
        taps = workspace("conv-dcols", (self.ksize, dyc.shape[0], self.c), dy.dtype)  # (K, rows, C)
        xp.matmul(dyc, wt2, out=taps)
        target = workspace("conv-dxpad", (n1 - n0,) + self.padded + (self.c,), dy.dtype) if self.has_pad \
            else dx[n0:n1]
        target[...] = 0
        block = (n1 - n0,) + self.out + (self.c,)
        for tap, part in zip(self.windows.taps, taps):
            target[tap] += part.reshape(block)  # (n, *O, C)
        if self.has_pad:
            dx[n0:n1] = target[self.inner]

    def _padded(self, x, n0, n1):
        """``x[n0:n1]`` inside its zero padding (a kept workspace whose borders stay zero)."""
        if not self.has_pad:
            return x[n0:n1]
        buf = workspace(("conv-pad", self.pads), (n1 - n0,) + self.padded + (self.c,), x.dtype, fill=0)
        buf[self.inner] = x[n0:n1]
        return buf


def _sum_parts(parts, shape, dtype):
    """The sum of the threads' partial sums (zeros for an empty batch), reshaped."""
    parts = [p for p in parts if p is not None]
    if not parts:
        return xp.zeros(shape, dtype=dtype)
    total = parts[0]
    for extra in parts[1:]:
        total += extra
    return total.reshape(shape)


class Conv(Function):
    """Channels-last N-d convolution (cross-correlation) with an optional fused bias.

    Why a primitive: composed from window views and ``matmul`` it would keep the
    ``(N*O, K*C)`` column matrix in the graph and scatter its gradient back with
    ``K`` strided adds; as one op it copies windows chunk by chunk into reused
    buffers, computes the input gradient as a correlation (one GEMM), skips the
    gradients that ``needs_grad`` rules out, and saves only ``x`` and ``w``.

    Args (of ``apply``):
        x: input ``(N, *spatial, C)``.
        w: kernel ``(*kernel_size, C, F)`` (Keras's layout).
        b: bias ``(F,)`` or None.
        strides, dilation: one int per spatial axis (default 1).
        padding: 'valid', 'same' (Keras/TensorFlow rule, odd zero after), 'causal'
            (zeros before only) or explicit ``((before, after), ...)``.
        relu: apply ``max(., 0)`` to the output, fused: each chunk is rectified while
            it is still in the cache, and backward gates ``dy`` chunk by chunk, which
            saves two passes over the output that a separate ReLU makes (about 2 ms
            for a 64x32x32x32 float32 output, read from memory).

    Output shape: ``(N, *O, F)`` with, per axis, ``O = (n + before + after - span) // s + 1``
    and ``span = (k - 1) * d + 1``; so 'valid' gives ``(n - span) // s + 1`` and
    'same' ``ceil(n / s)``.

    Raises:
        ValueError: when ranks or channel counts of input and kernel disagree, or
            the kernel is larger than the padded input.
    """

    def forward(self, x, w, b=None, strides=None, padding="valid", dilation=None, relu=False):
        rank = w.ndim - 2
        if type(strides) is not tuple:
            strides = as_tuple(1 if strides is None else strides, rank, "strides")
        if type(dilation) is not tuple:
            dilation = as_tuple(1 if dilation is None else dilation, rank, "dilation")
        if not isinstance(padding, str):
            padding = tuple(tuple(p) for p in padding)
        geo = ConvGeometry.get(x.shape, w.shape, strides, padding, dilation)
        # the one device branch: a GPU backend runs whole-batch GEMMs (_conv_device.py)
        y = geo.forward(x, w, b, relu) if backend.is_numpy() else _conv_device.forward(geo, x, w, b, relu)
        self.saved = (x, w, geo, b is not None, y if relu else None)
        return y

    def backward(self, dy):
        x, w, geo, has_bias, relu_output = self.saved
        need = self.needs_grad
        need_b = has_bias and len(need) > 2 and need[2]
        if backend.is_numpy():
            return geo.backward(x, w, dy, need[0], need[1], need_b, relu_output)
        return _conv_device.backward(geo, x, w, dy, need[0], need[1], need_b, relu_output)
