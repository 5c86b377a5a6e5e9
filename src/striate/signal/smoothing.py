"""Smoothing: correlate with a uniform (moving-average) or Gaussian kernel.

Smoothing averages each sample with its neighbours, so noise that changes from
sample to sample cancels while slow structure stays: the lecture's first use of
convolution. Wider kernels remove more noise and more detail.

>>> import numpy as np
>>> smooth(np.array([0.0, 0.0, 3.0, 0.0, 0.0]), "uniform", size=3, boundary="constant").tolist()
[0.0, 1.0, 1.0, 1.0, 0.0]
"""

from striate._windows import as_tuple
from striate.signal._filters import axis_factors, float_data, run_separable, spatial_axes
from striate.signal.kernels import gaussian_factor, gaussian_size, sigma_tuple, uniform_factor

__all__ = ["smooth", "KINDS"]

KINDS = ("gaussian", "uniform")


def smooth(x, kind="gaussian", size=None, sigma=None, *, mode="same", boundary="reflect", channel_axis=None,
           truncate=4.0):
    """Smooth ``x`` along every axis (but ``channel_axis``) with a separable kernel.

    Args:
        x: array of any rank (signal, image, volume).
        kind: 'gaussian' or 'uniform' (moving average).
        size: taps per axis (int or one per smoothed axis). Uniform default 3;
            Gaussian default ``2 * int(truncate * sigma + 0.5) + 1``.
        sigma: Gaussian standard deviation in samples (number or per axis;
            default 1). Not used by 'uniform'.
        mode: 'same' (default), 'valid' or 'full', as in :func:`correlate`.
        boundary: how 'same'/'full' see past the edge: 'reflect' (default),
            'constant' (zeros), 'mirror', 'nearest' or 'wrap' (see ``_filters``).
        channel_axis: an axis left alone, e.g. ``-1`` for colour images.
        truncate: Gaussian default size in standard deviations each side.

    Shapes:
        'same' keeps ``x.shape``; 'valid' gives ``n - size + 1`` per axis.

    Returns:
        Float array (float32 stays float32; integers become float64). With a
        Gaussian of the default size and 'reflect', equal to
        ``scipy.ndimage.gaussian_filter(x, sigma)``; 'uniform' with odd sizes
        equals ``scipy.ndimage.uniform_filter``.

    Raises:
        ValueError: unknown kind, mode or boundary; non-positive size or sigma;
            sigma given for 'uniform'; empty or non-finite ``x``.

    >>> import numpy as np
    >>> smooth(np.eye(3), sigma=1.0).shape
    (3, 3)
    """
    where = "smooth"
    x = float_data(x, "x", where)
    axes = spatial_axes(x, channel_axis, where)
    if kind not in KINDS:
        raise ValueError(f"{where}: kind must be one of {KINDS}, got {kind!r}")
    if kind == "uniform":
        if sigma is not None:
            raise ValueError(f"{where}: sigma is for kind='gaussian'; 'uniform' takes only size")
        sizes = as_tuple(3 if size is None else size, len(axes), f"{where}: size")
        factors = [uniform_factor(k, x.dtype) for k in sizes]
    else:
        sigmas = sigma_tuple(1.0 if sigma is None else sigma, len(axes), where)
        sizes = (tuple(gaussian_size(s, truncate) for s in sigmas) if size is None
                 else as_tuple(size, len(axes), f"{where}: size"))
        factors = [gaussian_factor(k, s, x.dtype) for k, s in zip(sizes, sigmas)]
    return run_separable(x, axis_factors(x, axes, factors), mode, boundary, where)

