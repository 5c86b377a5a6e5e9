"""Hierarchical features: edges, then lines made of edges, then one number per image.

The lecture's cityscape-versus-landscape idea, as a hand-made two-layer convnet:

1. **edges**: correlate with the Sobel kernel for vertical edges (``W1``) and
   rectify (``|.|``); keep the pixels whose edge is strong (a threshold, like a
   unit with a bias).
2. **lines**: correlate that edge map with a long vertical line of ``length``
   ones, divided by ``length``: the fraction of a vertical segment that is edge.
   A ReLU with a threshold keeps only segments that are (nearly) all edge -
   long vertical lines, as building sides make and hills do not.
3. **feature**: the mean of that response over the image (global average pooling).

A linear classifier on this one number (or on it and its horizontal twin) tells
cityscapes from landscapes; ``examples/hierarchical_features.py`` shows it.

>>> import numpy as np
>>> bars = np.zeros((32, 32)); bars[:, 8:12] = 1.0; bars[:, 20:24] = 1.0
>>> hills = np.fromfunction(lambda r, c: (r > 16 + 6 * np.sin(c / 5)).astype(float), (32, 32))
>>> line_feature(bars) > 0.01 > line_feature(hills)
True
"""

from striate.backend import xp
from striate.signal._checks import as_data
from striate.signal.correlate import correlate
from striate.signal.edges import sobel_kernels

__all__ = ["line_kernel", "line_response", "line_feature", "ORIENTATIONS"]

ORIENTATIONS = ("vertical", "horizontal")


def line_kernel(length, orientation="vertical", dtype="float64"):
    """A line of ``length`` taps of ``1 / length``: shape ``(length, 1)`` when vertical,
    ``(1, length)`` when horizontal.

    >>> line_kernel(3).tolist()
    [[0.3333333333333333], [0.3333333333333333], [0.3333333333333333]]
    """
    if isinstance(length, bool) or not isinstance(length, int) or length < 1:
        raise ValueError(f"line_kernel: length must be a positive int, got {length!r}")
    if orientation not in ORIENTATIONS:
        raise ValueError(f"line_kernel: orientation must be one of {ORIENTATIONS}, got {orientation!r}")
    shape = (length, 1) if orientation == "vertical" else (1, length)
    return xp.full(shape, 1.0 / length, dtype=dtype)


def line_response(image, length=15, orientation="vertical", edge_threshold=0.4, line_threshold=0.8):
    """The two layers of the hierarchy: ``(edges, lines)`` maps of a grey image.

    Args:
        image: grey image ``(H, W)``; scaled to ``[0, 1]`` by its own minimum and
            maximum first, so the thresholds do not depend on exposure.
        length: how long a line must be (pixels).
        orientation: 'vertical' (Sobel ``W1``, lines down the image) or 'horizontal'.
        edge_threshold: smallest ``|W1 * image|`` that counts as an edge (a step
            of about ``edge_threshold / 4`` of the brightness range).
        line_threshold: fraction of a segment that must be edge.

    Shapes:
        ``edges``: ``(H - 2, W - 2)``; ``lines``: ``(H - 2 - length + 1, W - 2)`` when
        vertical (``(H - 2, W - 2 - length + 1)`` when horizontal).

    Returns:
        ``edges``: rectified edge response; ``lines``: ``relu(segment fraction -
        line_threshold) / (1 - line_threshold)`` in ``[0, 1]``.

    Raises:
        ValueError: not a 2-D image, image too small for the line, bad
            orientation or thresholds.

    >>> import numpy as np
    >>> edges, lines = line_response(np.eye(20), length=5)
    >>> edges.shape, lines.shape, float(lines.max())
    ((18, 18), (14, 18), 0.0)
    """
    where = "line_response"
    image = as_data(image, "image", where).astype(xp.float64)
    if image.ndim != 2:
        raise ValueError(f"{where}: expects a grey image (H, W), got shape {image.shape}")
    if not 0 <= line_threshold < 1:
        raise ValueError(f"{where}: line_threshold must be in [0, 1), got {line_threshold!r}")
    kernel = line_kernel(length, orientation)
    low, high = image.min(), image.max()
    image = (image - low) / (high - low) if high > low else xp.zeros_like(image)
    w1, w2 = sobel_kernels(xp.float64)
    edges = xp.abs(correlate(image, w1 if orientation == "vertical" else w2, "valid"))
    if any(k > n for k, n in zip(kernel.shape, edges.shape)):
        raise ValueError(f"{where}: a line of length {length} does not fit in the edge map "
                         f"of shape {edges.shape} (image {image.shape})")
    strong = (edges > edge_threshold).astype(xp.float64)
    fraction = correlate(strong, kernel, "valid")
    lines = xp.maximum(fraction - line_threshold, 0.0) / (1.0 - line_threshold)
    return edges, lines


def line_feature(image, length=15, orientation="vertical", edge_threshold=0.4, line_threshold=0.8):
    """One scalar per image: the mean of :func:`line_response`'s line map.

    Large for images with many long lines of ``orientation`` (cityscapes for
    'vertical'), near 0 for images without (smooth horizons). Arguments as for
    :func:`line_response`.

    >>> import numpy as np
    >>> line_feature(np.eye(20), length=5)  # a diagonal is no vertical line
    0.0
    """
    return float(line_response(image, length, orientation, edge_threshold, line_threshold)[1].mean())
