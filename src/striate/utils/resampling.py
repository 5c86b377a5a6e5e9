"""Resampling weights for images, in NumPy alone: one matrix per axis.

Resizing, zooming and shifting an image are separable linear maps: each axis gets
a weight matrix ``W`` of shape ``(n_out, n_in)`` and the result is
``W_rows @ image @ W_cols.T`` per channel. This module builds those matrices for
``striate.utils.resize_images``, ``image_dataset_from_directory`` and the
preprocessing layers (which multiply them with Tensors, so they are
differentiable), and the crop/pad boxes of Keras's aspect-ratio options.

Everything here is host (NumPy) bookkeeping: the layers move the finished
matrices to the device (``striate.backend.to_device``).

Sample positions follow Keras: an output pixel ``i`` samples the input at a
real position ``src``; ``"bilinear"`` mixes the two nearest pixels, ``"nearest"``
takes the nearest one (ties to even). Outside the input ``fill_mode`` decides,
per sample: ``"reflect"`` (d c b a | a b c d | d c b a), ``"wrap"``
(a b c d | a b c d), ``"nearest"`` (a a | a b c d | d d) or ``"constant"`` (the
sample is dropped and its weight left to the caller's fill value).

>>> resize_weights(4, 2).tolist()
[[0.5, 0.5, 0.0, 0.0], [0.0, 0.0, 0.5, 0.5]]
"""

import numpy as np

__all__ = ["FILL_MODES", "INTERPOLATIONS", "RESIZE_INTERPOLATIONS", "axis_weights", "resize_weights",
           "area_weights", "aspect_crop_box", "aspect_pad_box", "resize_array", "resize_matrices"]

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("bilinear", "nearest")
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "area")


def area_weights(n_in, n_out):
    """(n_out, n_in): the fraction of output pixel i's span [i, i+1)·n_in/n_out that input pixel j covers."""
    scale = n_in / n_out
    lo = np.arange(n_out)[:, None] * scale  # (n_out, 1)
    hi = lo + scale
    j = np.arange(n_in)[None, :]  # (1, n_in)
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)  # (n_out, n_in)
    return overlap / scale


def _fix_index(index, size, fill_mode):
    """Integer positions folded into ``[0, size)``, and which were inside (None: all of them).

    Most samples of a small rotation or shift fall inside the image, so only the
    others are folded (integer modulo is slow).
    """
    valid = (index >= 0) & (index < size)
    if valid.all():
        return index, None
    if fill_mode in ("constant", "nearest"):
        return np.clip(index, 0, size - 1), (valid if fill_mode == "constant" else None)
    fixed = index.copy()
    outside = ~valid
    r = index[outside] % (2 * size if fill_mode == "reflect" else size)
    if fill_mode == "reflect":  # period 2*size: the image, then its mirror image
        r = np.where(r < size, r, 2 * size - 1 - r)
    fixed[outside] = r
    return fixed, None


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
        kept = weight if valid is None else weight * valid
        np.add.at(flat, (rows, fixed), kept)  # folded samples may hit one pixel twice
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

    >>> resize_weights(6, 3, "area").tolist()[0]
    [0.5, 0.5, 0.0, 0.0, 0.0, 0.0]
    """
    start, length = window or padded or (0, n_in)
    scale = length / n_out
    if interpolation == "area":
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


def aspect_crop_box(height, width, target_height, target_width):
    """The largest centred window of a ``height x width`` image with the target's aspect ratio.

    Keras's rule (``smart_resize``, ``crop_to_aspect_ratio``): sizes truncated to ints,
    at least 1, the start at the truncated half of the margin.

    Returns:
        ``(top, left, crop_height, crop_width)``.

    >>> aspect_crop_box(100, 50, 10, 10)
    (25, 0, 50, 50)
    """
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return int(float(height - crop_height) / 2), int(float(width - crop_width) / 2), crop_height, crop_width


def aspect_pad_box(height, width, target_height, target_width):
    """Where a ``height x width`` image sits in a frame padded to the target's aspect ratio
    (Keras's ``pad_to_aspect_ratio``: the same margin on both sides, truncated to an int).

    Returns:
        ``(top, left, frame_height, frame_width)``.

    >>> aspect_pad_box(50, 100, 10, 10)
    (25, 0, 100, 100)
    """
    top = int(float(max(height, int(float(width * target_height) / target_width)) - height) / 2)
    left = int(float(max(width, int(float(height * target_width) / target_height)) - width) / 2)
    return top, left, height + 2 * top, width + 2 * left


def resize_array(x, size, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_value=0.0, antialias=False):
    """Resize NumPy images ``(N, H, W, C)`` (or one ``(H, W, C)``) to ``size = (height, width)``,
    as ``keras.layers.Resizing`` does; float32 out.

    >>> resize_array(np.arange(16.0).reshape(4, 4, 1), (2, 2))[..., 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
    """
    x = np.asarray(x)
    single = x.ndim == 3
    images = x[None] if single else x
    rows, cols = resize_matrices(images.shape[1], images.shape[2], size, interpolation, crop_to_aspect_ratio,
                                 pad_to_aspect_ratio, antialias)
    out = rows.astype(np.float32) @ images.astype(np.float32).transpose(0, 3, 1, 2) @ cols.T.astype(np.float32)
    out = out.transpose(0, 2, 3, 1)  # (N, OH, OW, C)
    if pad_to_aspect_ratio and fill_value:
        out += (fill_value * (1.0 - rows.sum(1)[:, None] * cols.sum(1)[None, :]))[None, :, :, None].astype(np.float32)
    out = np.ascontiguousarray(out)
    return out[0] if single else out


def resize_matrices(height, width, size, interpolation="bilinear", crop_to_aspect_ratio=False,
                    pad_to_aspect_ratio=False, antialias=False):
    """The row and column weights ``(OH, H)`` and ``(OW, W)`` of a resize to ``size``."""
    out_h, out_w = size
    rows, cols = {}, {}
    if crop_to_aspect_ratio:
        top, left, ch, cw = aspect_crop_box(height, width, out_h, out_w)
        rows["window"], cols["window"] = (top, ch), (left, cw)
    elif pad_to_aspect_ratio:
        top, left, fh, fw = aspect_pad_box(height, width, out_h, out_w)
        rows["padded"], cols["padded"] = (top, fh), (left, fw)
    return (resize_weights(height, out_h, interpolation, antialias=antialias, **rows),
            resize_weights(width, out_w, interpolation, antialias=antialias, **cols))
