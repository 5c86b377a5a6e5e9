"""Affine resampling of image batches, shared by Resizing, RandomZoom, RandomTranslation
and RandomRotation.

A transform is Keras's row of eight numbers ``[a0, a1, a2, b0, b1, b2, c0, c1]``
(``c0 = c1 = 0`` here) that maps an *output* pixel ``(x, y)`` (column, row) to the
input point it samples::

    x_in = a0 * x + a1 * y + a2        y_in = b0 * x + b1 * y + b2

The input is read at integer pixel positions, by ``"bilinear"`` interpolation
between the four neighbours or by the ``"nearest"`` one (ties to even, as Keras's
``map_coordinates``). Outside the image ``fill_mode`` decides, per neighbour:
``"reflect"`` (d c b a | a b c d | d c b a), ``"wrap"`` (a b c d | a b c d),
``"nearest"`` (a a a a | a b c d | d d d d) or ``"constant"`` (``fill_value``).

Two paths, one rule. Without rotation or shear (``a1 = b0 = 0``: zoom, translation,
resizing) the map is separable: one weight matrix per axis, ``R`` of shape
``(OH, H)`` and ``C`` of shape ``(OW, W)``, and the result is ``R @ x @ C.T`` per
image and channel, a batched matmul that is fast and differentiable through
striate's MatMul. Otherwise each output pixel gathers its neighbours with one
advanced index (differentiable through GetItem). Both are compositions of Tensor
ops, so gradients come for free.

>>> import numpy as np
>>> from striate.tensor import Tensor
>>> x = Tensor(np.arange(4.0, dtype="float32").reshape(1, 1, 4, 1))
>>> shift = np.array([[1, 0, -1, 0, 1, 0, 0, 0]], "float32")   # each pixel reads its left neighbour
>>> affine_transform(x, shift, fill_mode="constant").data.ravel().tolist()
[0.0, 0.0, 1.0, 2.0]
>>> affine_transform(x, shift, fill_mode="reflect").data.ravel().tolist()
[0.0, 0.0, 1.0, 2.0]
>>> affine_transform(x, shift, fill_mode="wrap").data.ravel().tolist()
[3.0, 0.0, 1.0, 2.0]
"""

import numpy as np

from striate.tensor import Tensor

__all__ = ["affine_transform", "axis_weights", "resize_weights", "separable_resample", "FILL_MODES", "INTERPOLATIONS",
           "RESIZE_INTERPOLATIONS"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "area")


def _fix_index(index, size, fill_mode):
    """Integer positions folded into ``[0, size)`` and whether each was inside (constant mode)."""
    valid = (index >= 0) & (index < size)
    if fill_mode == "wrap":
        return index % size, np.ones_like(valid)
    if fill_mode == "reflect":
        r = index % (2 * size)  # period 2*size: the image, then its mirror image
        return np.where(r < size, r, 2 * size - 1 - r), np.ones_like(valid)
    fixed = np.clip(index, 0, size - 1)
    return fixed, (valid if fill_mode == "constant" else np.ones_like(valid))


def _neighbours(src, interpolation):
    """[(integer position, weight)] of the samples that make the value at ``src``."""
    if interpolation == "nearest":
        return [(np.round(src).astype(np.int64), np.ones_like(src))]
    low = np.floor(src)
    frac = src - low
    low = low.astype(np.int64)
    return [(low, 1.0 - frac), (low + 1, frac)]


def axis_weights(src, n_in, interpolation="bilinear", fill_mode="nearest"):
    """Resampling matrix of one axis: ``out[..., i] = sum_j W[..., i, j] * in[..., j]``.

    Args:
        src: float array ``(..., n_out)``, the input position each output samples.
        n_in: the input's length along the axis.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: one of :data:`FILL_MODES`. In ``"constant"`` mode, rows lose the
            weight of samples outside the input (the caller adds the fill value).

    Returns:
        float64 array ``(..., n_out, n_in)``.

    >>> axis_weights(np.array([0.25, 3.5]), 4).tolist()    # row 2: half of the last pixel twice
    [[0.75, 0.25, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]]
    """
    src = np.asarray(src, dtype=np.float64)
    weights = np.zeros(src.shape + (n_in,))  # (..., n_out, n_in)
    rows = np.arange(src.size).reshape(src.shape)  # which row of the flattened weights
    flat = weights.reshape(-1, n_in)
    for index, weight in _neighbours(src, interpolation):
        fixed, valid = _fix_index(index, n_in, fill_mode)
        np.add.at(flat, (rows, fixed), weight * valid)  # folded samples may hit one pixel twice
    return weights


def _antialiased(n_in, n_out):
    """Bilinear when shrinking by ``s = n_in / n_out > 1``: a triangle filter ``s`` pixels wide
    around each output centre, normalised per row (PyTorch's and Pillow's antialias)."""
    scale = n_in / n_out
    centre = (np.arange(n_out) + 0.5) * scale  # (n_out,)
    distance = (np.arange(n_in)[None, :] + 0.5 - centre[:, None]) / scale  # (n_out, n_in)
    weights = np.clip(1.0 - np.abs(distance), 0.0, None)
    return weights / weights.sum(axis=1, keepdims=True)


def resize_weights(n_in, n_out, interpolation="bilinear", window=None, padded=None, antialias=False):
    """Weights ``(n_out, n_in)`` that resize one axis, with half-pixel centres.

    ``"bilinear"`` samples at ``(i + 0.5) * n_in / n_out - 0.5`` (edges repeated),
    ``"nearest"`` takes pixel ``floor((i + 0.5) * n_in / n_out)`` (PyTorch's
    ``nearest-exact``, Keras's torch backend), ``"area"`` averages the covered span.

    Args:
        window: ``(start, length)``: resize only that part of the input (a crop).
        padded: ``(start, length)``: the input sits at ``start`` in a frame of
            ``length`` filled with the fill value, and the frame is resized; the
            rows then lose the weight that fell on the frame (the caller adds
            ``fill_value`` for it, see :func:`separable_resample`).
        antialias: widen the bilinear filter when shrinking.

    >>> resize_weights(4, 2).tolist()
    [[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]]
    """
    start, length = window or padded or (0, n_in)
    scale = length / n_out
    if interpolation == "area":
        from striate.utils.image import area_weights
        frame = area_weights(length, n_out)
    elif interpolation == "nearest":
        src = np.minimum(np.floor((np.arange(n_out) + 0.5) * scale), length - 1)
        frame = axis_weights(src, length, "nearest", "nearest")
    elif antialias and scale > 1:
        frame = _antialiased(length, n_out)
    else:
        frame = axis_weights((np.arange(n_out) + 0.5) * scale - 0.5, length, "bilinear", "nearest")
    if padded:
        return frame[:, start:start + n_in]  # (n_out, n_in): the frame's columns that hold the input
    weights = np.zeros((n_out, n_in))
    weights[:, start:start + length] = frame
    return weights


def separable_resample(x, rows, cols, fill_value=0.0):
    """``rows @ x @ cols.T`` per image and channel, plus ``fill_value`` where rows lost weight.

    Args:
        x: Tensor ``(N, H, W, C)``.
        rows: ``(OH, H)`` for the whole batch or ``(N, OH, H)`` per image.
        cols: ``(OW, W)`` or ``(N, OW, W)``.
        fill_value: the value of samples outside the input (constant fill mode).

    Returns:
        Tensor ``(N, OH, OW, C)``.
    """
    dtype = x.dtype
    per_image = rows.ndim == 3 or cols.ndim == 3
    r = rows[:, None] if rows.ndim == 3 else rows  # (N, 1, OH, H) or (OH, H)
    c = np.swapaxes(cols, -1, -2)
    c = c[:, None] if cols.ndim == 3 else c  # (N, 1, W, OW) or (W, OW)
    channels_first = x.transpose(0, 3, 1, 2)  # (N, C, H, W)
    out = Tensor(r.astype(dtype)) @ channels_first @ Tensor(c.astype(dtype))  # (N, C, OH, OW)
    out = out.transpose(0, 2, 3, 1)  # (N, OH, OW, C)
    if fill_value:
        kept = rows.sum(-1)[..., :, None] * cols.sum(-1)[..., None, :]  # (N?, OH, OW)
        missing = 1.0 - kept
        if np.abs(missing).max() > 1e-12:
            missing = missing if per_image and missing.ndim == 3 else np.broadcast_to(missing, (x.shape[0],) + missing.shape[-2:])
            out = out + Tensor((fill_value * missing)[..., None].astype(dtype))
    return out


def _check(transform, n):
    transform = np.asarray(transform, dtype=np.float64)
    if transform.ndim == 1:
        transform = transform[None]
    if transform.shape[-1] not in (6, 8) or transform.shape[0] not in (1, n):
        raise ValueError(f"affine_transform: transform must be (8,) or (N, 8) with N = {n}, got shape {transform.shape}")
    if transform.shape[-1] == 8 and np.any(transform[:, 6:] != 0):
        raise ValueError("affine_transform: projective transforms (c0, c1 != 0) are not supported")
    return np.broadcast_to(transform[:, :6], (n, 6))


def affine_transform(x, transform, interpolation="bilinear", fill_mode="constant", fill_value=0.0):
    """Resample each image of ``x`` through its transform (see the module docstring).

    Args:
        x: Tensor ``(N, H, W, C)``.
        transform: ``(8,)`` for all images or ``(N, 8)``, Keras's layout.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"`` or ``"nearest"``.
        fill_value: the value outside the image in ``"constant"`` mode.

    Returns:
        Tensor ``(N, H, W, C)``.

    Raises:
        ValueError: for an unknown interpolation or fill mode, or a malformed transform.
    """
    if interpolation not in INTERPOLATIONS:
        raise ValueError(f"affine_transform: interpolation must be one of {INTERPOLATIONS}, got {interpolation!r}")
    if fill_mode not in FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {FILL_MODES}, got {fill_mode!r}")
    n, h, w, _ = x.shape
    a0, a1, a2, b0, b1, b2 = _check(transform, n).T  # each (N,)
    fill = float(fill_value) if fill_mode == "constant" else 0.0
    if not a1.any() and not b0.any():
        ys, xs = np.arange(h), np.arange(w)
        rows = axis_weights(b1[:, None] * ys + b2[:, None], h, interpolation, fill_mode)  # (N, H, H)
        cols = axis_weights(a0[:, None] * xs + a2[:, None], w, interpolation, fill_mode)  # (N, W, W)
        return separable_resample(x, rows, cols, fill)
    return _gather(x, (a0, a1, a2, b0, b1, b2), interpolation, fill_mode, fill)


def _gather(x, coefficients, interpolation, fill_mode, fill):
    """Rotation or shear: every output pixel reads its neighbours by one advanced index."""
    n, h, w, _ = x.shape
    a0, a1, a2, b0, b1, b2 = (c[:, None, None] for c in coefficients)  # (N, 1, 1)
    yy, xx = np.meshgrid(np.arange(h, dtype=np.float64), np.arange(w, dtype=np.float64), indexing="ij")
    src_x = a0 * xx + a1 * yy + a2  # (N, H, W)
    src_y = b0 * xx + b1 * yy + b2
    images, ys, xs, weights = [], [], [], []
    for iy, wy in _neighbours(src_y, interpolation):
        iy, vy = _fix_index(iy, h, fill_mode)
        for ix, wx in _neighbours(src_x, interpolation):
            ix, vx = _fix_index(ix, w, fill_mode)
            images.append(np.broadcast_to(np.arange(n)[:, None, None], iy.shape))
            ys.append(iy)
            xs.append(ix)
            weights.append(wy * wx * (vy & vx))
    index = (np.stack(images), np.stack(ys), np.stack(xs))  # each (K, N, H, W), K neighbours
    weights = np.stack(weights)[..., None]  # (K, N, H, W, 1)
    out = (x[index] * Tensor(weights.astype(x.dtype))).sum(axis=0)  # (N, H, W, C)
    if fill:
        out = out + Tensor((fill * (1.0 - weights.sum(axis=0))).astype(x.dtype))
    return out

