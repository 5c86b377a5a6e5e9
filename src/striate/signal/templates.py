"""Pattern matching: zero-mean normalised cross-correlation of an image with a template.

Plain correlation favours bright regions; normalising removes that. At each
placement, the window ``I`` under the template ``T`` scores::

    sum((I - mean(I)) * (T - mean(T))) / sqrt(sum((I - mean(I))**2) * sum((T - mean(T))**2))

a number in ``[-1, 1]``: 1 where the window is the template up to brightness and
contrast. It is what ``skimage.feature.match_template(image, template)`` computes
(no padding), for any number of dimensions.

How, for speed: the numerator is one correlation of the image with the zero-mean
template (the window mean drops out because ``T - mean(T)`` sums to zero), by the
fastest method; the window sums of ``I`` and ``I**2`` are box filters (separable),
in float64 after subtracting the image mean so that they do not cancel.
Windows without variance (flat regions) score 0.

>>> import numpy as np
>>> image = np.zeros((6, 6)); image[2:4, 3:5] = [[1, 2], [3, 4]]
>>> scores = match_template(image, image[1:5, 2:6])
>>> best_matches(scores).tolist()
[[1, 2]]
"""

from striate.backend import xp
from striate.signal._checks import as_data, data_and_kernel
from striate.signal._filters import run_separable
from striate.signal.correlate import correlate

__all__ = ["match_template", "best_matches", "window_sums"]


def window_sums(a, window):
    """Sum of float ``a`` over every full window of shape ``window``: a separable box
    filter (one banded-GEMM pass per axis, each sum of ``k`` terms rounded once).

    Shapes:
        ``a.shape[i] - window[i] + 1`` per axis.
    """
    return run_separable(a, [xp.ones(k, dtype=a.dtype) for k in window], "valid", "constant", "window_sums")


def match_template(image, template):
    """Zero-mean normalised cross-correlation of ``template`` at every position in ``image``.

    Args:
        image: array of any rank (grey image, colour image with a colour
            template, volume, signal).
        template: array with as many dimensions, no larger along any axis.

    Shapes:
        ``image.shape[i] - template.shape[i] + 1`` per axis; entry ``p`` scores the
        window whose first corner is ``p``.

    Returns:
        Scores in ``[-1, 1]``; float32 for float32 input, float64 otherwise (as
        scikit-image). 0 where the window or the template is flat.

    Raises:
        ValueError: template larger than the image or with another number of
            dimensions; empty or non-finite input.
        TypeError: complex or non-numeric input.

    >>> import numpy as np
    >>> float(match_template(np.array([0.0, 1, 0, 2, 4, 2]), np.array([1.0, 2, 1])).max())
    1.0
    """
    where = "match_template"
    image, template = data_and_kernel(image, template, where, "image", "template")
    if any(t > n for t, n in zip(template.shape, image.shape)):
        raise ValueError(f"{where}: template is larger than the image: "
                         f"template.shape={template.shape}, image.shape={image.shape}")
    dtype = xp.float32 if image.dtype == xp.float32 else xp.float64
    work = image.astype(xp.float64)
    work -= work.mean()  # window sums of a centred image do not cancel catastrophically
    tmpl = template.astype(xp.float64)
    tmpl -= tmpl.mean()
    tmpl_ssd = float((tmpl * tmpl).sum())
    count = tmpl.size
    numerator = correlate(work.astype(dtype), tmpl.astype(dtype), "valid").astype(xp.float64)
    sums = window_sums(work, template.shape)
    squares = window_sums(work * work, template.shape)  # window energy about the image mean
    variance = squares - sums * sums / count  # count * (window variance)
    # Flat windows: what is left of the variance is rounding of the energy, so
    # test relative to it (a fixed epsilon would call flat bright windows textured).
    textured = variance > 1e-10 * squares
    denominator = xp.sqrt(xp.maximum(variance, 0.0) * tmpl_ssd)
    scores = xp.divide(numerator, denominator, out=xp.zeros_like(numerator), where=textured & (denominator > 0))
    return xp.clip(scores, -1.0, 1.0, out=scores).astype(dtype, copy=False)


def best_matches(scores, count=1, min_distance=1):
    """Positions of the ``count`` highest scores, best first, at least
    ``min_distance`` apart along some axis (greedy non-maximum suppression).

    Args:
        scores: output of :func:`match_template` (any rank).
        count: how many positions to return (fewer if the map runs out).
        min_distance: a chosen position blocks every position within
            ``min_distance - 1`` along all axes (use the template size to keep
            matches from overlapping).

    Returns:
        Integer array ``(found, scores.ndim)`` of window corners.

    Raises:
        ValueError: empty or non-finite scores; count or min_distance below 1.

    >>> import numpy as np
    >>> best_matches(np.array([0.1, 0.9, 0.8, 0.2, 0.7]), count=2, min_distance=2).tolist()
    [[1], [4]]
    """
    scores = as_data(scores, "scores", "best_matches").astype(xp.float64)
    for name, value in (("count", count), ("min_distance", min_distance)):
        if isinstance(value, bool) or not isinstance(value, (int, xp.integer)) or value < 1:
            raise ValueError(f"best_matches: {name} must be a positive int, got {value!r}")
    left = scores.copy()
    found = []
    for _ in range(count):
        flat_index = int(xp.argmax(left))
        if left.flat[flat_index] == -xp.inf:
            break
        position = xp.unravel_index(flat_index, left.shape)
        found.append(position)
        block = tuple(slice(max(p - min_distance + 1, 0), p + min_distance) for p in position)
        left[block] = -xp.inf
    return xp.array(found, dtype=xp.intp).reshape(len(found), scores.ndim)  # (found, ndim), also when empty
