"""``keras.ops.image``, part one: resizing, affine warps, sampling, grey levels, padding, cropping, patches.

Images are ``(N, H, W, C)`` or ``(H, W, C)`` (channels first with
``data_format='channels_first'``). Resizing multiplies by one interpolation
matrix per spatial axis (``out = Wh @ x @ Ww^T``), and sampling gathers the
corner pixels and weights them, so every op is differentiable in the image.

>>> import numpy as np
>>> from striate import ops
>>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
>>> ops.image.resize(x, (2, 2)).shape, ops.image.extract_patches(x, 2).shape
((1, 2, 2, 1), (1, 2, 2, 4))
"""

import itertools

from striate._windows import as_tuple
from striate.autograd import GetItem, Pad, Reshape, Transpose
from striate.autograd.conv import conv_output_shape, resolve_padding
from striate.backend import xp
from striate.ops._convert import array_op, constant, floating, to_tensor
from striate.ops.products import einsum
from striate.ops.shape_ops import concatenate

__all__ = ["resize", "affine_transform", "map_coordinates", "rgb_to_grayscale", "pad_images", "crop_images",
           "extract_patches"]

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic")
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _images(images, data_format, caller):
    """``(images as (N, H, W, C), unbatched?, channels_first?)``."""
    data_format = "channels_last" if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{caller}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    t = to_tensor(images, caller=caller)
    if t.ndim not in (3, 4):
        raise ValueError(f"{caller}: expected images (N, H, W, C) or (H, W, C), got shape {t.shape}")
    single = t.ndim == 3
    if single:
        t = Reshape.apply(t, shape=(1,) + t.shape)
    first = data_format == "channels_first"
    if first:
        t = Transpose.apply(t, axes=(0, 2, 3, 1))
    return t, single, first


def _restore(t, single, first):
    if first:
        t = Transpose.apply(t, axes=(0, 3, 1, 2))
    return Reshape.apply(t, shape=t.shape[1:]) if single else t


def _cubic(d):
    # Keys's cubic convolution kernel with a = -0.75 (as PyTorch)
    a, d = -0.75, xp.abs(d)
    return xp.where(d <= 1, ((a + 2) * d - (a + 3)) * d * d + 1,
                    xp.where(d < 2, ((a * d - 5 * a) * d + 8 * a) * d - 4 * a, 0.0))


def _weights(n_in, n_out, interpolation, antialias):
    """The ``(n_out, n_in)`` interpolation matrix of one axis (half-pixel centres, as PyTorch)."""
    scale = n_in / n_out
    out = xp.arange(n_out)
    w = xp.zeros((n_out, n_in))
    if interpolation == "nearest":  # PyTorch's 'nearest-exact'
        w[out, xp.minimum(xp.floor((out + 0.5) * scale).astype(int), n_in - 1)] = 1.0
        return w
    if antialias and scale > 1 and interpolation == "bilinear":  # a triangle filter widened by the scale
        centre = (out + 0.5) * scale
        taps = xp.arange(n_in) + 0.5
        w = xp.maximum(0.0, 1.0 - xp.abs(taps[None, :] - centre[:, None]) / scale)
        return w / w.sum(axis=1, keepdims=True)
    src = (out + 0.5) * scale - 0.5
    if interpolation == "bilinear":
        src = xp.maximum(src, 0.0)
        low = xp.floor(src).astype(int)
        frac = src - low
        xp.add.at(w, (out, xp.minimum(low, n_in - 1)), 1.0 - frac)
        xp.add.at(w, (out, xp.minimum(low + 1, n_in - 1)), frac)
        return w
    low = xp.floor(src).astype(int)
    for k in range(-1, 3):  # bicubic: four taps, clamped to the border
        xp.add.at(w, (out, xp.clip(low + k, 0, n_in - 1)), _cubic(src - (low + k)))
    return w


@array_op("images")
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Images resized to ``size = (height, width)``.

    ``interpolation``: 'bilinear' (default), 'nearest' or 'bicubic' (half-pixel
    centres, no corner alignment, as Keras on PyTorch); ``antialias`` widens the
    bilinear filter when shrinking. ``crop_to_aspect_ratio`` / ``pad_to_aspect_ratio``
    first crop (centred) or pad (with ``fill_value``) to the target's aspect ratio.
    """
    if interpolation not in _INTERPOLATIONS:
        raise ValueError(f"resize: interpolation must be one of {_INTERPOLATIONS}, got {interpolation!r}")
    if len(size) != 2 or any(int(n) <= 0 for n in size):
        raise ValueError(f"resize: size must be (height, width) of positive ints, got {size!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
    if fill_mode != "constant":
        raise ValueError(f"resize: fill_mode must be 'constant', got {fill_mode!r}")
    t, single, first = _images(images, data_format, "resize")
    t = floating(t)
    height, width = int(size[0]), int(size[1])
    h, w = t.shape[1:3]
    if crop_to_aspect_ratio:
        ch, cw = max(min(h, int(w * height / width)), 1), max(min(w, int(h * width / height)), 1)
        top, left = (h - ch) // 2, (w - cw) // 2
        t = t[:, top:top + ch, left:left + cw, :]
    elif pad_to_aspect_ratio:
        ph, pw = max(h, int(w * height / width)), max(w, int(h * width / height))
        top, left = (ph - h) // 2, (pw - w) // 2
        t = Pad.apply(t - fill_value, pads=((0, 0), (top, top), (left, left), (0, 0))) + fill_value
    wh = constant(_weights(t.shape[1], height, interpolation, antialias).astype(t.dtype))
    ww = constant(_weights(t.shape[2], width, interpolation, antialias).astype(t.dtype))
    y = einsum("oh,nhwc,pw->nopc", wh, t, ww)
    return _restore(y, single, first)


def _fix(index, size, fill_mode):
    """Indices outside ``[0, size)`` mapped back inside, per ``fill_mode`` (constant: clipped, weight 0 later)."""
    if fill_mode in ("constant", "nearest"):
        return xp.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "mirror":
        if size == 1:
            return xp.zeros_like(index)
        s = size - 1
        return xp.abs((index + s) % (2 * s) - s)
    s = 2 * size  # reflect: ... 1 0 | 0 1 2 | 2 1 ...
    index = index % s
    return xp.where(index >= size, s - 1 - index, index)


def _sample(t, coordinates, order, fill_mode, fill_value):
    """``t`` read at fractional ``coordinates`` (one array per leading axis of ``t``), interpolated.

    Integer coordinate arrays are exact; float ones take the nearest node (order 0)
    or the two neighbours with linear weights (order 1). With 'constant', any
    corner outside contributes ``fill_value`` instead of a pixel.
    """
    nodes = []
    for c in coordinates:
        if c.dtype.kind in "iu":
            nodes.append([(c, None)])
        elif order == 0:
            nodes.append([(xp.round(c).astype(int), None)])
        else:
            low = xp.floor(c)
            nodes.append([(low.astype(int), 1.0 - (c - low)), (low.astype(int) + 1, c - low)])
    out = None
    trailing = (1,) * (t.ndim - len(coordinates))
    for corner in itertools.product(*nodes):
        index = tuple(_fix(i, n, fill_mode) for (i, _), n in zip(corner, t.shape))
        weight = xp.ones(xp.broadcast_shapes(*[i.shape for i, _ in corner]), dtype=t.dtype)
        for _, w in corner:
            if w is not None:
                weight = weight * w
        value = GetItem.apply(t, index=index)
        if fill_mode == "constant":
            valid = xp.ones(weight.shape, dtype=bool)
            for (i, _), n in zip(corner, t.shape):
                valid &= (i >= 0) & (i < n)
            term = value * constant((weight * valid).reshape(weight.shape + trailing).astype(t.dtype)) + \
                constant((weight * ~valid * fill_value).reshape(weight.shape + trailing).astype(t.dtype))
        else:
            term = value * constant(weight.reshape(weight.shape + trailing).astype(t.dtype))
        out = term if out is None else out + term
    return out


@array_op("inputs", "coordinates")
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` sampled at ``coordinates`` (shape ``(inputs.ndim, ...)``), ``order`` 0 (nearest) or 1 (linear)."""
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: order must be 0 or 1, got {order!r}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"map_coordinates: fill_mode must be one of {_FILL_MODES}, got {fill_mode!r}")
    t = floating(inputs, "map_coordinates")
    coords = to_tensor(coordinates, caller="map_coordinates").data
    if coords.ndim < 2 or coords.shape[0] != t.ndim:
        raise ValueError(f"map_coordinates: coordinates must be ({t.ndim}, ...), got shape {coords.shape}")
    return _sample(t, [c for c in coords], order, fill_mode, fill_value)


@array_op("images", "transform")
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant", fill_value=0,
                     data_format=None):
    """Images warped by ``transform = [a0, a1, a2, b0, b1, b2, c0, c1]`` (one row per image or one for all):
    output pixel ``(x, y)`` reads input ``((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k)``,
    ``k = c0 x + c1 y + 1``. ``fill_mode``: 'constant', 'nearest', 'wrap', 'mirror', 'reflect'."""
    if interpolation not in ("nearest", "bilinear"):
        raise ValueError(f"affine_transform: interpolation must be 'nearest' or 'bilinear', got {interpolation!r}")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"affine_transform: fill_mode must be one of {_FILL_MODES}, got {fill_mode!r}")
    t, single, first = _images(images, data_format, "affine_transform")
    t = floating(t)
    m = to_tensor(transform, caller="affine_transform").data.astype(xp.float64)
    m = m[None] if m.ndim == 1 else m
    n, h, w = t.shape[:3]
    if m.ndim != 2 or m.shape[1] != 8 or m.shape[0] not in (1, n):
        raise ValueError(f"affine_transform: transform must be (8,) or ({n}, 8), got shape {m.shape}")
    m = xp.broadcast_to(m, (n, 8))
    y, x = xp.meshgrid(xp.arange(h, dtype=xp.float64), xp.arange(w, dtype=xp.float64), indexing="ij")
    a0, a1, a2, b0, b1, b2, c0, c1 = (m[:, i, None, None] for i in range(8))
    k = c0 * x + c1 * y + 1.0
    x_in, y_in = (a0 * x + a1 * y + a2) / k, (b0 * x + b1 * y + b2) / k  # (N, H, W)
    batch = xp.broadcast_to(xp.arange(n)[:, None, None], x_in.shape)
    out = _sample(t, [batch, y_in, x_in], 0 if interpolation == "nearest" else 1, fill_mode, fill_value)
    return _restore(out, single, first)


@array_op("images")
def rgb_to_grayscale(images, data_format=None):
    """``0.2989 R + 0.5870 G + 0.1140 B`` as one channel (the channel axis is kept)."""
    t, single, first = _images(images, data_format, "rgb_to_grayscale")
    if t.shape[-1] != 3:
        raise ValueError(f"rgb_to_grayscale: expected 3 channels, got {t.shape[-1]}")
    t = floating(t)
    gray = einsum("nhwc,c->nhw", t, constant(xp.array([0.2989, 0.5870, 0.1140], dtype=t.dtype)))
    return _restore(Reshape.apply(gray, shape=gray.shape + (1,)), single, first)


def _sides(before, after, target, size, caller, sign):
    """Two of (before, after, target) given: the third, by Keras's rule (``sign`` -1 for cropping)."""
    given = [v is not None for v in (before, after, target)]
    if sum(given) != 2:
        raise ValueError(f"{caller}: give exactly two of the leading/trailing amount and the target size")
    if target is not None:
        if before is None:
            before = sign * (target - size) - after
        else:
            after = sign * (target - size) - before
    if before < 0 or after < 0:
        raise ValueError(f"{caller}: amounts must be non-negative, got {before} and {after}")
    return int(before), int(after)


@array_op("images")
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None, right_padding=None,
               target_height=None, target_width=None, data_format=None):
    """Images padded with zeros to ``target_height x target_width`` (or by the given amounts)."""
    t, single, first = _images(images, data_format, "pad_images")
    top, bottom = _sides(top_padding, bottom_padding, target_height, t.shape[1], "pad_images", 1)
    left, right = _sides(left_padding, right_padding, target_width, t.shape[2], "pad_images", 1)
    return _restore(Pad.apply(t, pads=((0, 0), (top, bottom), (left, right), (0, 0))), single, first)


@array_op("images")
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None, right_cropping=None,
                target_height=None, target_width=None, data_format=None):
    """Images cropped to ``target_height x target_width`` (or by the given amounts)."""
    t, single, first = _images(images, data_format, "crop_images")
    h, w = t.shape[1:3]
    top, bottom = _sides(top_cropping, bottom_cropping, target_height, h, "crop_images", -1)
    left, right = _sides(left_cropping, right_cropping, target_width, w, "crop_images", -1)
    if top + bottom >= h or left + right >= w:
        raise ValueError(f"crop_images: cropping ({top}, {bottom}, {left}, {right}) leaves nothing of {h}x{w}")
    return _restore(t[:, top:h - bottom, left:w - right, :], single, first)


@array_op("images")
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid", data_format=None):
    """Patches of ``size = (ph, pw)`` every ``strides`` (default ``size``) flattened along the channels:
    ``(N, OH, OW, ph * pw * C)``, ordered (row, column, channel) as Keras."""
    t, single, first = _images(images, data_format, "extract_patches")
    size = as_tuple(size, 2, "size")
    strides = size if strides is None else as_tuple(strides, 2, "strides")
    dilation = as_tuple(dilation_rate, 2, "dilation_rate")
    if padding not in ("valid", "same"):
        raise ValueError(f"extract_patches: padding must be 'valid' or 'same', got {padding!r}")
    pads = resolve_padding(t.shape[1:3], size, strides, dilation, padding)
    out = conv_output_shape(t.shape[1:3], size, strides, dilation, pads)
    if any(o <= 0 for o in out):
        raise ValueError(f"extract_patches: patches {size} do not fit images of {t.shape[1:3]}")
    if any(b or a for b, a in pads):
        t = Pad.apply(t, pads=((0, 0),) + pads + ((0, 0),))
    taps = [t[:, i * dilation[0]:i * dilation[0] + (out[0] - 1) * strides[0] + 1:strides[0],
              j * dilation[1]:j * dilation[1] + (out[1] - 1) * strides[1] + 1:strides[1], :]
            for i in range(size[0]) for j in range(size[1])]
    return _restore(concatenate(taps, axis=-1), single, first)

