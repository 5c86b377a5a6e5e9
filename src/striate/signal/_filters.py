"""Shared plumbing of the filters (smoothing, edges): boundaries and separable runs.

A filter is a correlation whose kernel is known to be separable, so it skips the
rank test and goes straight to 1-D passes. Its border rule is a ``boundary``, named
as in ``scipy.ndimage`` so that results can be held against it:

============  ===========================  ======================
boundary      pads ``a b c d`` with        ``numpy.pad`` mode
============  ===========================  ======================
'constant'    ``0 0 | a b c d | 0 0``      (zeros, like correlate)
'reflect'     ``b a | a b c d | d c``      'symmetric'
'mirror'      ``c b | a b c d | c b``      'reflect'
'nearest'     ``a a | a b c d | d d``      'edge'
'wrap'        ``c d | a b c d | a b``      'wrap'
============  ===========================  ======================

>>> import numpy as np
>>> run_separable(np.array([1.0, 2.0, 3.0]), [np.ones(3)], "same", "nearest", "f").tolist()
[4.0, 6.0, 8.0]
"""

from striate.backend import xp
from striate.signal._checks import as_data, check_mode
from striate.signal._geometry import Geometry
from striate.signal.separable import correlate_separable

__all__ = ["BOUNDARIES", "float_data", "spatial_axes", "axis_factors", "run_separable"]

BOUNDARIES = {"constant": None, "reflect": "symmetric", "mirror": "reflect", "nearest": "edge", "wrap": "wrap"}


def float_data(x, name, where):
    """Validated ``x`` as floats: float types are kept, integers and booleans become float64."""
    x = as_data(x, name, where)
    return x if x.dtype.kind == "f" and x.dtype != xp.float16 else x.astype(
        xp.float32 if x.dtype == xp.float16 else xp.float64)


def spatial_axes(x, channel_axis, where):
    """The axes a filter runs along: all of them, or all but ``channel_axis``."""
    if channel_axis is None:
        return tuple(range(x.ndim))
    if not isinstance(channel_axis, int) or not -x.ndim <= channel_axis < x.ndim or x.ndim < 2:
        raise ValueError(f"{where}: channel_axis must be an axis of x (shape {x.shape}), got {channel_axis!r}")
    channel_axis %= x.ndim
    return tuple(a for a in range(x.ndim) if a != channel_axis)


def axis_factors(x, axes, factors):
    """One 1-D factor per axis of ``x``: ``factors`` along ``axes``, the one-tap
    ``[1]`` (leave alone) along the others, e.g. the colour axis."""
    per_axis = [xp.ones(1, dtype=x.dtype)] * x.ndim
    for a, f in zip(axes, factors):
        per_axis[a] = xp.asarray(f, dtype=x.dtype)
    return per_axis


def run_separable(x, factors, mode, boundary, where):
    """Correlate float ``x`` with the outer product of ``factors`` (one 1-D array per
    axis; length-1 factors are plain scales), padding by ``boundary``.

    Raises:
        ValueError: unknown mode or boundary; factors too long for 'valid' mode.
    """
    check_mode(mode, where)
    if boundary not in BOUNDARIES:
        raise ValueError(f"{where}: boundary must be one of {tuple(BOUNDARIES)}, got {boundary!r}")
    kernel = tuple(len(f) for f in factors)
    geo = Geometry(x.shape, kernel, mode, where=where)
    if mode != "valid" and BOUNDARIES[boundary] is not None:
        # Other borders than zeros: pad by the rule, then every window is a full one.
        x = xp.pad(x, list(zip(geo.before, geo.after)), mode=BOUNDARIES[boundary])
        geo = Geometry(x.shape, kernel, "valid", where=where)
    return correlate_separable(x, factors, geo)
