"""Resize batches of images with NumPy alone: area averaging or bilinear.

Both methods are separable linear maps, so each is one weight matrix per axis,
``A`` of shape (OH, H) and ``B`` of shape (OW, W), and the resized batch is
``A @ x @ B.T`` per image and channel: a batched matmul, fast on CPU.

- ``"bilinear"``: half-pixel centres (``align_corners=False``), no
  antialiasing: output pixel ``i`` samples the input at
  ``(i + 0.5) * H / OH - 0.5``, clamped to ``[0, H - 1]``. This matches
  ``torch.nn.functional.interpolate(mode="bilinear")`` and Keras/TensorFlow's
  bilinear resize without antialias, and is what the 2022 re-implementation of
  LeCun et al. (1989) used to make 16×16 digits from MNIST.
- ``"area"``: each output pixel is the mean of the input area it covers,
  fractional pixels weighted by their covered fraction (TensorFlow's
  ``area``). It antialiases when shrinking, and for an integer factor it equals
  mean pooling.

>>> import numpy as np
>>> from striate.utils.image import resize_images
>>> resize_images(np.arange(16.0).reshape(1, 4, 4), 2, interpolation="area")[0]
array([[ 2.5,  4.5],
       [10.5, 12.5]], dtype=float32)
"""

import numpy as np

__all__ = ["resize_images", "aspect_crop_box", "aspect_pad_box", "area_weights"]

_METHODS = ("bilinear", "area")


def area_weights(n_in, n_out):
    """(n_out, n_in): the fraction of output pixel i's span [i, i+1)·n_in/n_out that input pixel j covers."""
    scale = n_in / n_out
    lo = np.arange(n_out)[:, None] * scale  # (n_out, 1)
    hi = lo + scale
    j = np.arange(n_in)[None, :]  # (1, n_in)
    overlap = np.clip(np.minimum(hi, j + 1) - np.maximum(lo, j), 0.0, None)  # (n_out, n_in)
    return overlap / scale


def _bilinear_weights(n_in, n_out):
    """(n_out, n_in): linear interpolation between the two nearest input centres."""
    src = (np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5
    src = np.clip(src, 0.0, n_in - 1)
    j0 = np.floor(src).astype(np.int64)
    j1 = np.minimum(j0 + 1, n_in - 1)
    frac = src - j0
    weights = np.zeros((n_out, n_in))
    rows = np.arange(n_out)
    np.add.at(weights, (rows, j0), 1.0 - frac)
    np.add.at(weights, (rows, j1), frac)  # j1 == j0 at the border: weights still sum to 1
    return weights


def _check_size(size):
    if isinstance(size, (int, np.integer)) and not isinstance(size, bool):
        size = (size, size)
    try:
        out_h, out_w = (int(s) for s in size)
    except (TypeError, ValueError):
        raise TypeError(f"resize_images: size must be an int or a pair (height, width), got {size!r}") from None
    if out_h < 1 or out_w < 1:
        raise ValueError(f"resize_images: size must be positive, got {(out_h, out_w)}")
    return out_h, out_w


def resize_images(x, size, interpolation="bilinear"):
    """Resize a batch of images to ``size`` (see the module docstring for the methods).

    Args:
        x: images ``(N, H, W)`` or channels-last ``(N, H, W, C)``, any real dtype.
        size: the output ``(height, width)``, or one int for a square.
        interpolation: ``"bilinear"`` (Keras's default) or ``"area"``
            (better when shrinking by a large factor).

    Returns:
        float32 images ``(N, OH, OW)`` or ``(N, OH, OW, C)``, values in the input's
        range (uint8 input gives float32 values in 0..255; scale afterwards).

    Raises:
        ValueError: for another rank, an empty image axis, a non-positive size or
            an unknown ``interpolation``.
        TypeError: for a non-numeric ``x`` or a malformed ``size``.

    >>> resize_images(np.zeros((5, 28, 28), np.uint8), (16, 16)).shape
    (5, 16, 16)
    """
    x = np.asarray(x)
    if x.dtype.kind not in "biuf":
        raise TypeError(f"resize_images: x must be a numeric array, got dtype {x.dtype}")
    if x.ndim not in (3, 4):
        raise ValueError(f"resize_images: x must be (N, H, W) or (N, H, W, C), got shape {x.shape}; "
                         f"for one image pass x[None]")
    if x.shape[1] == 0 or x.shape[2] == 0:
        raise ValueError(f"resize_images: images must not be empty, got shape {x.shape}")
    if interpolation not in _METHODS:
        raise ValueError(f"resize_images: interpolation must be one of {_METHODS}, got {interpolation!r}")
    out_h, out_w = _check_size(size)
    make = area_weights if interpolation == "area" else _bilinear_weights
    a = make(x.shape[1], out_h).astype(np.float32)  # (OH, H)
    b = make(x.shape[2], out_w).astype(np.float32)  # (OW, W)
    images = x.astype(np.float32, copy=False)
    if x.ndim == 4:
        images = images.transpose(0, 3, 1, 2)  # (N, C, H, W)
    out = a @ images @ b.T  # (N, OH, OW) or (N, C, OH, OW)
    if x.ndim == 4:
        out = out.transpose(0, 2, 3, 1)  # (N, OH, OW, C)
    return np.ascontiguousarray(out)


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
