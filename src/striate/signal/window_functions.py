"""Taper windows for spectral analysis (periodic, like ``scipy.signal.get_window``).

A segment cut out of a long signal has abrupt ends, which smear a pure tone over
many frequencies; multiplying the segment by a window that falls to zero at both
ends reduces the smear. The windows here are *periodic* ("DFT-even"): the
symmetric window of length ``n + 1`` without its last sample, which is what a
spectrogram wants and what SciPy returns by default.

>>> get_window("hann", 4).tolist()
[0.0, 0.5, 1.0, 0.5]
>>> get_window(("tukey", 0.5), 8).round(3).tolist()
[0.0, 0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
"""

import math

from striate import backend
from striate.backend import xp

__all__ = ["get_window", "WINDOWS"]


def _tukey(m, alpha):
    """Symmetric Tukey (tapered cosine) window of ``m`` samples: a flat top with
    cosine tapers over a fraction ``alpha`` of the window (0: boxcar, 1: Hann)."""
    if alpha <= 0:
        return xp.ones(m)
    if alpha >= 1:
        return xp.hanning(m)
    n = xp.arange(m, dtype=xp.float64)
    width = int(math.floor(alpha * (m - 1) / 2.0))
    out = xp.ones(m)
    rise, fall = n[: width + 1], n[m - width - 1:]
    out[: width + 1] = 0.5 * (1 + xp.cos(math.pi * (-1 + 2.0 * rise / alpha / (m - 1))))
    out[m - width - 1:] = 0.5 * (1 + xp.cos(math.pi * (-2.0 / alpha + 1 + 2.0 * fall / alpha / (m - 1))))
    return out


def _gaussian(m, std):
    n = xp.arange(m, dtype=xp.float64) - (m - 1.0) / 2.0
    return xp.exp(-0.5 * (n / std) ** 2)


# name -> (symmetric window of m samples given the parameter, parameter name or None)
WINDOWS = {
    "boxcar": (lambda m: xp.ones(m), None),
    "hann": (xp.hanning, None),
    "hamming": (xp.hamming, None),
    "blackman": (xp.blackman, None),
    "bartlett": (xp.bartlett, None),
    "tukey": (_tukey, "alpha"),
    "kaiser": (xp.kaiser, "beta"),
    "gaussian": (_gaussian, "std"),
}


def get_window(window, n):
    """Periodic taper window of ``n`` samples.

    Args:
        window: a name ('hann', 'hamming', 'blackman', 'bartlett', 'boxcar'), a
            ``(name, parameter)`` pair for ('tukey', alpha), ('kaiser', beta) or
            ('gaussian', std), or an array of ``n`` samples (returned as float64).
        n: window length.

    Returns:
        float64 array of ``n`` samples; equal to ``scipy.signal.get_window(window, n)``.

    Raises:
        ValueError: unknown name, missing or extra parameter, array of another
            length, or ``n < 1``.

    >>> get_window("boxcar", 3).tolist()
    [1.0, 1.0, 1.0]
    """
    if isinstance(n, bool) or not isinstance(n, (int, xp.integer)) or n < 1:
        raise ValueError(f"get_window: n must be a positive int, got {n!r}")
    if isinstance(window, (xp.ndarray, backend.host.ndarray)):
        if window.shape != (n,):
            raise ValueError(f"get_window: window array has shape {window.shape}, expected ({n},)")
        return backend.to_device(window).astype(xp.float64)
    name, args = (window[0], tuple(window[1:])) if isinstance(window, tuple) else (window, ())
    if name not in WINDOWS:
        raise ValueError(f"get_window: unknown window {name!r}; known: {sorted(WINDOWS)}")
    make, parameter = WINDOWS[name]
    if len(args) != (parameter is not None):
        need = f"a ({name!r}, {parameter}) pair" if parameter else f"just {name!r}"
        raise ValueError(f"get_window: window {window!r} needs {need}")
    if n == 1:  # a single sample is not tapered
        return xp.ones(1)
    return xp.asarray(make(n + 1, *args)[:n], dtype=xp.float64)
