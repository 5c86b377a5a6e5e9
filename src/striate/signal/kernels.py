"""Smoothing kernels: uniform (moving average) and Gaussian, in any number of dimensions.

Both are separable: the N-d kernel is the outer product of 1-D kernels, and each
1-D kernel sums to 1, so the N-d kernel sums to 1 and smoothing keeps the mean.
The functions that build 1-D factors (``uniform_factor``, ``gaussian_factor``) are
what :func:`striate.signal.smooth` correlates with, axis by axis.

>>> uniform_kernel(3).tolist()
[0.3333333432674408, 0.3333333432674408, 0.3333333432674408]
>>> float(gaussian_kernel(5, 1.0, ndim=2, dtype="float64").sum().round(12))
1.0
"""

import math

from striate import backend
from striate._windows import as_tuple
from striate.backend import xp
from striate.signal.separable import outer_product

__all__ = ["uniform_kernel", "gaussian_kernel", "uniform_factor", "gaussian_factor", "gaussian_size", "sigma_tuple"]


def _dtype(dtype):
    dtype = xp.dtype(backend.floatx() if dtype is None else dtype)
    if dtype.kind != "f":
        raise TypeError(f"kernel dtype must be a float type, got {dtype}")
    return dtype


def sigma_tuple(sigma, ndim, where):
    """``sigma`` (a number or one per axis) as a tuple of ``ndim`` positive floats."""
    values = (sigma,) * ndim if isinstance(sigma, (int, float, xp.number)) else tuple(sigma)
    if len(values) != ndim:
        raise ValueError(f"{where}: sigma must be a number or {ndim} numbers, got {sigma!r}")
    for v in values:
        if not (isinstance(v, (int, float, xp.number)) and math.isfinite(v) and v > 0):
            raise ValueError(f"{where}: sigma must be positive and finite, got {sigma!r}")
    return tuple(float(v) for v in values)


def uniform_factor(size, dtype=None):
    """1-D moving-average kernel: ``size`` taps of ``1 / size``."""
    return xp.full(size, 1.0 / size, dtype=_dtype(dtype))


def gaussian_size(sigma, truncate=4.0):
    """Kernel size that covers ``truncate`` standard deviations each side
    (``scipy.ndimage.gaussian_filter``'s rule: ``2 * int(truncate * sigma + 0.5) + 1``)."""
    return 2 * int(truncate * sigma + 0.5) + 1


def gaussian_factor(size, sigma, dtype=None):
    """1-D Gaussian kernel of ``size`` taps centred at ``(size - 1) / 2``, summing to 1."""
    offsets = xp.arange(size, dtype=xp.float64) - (size - 1) / 2
    taps = xp.exp(-0.5 * (offsets / sigma) ** 2)
    return (taps / taps.sum()).astype(_dtype(dtype))


def uniform_kernel(size, ndim=1, dtype=None):
    """Uniform (box, moving-average) kernel: every tap ``1 / prod(size)``.

    Args:
        size: taps per axis (int, or one int per axis).
        ndim: number of dimensions (1, 2, 3, ...).
        dtype: float type (default ``backend.floatx()``).

    Returns:
        Array of shape ``size`` (per axis) that sums to 1.

    Raises:
        ValueError: for a non-positive size or a size tuple of the wrong length.

    >>> uniform_kernel(2, ndim=2, dtype="float64").tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    """
    sizes = as_tuple(size, ndim, "uniform_kernel: size")
    return outer_product([uniform_factor(k, dtype) for k in sizes])


def gaussian_kernel(size, sigma, ndim=1, dtype=None):
    """Sampled Gaussian kernel ``exp(-|i - c|^2 / (2 sigma^2))``, normalised to sum 1.

    Args:
        size: taps per axis (int or one per axis); even sizes centre between taps.
        sigma: standard deviation in samples (number or one per axis).
        ndim: number of dimensions.
        dtype: float type (default ``backend.floatx()``).

    Returns:
        Array of shape ``size`` (per axis); the outer product of 1-D Gaussians.

    Raises:
        ValueError: for non-positive size or sigma.

    >>> gaussian_kernel(3, 1.0, dtype="float64").round(4).tolist()
    [0.2741, 0.4519, 0.2741]
    """
    sizes = as_tuple(size, ndim, "gaussian_kernel: size")
    sigmas = sigma_tuple(sigma, ndim, "gaussian_kernel")
    return outer_product([gaussian_factor(k, s, dtype) for k, s in zip(sizes, sigmas)])
