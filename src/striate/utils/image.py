"""Images: resize batches with NumPy alone; read and write image files through Pillow.

Files: ``load_img``, ``img_to_array``, ``array_to_img`` and ``save_img`` are Keras's
(``keras.utils``); they need Pillow (``pip install 'striate[images]'``), imported only
when called. Decoding is bounded (see :func:`open_image`).

Resizing: both methods are separable linear maps, so each is one weight matrix per axis,
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

import io
import pathlib
import warnings

import numpy as np

from striate.utils.resampling import aspect_crop_box, resize_weights

__all__ = ["resize_images", "load_img", "img_to_array", "array_to_img", "save_img", "open_image", "ImageFileError",
           "MAX_IMAGE_PIXELS"]

_METHODS = ("bilinear", "area")


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
    a = resize_weights(x.shape[1], out_h, interpolation).astype(np.float32)  # (OH, H)
    b = resize_weights(x.shape[2], out_w, interpolation).astype(np.float32)  # (OW, W)
    images = x.astype(np.float32, copy=False)
    if x.ndim == 4:
        images = images.transpose(0, 3, 1, 2)  # (N, C, H, W)
    out = a @ images @ b.T  # (N, OH, OW) or (N, C, OH, OW)
    if x.ndim == 4:
        out = out.transpose(0, 2, 3, 1)  # (N, OH, OW, C)
    return np.ascontiguousarray(out)


# ---- image files, through Pillow (the optional extra ``striate[images]``) ----------------------------------
COLOR_MODES = ("rgb", "rgba", "grayscale")
# Pillow's own default limit: images above it raise its DecompressionBombError at twice the size.
MAX_IMAGE_PIXELS = 89_478_485


class ImageFileError(ValueError):
    """A file that is not a readable image (unknown format, truncated, corrupt, too large)."""


def _pil_image():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("striate's image files need Pillow: pip install 'striate[images]' "
                          "(or pip install Pillow)") from None
    return Image


def _resample(interpolation):
    methods = {"nearest": "NEAREST", "bilinear": "BILINEAR", "bicubic": "BICUBIC", "lanczos": "LANCZOS",
               "box": "BOX", "hamming": "HAMMING"}
    if interpolation not in methods:
        raise ValueError(f"load_img: interpolation must be one of {tuple(methods)}, got {interpolation!r}")
    return getattr(_pil_image().Resampling, methods[interpolation])


def open_image(path, color_mode="rgb", max_pixels=MAX_IMAGE_PIXELS):
    """Decode an image file into a Pillow image in ``color_mode``, bounded and with clear errors.

    The header is read first: an image of more than ``max_pixels`` pixels is refused
    before it is decoded (a small file can claim gigapixels). Only the first frame of
    an animated GIF is kept.

    Raises:
        ImageFileError: naming the file, for a non-image, a truncated or corrupt file,
            or an image above ``max_pixels``.
        ValueError: for an unknown color mode.
    """
    Image = _pil_image()
    if color_mode not in COLOR_MODES:
        raise ValueError(f"color_mode must be one of {COLOR_MODES}, got {color_mode!r}")
    name = str(path)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as error:
        raise ImageFileError(f"{name}: cannot be read ({error.strerror or error})") from None
    try:
        img = _open_header(Image, data, name)
        width, height = img.size
        if max_pixels is not None and width * height > max_pixels:
            raise ImageFileError(f"{name}: {width} x {height} pixels is above the limit of {max_pixels:,} "
                                 "(max_pixels); a file this large may be a decompression bomb")
        img.load()
    except ImageFileError:
        raise
    except Image.DecompressionBombError as error:
        raise ImageFileError(f"{name}: too many pixels to decode safely ({error})") from None
    except Exception as error:  # Pillow raises OSError, SyntaxError, ValueError, struct.error ... on bad files
        raise ImageFileError(f"{name}: not a readable image ({type(error).__name__}: {error})") from None
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif img.mode != color_mode.upper():
        img = img.convert(color_mode.upper())
    return img


# The decoder the extension names is tried first: probing every format Pillow knows costs
# more than decoding a small PNG (32x32: 60 against 83 us per file).
_FORMAT_OF = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".gif": "GIF"}


def _open_header(Image, data, name):
    """``Image.open`` (which reads the header only) on the bytes, by the extension's format first.

    No ``warnings.catch_warnings`` here: it is not thread-safe, and decoding runs in
    worker threads. Pillow warns (DecompressionBombWarning) above its own limit and
    raises above twice that; the caller refuses anything above ``max_pixels``.
    """
    fmt = _FORMAT_OF.get(pathlib.Path(name).suffix.lower())
    if fmt is not None:
        try:
            return Image.open(io.BytesIO(data), formats=[fmt])
        except Image.UnidentifiedImageError:
            pass  # a file whose extension lies: let Pillow find its format
    return Image.open(io.BytesIO(data))


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest", keep_aspect_ratio=False):
    """Load an image file as a Pillow image (Keras's ``keras.utils.load_img``).

    Args:
        path: path of a JPEG, PNG, BMP or GIF file (anything Pillow reads).
        color_mode: ``"rgb"`` (default), ``"rgba"`` or ``"grayscale"``.
        target_size: None (keep the size) or ``(height, width)``.
        interpolation: ``"nearest"`` (default), ``"bilinear"``, ``"bicubic"``,
            ``"lanczos"``, ``"box"`` or ``"hamming"`` (Pillow's filters).
        keep_aspect_ratio: crop the centred window of the target aspect ratio before resizing.

    Returns:
        A ``PIL.Image.Image``.

    Raises:
        ImportError: without Pillow, saying what to install.
        ImageFileError: naming the file, when it is not a readable image or is too large.

    >>> import tempfile, os, numpy as np
    >>> path = os.path.join(tempfile.mkdtemp(), "x.png")
    >>> save_img(path, np.zeros((4, 6, 3)), scale=False)
    >>> load_img(path, target_size=(2, 3)).size     # Pillow's (width, height)
    (3, 2)
    """
    img = open_image(path, color_mode)
    if target_size is None:
        return img
    height, width = (int(s) for s in target_size)
    if img.size == (width, height):
        return img
    box = None
    if keep_aspect_ratio:
        top, left, ch, cw = aspect_crop_box(img.size[1], img.size[0], height, width)
        box = (left, top, left + cw, top + ch)
    return img.resize((width, height), _resample(interpolation), box=box)


def img_to_array(img, data_format=None, dtype=None):
    """A Pillow image as a float array ``(H, W, C)`` (``(C, H, W)`` for ``channels_first``).

    >>> img_to_array(array_to_img(np.ones((2, 3, 1)), scale=False)).shape
    (2, 3, 1)
    """
    x = np.asarray(img, dtype=dtype or "float32")
    if x.ndim == 2:
        x = x[:, :, None]  # (H, W, 1)
    elif x.ndim != 3:
        raise ValueError(f"img_to_array: unsupported image shape {x.shape}")
    return x.transpose(2, 0, 1) if _channels_first(data_format) else x


def _channels_first(data_format):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return data_format == "channels_first"


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array ``(H, W, C)`` with 1, 3 or 4 channels as a Pillow image.

    Args:
        scale: stretch the values to 0..255 first (min to 0, max to 255); without it
            the values are cast to uint8 as they are.

    Raises:
        ValueError: for another rank or number of channels.
    """
    Image = _pil_image()
    x = np.array(x, dtype=dtype or "float32")
    if x.ndim != 3:
        raise ValueError(f"array_to_img: expected one image of rank 3, got shape {x.shape}")
    if _channels_first(data_format):
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - x.min()
        top = x.max()
        if top:
            x = x / top
        x = x * 255
    channels = x.shape[2]
    if channels in (3, 4):
        return Image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if x.max() > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: images need 1, 3 or 4 channels, got {channels}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Write an array as an image file (format from the extension unless ``file_format``).

    ``kwargs`` go to ``PIL.Image.save``. An RGBA image saved as JPEG loses its alpha
    channel (with a warning), as in Keras.
    """
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; saving the RGB channels", UserWarning, stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)
