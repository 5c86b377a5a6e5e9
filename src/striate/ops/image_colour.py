"""More of ``keras.ops.image``: Gaussian blur, Sobel edges and the HSV colour space.

The filters are depthwise convolutions with 'same' zero padding (as Keras); the
colour conversions are element-wise compositions (differentiable almost everywhere).

>>> import numpy as np
>>> from striate import ops
>>> ops.image.sobel_edges(np.ones((1, 4, 4, 3))).shape, ops.image.rgb_to_hsv(np.ones((2, 2, 3)))[0, 0].tolist()
((1, 4, 4, 3, 2), [0.0, 0.0, 1.0])
"""

from striate.autograd import Reshape, Where
from striate.backend import xp
from striate.ops._convert import array_op, constant, floating
from striate.ops.arithmetic import clip, maximum, minimum
from striate.ops.image_sampling import _images, _restore
from striate.ops.nn_conv import depthwise_conv
from striate.ops.shape_ops import stack

__all__ = ["gaussian_blur", "sobel_edges", "rgb_to_hsv", "hsv_to_rgb"]


def _gaussian(size, sigma):
    x = xp.arange(size) - (size - 1) / 2
    k = xp.exp(-0.5 * (x / sigma) ** 2)
    return k / k.sum()


@array_op("images")
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel convolved with a normalised Gaussian of ``kernel_size = (height, width)`` and
    ``sigma = (along height, along width)``, zero 'same' padding."""
    t, single, first = _images(images, data_format, "gaussian_blur")
    t = floating(t)
    (kh, kw), (sh, sw) = tuple(int(k) for k in kernel_size), tuple(float(s) for s in sigma)
    if kh <= 0 or kw <= 0 or sh <= 0 or sw <= 0:
        raise ValueError(f"gaussian_blur: kernel_size and sigma must be positive, got {kernel_size}, {sigma}")
    kernel = xp.outer(_gaussian(kh, sh), _gaussian(kw, sw)).astype(t.dtype)
    w = xp.broadcast_to(kernel[:, :, None, None], (kh, kw, t.shape[-1], 1))  # (kh, kw, C, 1)
    return _restore(depthwise_conv(t, constant(xp.ascontiguousarray(w)), padding="same"), single, first)


_SOBEL_Y = xp.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])


@array_op("images")
def sobel_edges(images, data_format=None):
    """Vertical and horizontal Sobel responses of each channel: ``(N, H, W, C, 2)`` with ``[dy, dx]`` last."""
    t, single, first = _images(images, data_format, "sobel_edges")
    t = floating(t)
    c = t.shape[-1]
    kernel = xp.stack([_SOBEL_Y, _SOBEL_Y.T], axis=-1).astype(t.dtype)  # (3, 3, 2): dy, dx
    w = xp.ascontiguousarray(xp.broadcast_to(kernel[:, :, None, :], (3, 3, c, 2)))  # (3, 3, C, 2)
    edges = depthwise_conv(t, constant(w), padding="same")  # (N, H, W, C * 2), channel c * 2 + k
    edges = Reshape.apply(edges, shape=edges.shape[:-1] + (c, 2))
    if first:  # (N, H, W, C, 2) -> (N, C, H, W, 2)
        edges = edges.transpose((0, 3, 1, 2, 4))
    return Reshape.apply(edges, shape=edges.shape[1:]) if single else edges


def _planes(images, data_format, caller):
    t, single, first = _images(images, data_format, caller)
    t = floating(t)
    if t.shape[-1] != 3:
        raise ValueError(f"{caller}: expected 3 channels, got {t.shape[-1]}")
    return t, single, first, (t[..., 0], t[..., 1], t[..., 2])


@array_op("images")
def rgb_to_hsv(images, data_format=None):
    """RGB in ``[0, 1]`` to hue, saturation and value in ``[0, 1]``."""
    t, single, first, (r, g, b) = _planes(images, data_format, "rgb_to_hsv")
    value = maximum(maximum(r, g), b)
    low = minimum(minimum(r, g), b)
    spread = value - low
    safe_value = Where.apply(value, 1.0, condition=value.data > 0)
    safe_spread = Where.apply(spread, 1.0, condition=spread.data > 0)
    saturation = Where.apply(spread / safe_value, 0.0, condition=value.data > 0)
    norm = 1.0 / (safe_spread * 6.0)
    hue = Where.apply(norm * (b - r) + 2.0 / 6.0, norm * (r - g) + 4.0 / 6.0, condition=value.data == g.data)
    hue = Where.apply(norm * (g - b), hue, condition=value.data == r.data)
    hue = Where.apply(hue, 0.0, condition=spread.data > 0)
    hue = hue + constant((hue.data < 0).astype(hue.dtype))
    return _restore(stack([hue, saturation, value], axis=-1), single, first)


@array_op("images")
def hsv_to_rgb(images, data_format=None):
    """Hue, saturation and value in ``[0, 1]`` to RGB."""
    t, single, first, (h, s, v) = _planes(images, data_format, "hsv_to_rgb")
    dh = h * 6.0
    dr = clip((dh - 3.0).abs() - 1.0, 0.0, 1.0)
    dg = clip(2.0 - (dh - 2.0).abs(), 0.0, 1.0)
    db = clip(2.0 - (dh - 4.0).abs(), 0.0, 1.0)
    grey = 1.0 - s
    planes = [(grey + s * d) * v for d in (dr, dg, db)]
    return _restore(stack(planes, axis=-1), single, first)
