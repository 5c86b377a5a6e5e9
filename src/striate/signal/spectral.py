"""Frequency detection: correlate with pure tones, and the spectrogram.

A tone at frequency ``f`` correlates strongly with a snippet of the same tone and
hardly at all with other frequencies; sliding the snippet along the signal says
*when* the tone is there. :func:`tone_responses` does this for a list of
frequencies (with a sine and a cosine snippet, so the phase does not matter).
The spectrogram does it for every frequency at once: the power of the FFT of
overlapping, tapered segments.

>>> import numpy as np
>>> fs = 1000.0
>>> x = tone(50.0, 1000, fs)
>>> f, t, power = spectrogram(x, fs, nperseg=200)
>>> float(f[power.mean(axis=1).argmax()])
50.0
"""

import math
import warnings

from striate._windows import window_view
from striate import backend
from striate.backend import xp
from striate.signal._checks import as_data
from striate.signal.correlate import correlate
from striate.signal.window_functions import get_window

__all__ = ["tone", "tone_responses", "spectrogram"]


def _positive_int(value, name, where):
    if isinstance(value, bool) or not isinstance(value, (int, xp.integer)) or value < 1:
        raise ValueError(f"{where}: {name} must be a positive int, got {value!r}")
    return int(value)


def tone(frequency, length, fs=1.0, phase=0.0, dtype="float64"):
    """A pure tone ``sin(2 pi frequency t + phase)`` sampled at ``t = arange(length) / fs``.

    >>> tone(0.25, 4).round(12).tolist()
    [0.0, 1.0, 0.0, -1.0]
    """
    length = _positive_int(length, "length", "tone")
    t = xp.arange(length, dtype=xp.float64) / fs
    return xp.sin(2 * math.pi * frequency * t + phase).astype(dtype)


def tone_responses(x, fs, frequencies, length, mode="same"):
    """How strongly each tone is present around each sample of a 1-D signal.

    Correlates ``x`` with Hann-tapered sine and cosine snippets of ``length``
    samples per frequency; ``2 * hypot(c, s) / sum(taper)`` is then about the
    amplitude of that tone in the snippet's reach (1 for a unit sine).

    Args:
        x: 1-D signal.
        fs: sampling rate.
        frequencies: tones to look for (same unit as ``fs``).
        length: snippet length in samples (longer: sharper in frequency,
            blurrier in time).
        mode: as in :func:`correlate`.

    Returns:
        Array ``(len(frequencies), n_out)`` of amplitudes, ``n_out`` as in :func:`correlate`.

    Raises:
        ValueError: ``x`` not 1-D, empty or non-finite; snippet longer than x in 'valid' mode.

    >>> import numpy as np
    >>> x = tone(100.0, 2000, 1000.0)
    >>> r = tone_responses(x, 1000.0, [100.0, 250.0], 200)
    >>> r[:, 1000].round(2).tolist()
    [1.0, 0.0]
    """
    x = as_data(x, "x", "tone_responses")
    if x.ndim != 1:
        raise ValueError(f"tone_responses: x must be 1-D, got shape {x.shape}")
    length = _positive_int(length, "length", "tone_responses")
    dtype = x.dtype if x.dtype.kind == "f" else xp.dtype(xp.float64)
    taper = xp.hanning(length + 2)[1:-1]  # no zero end points: every tap counts
    out = []
    for f in xp.atleast_1d(xp.asarray(frequencies, dtype=xp.float64)):
        c = correlate(x, (taper * tone(f, length, fs, math.pi / 2)).astype(dtype), mode)
        s = correlate(x, (taper * tone(f, length, fs)).astype(dtype), mode)
        out.append(2 * xp.hypot(c, s) / taper.sum())
    return xp.stack(out).astype(dtype)


def _detrend(segments, detrend, where):
    if detrend in (False, None):
        return segments
    centred = segments - segments.mean(axis=-1, keepdims=True)
    if detrend == "constant":
        return centred
    if detrend == "linear":  # remove the least-squares line of each segment
        t = xp.arange(segments.shape[-1], dtype=segments.dtype)
        t -= t.mean()
        slope = (centred @ t) / (t @ t)
        return centred - slope[..., None] * t
    raise ValueError(f"{where}: detrend must be 'constant', 'linear' or False, got {detrend!r}")


def spectrogram(x, fs=1.0, window=("tukey", 0.25), nperseg=None, noverlap=None, nfft=None,
                detrend="constant", scaling="density", axis=-1):
    """Power of the FFT of overlapping, tapered segments: ``(frequencies, times, power)``.

    Equal to ``scipy.signal.spectrogram`` with the same arguments (real input,
    one-sided spectrum, ``mode='psd'``).

    Args:
        x: real signal(s); the time axis is ``axis``.
        fs: sampling rate.
        window: taper (see :func:`get_window`) or an array of ``nperseg`` samples.
        nperseg: segment length (default 256, or the window array's length; cut
            to the signal's length with a warning, as SciPy does).
        noverlap: samples shared by neighbouring segments (default ``nperseg // 8``).
        nfft: FFT length, at least ``nperseg`` (default ``nperseg``; more pads zeros).
        detrend: 'constant' (subtract each segment's mean), 'linear' or False.
        scaling: 'density' (power per unit frequency: ``1 / (fs * sum(win**2))``)
            or 'spectrum' (``1 / sum(win)**2``).
        axis: the time axis.

    Shapes:
        ``frequencies``: ``(nfft // 2 + 1,)``; ``times``: ``(n_seg,)`` with
        ``n_seg = (n - noverlap) // (nperseg - noverlap)``; ``power``: ``x``'s shape
        with the time axis replaced by ``nfft // 2 + 1`` frequencies and ``n_seg``
        appended last.

    Returns:
        ``frequencies`` and ``times`` in float64; ``power`` in float32 for float32,
        float16 and 8/16-bit integer input, else float64 (SciPy's rule).

    Raises:
        ValueError: bad nperseg, noverlap, nfft, window, detrend or scaling;
            empty or non-finite ``x``.

    >>> import numpy as np
    >>> f, t, power = spectrogram(np.zeros(1000), fs=100.0)
    >>> f.shape, t.tolist()[:2], power.shape
    ((129,), [1.28, 3.52], (129, 4))
    """
    where = "spectrogram"
    x = as_data(x, "x", where)
    if not -x.ndim <= axis < x.ndim:
        raise ValueError(f"{where}: axis {axis} is out of range for x of shape {x.shape}")
    axis %= x.ndim
    n = x.shape[axis]
    if isinstance(window, (xp.ndarray, backend.host.ndarray)):
        if window.ndim != 1:
            raise ValueError(f"{where}: window array must be 1-D, got shape {window.shape}")
        if nperseg is not None and nperseg != window.shape[0]:
            raise ValueError(f"{where}: nperseg={nperseg} differs from the window's length {window.shape[0]}")
        nperseg = window.shape[0]
        if nperseg > n:
            raise ValueError(f"{where}: the window ({nperseg} samples) is longer than x ({n} samples)")
    nperseg = 256 if nperseg is None else _positive_int(nperseg, "nperseg", where)
    if nperseg > n:
        warnings.warn(f"nperseg = {nperseg} is greater than input length = {n}, using nperseg = {n}",
                      UserWarning, stacklevel=2)
        nperseg = n
    noverlap = nperseg // 8 if noverlap is None else noverlap
    if isinstance(noverlap, bool) or not isinstance(noverlap, (int, xp.integer)) or not 0 <= noverlap < nperseg:
        raise ValueError(f"{where}: noverlap must be an int in [0, nperseg={nperseg}), got {noverlap!r}")
    nfft = nperseg if nfft is None else _positive_int(nfft, "nfft", where)
    if nfft < nperseg:
        raise ValueError(f"{where}: nfft={nfft} must be at least nperseg={nperseg}")
    if scaling not in ("density", "spectrum"):
        raise ValueError(f"{where}: scaling must be 'density' or 'spectrum', got {scaling!r}")

    # SciPy's rule: the real type of result_type(x, complex64), so small integers give float32
    dtype = xp.float32 if xp.result_type(x.dtype, xp.complex64) == xp.complex64 else xp.float64
    win = get_window(window, nperseg)
    scale = 1.0 / (fs * (win * win).sum()) if scaling == "density" else 1.0 / win.sum() ** 2
    step = nperseg - noverlap
    signal = xp.moveaxis(x.astype(dtype, copy=False), axis, -1)  # (..., n)
    segments = window_view(signal, (nperseg,), axes=(signal.ndim - 1,), strides=(step,))  # (..., n_seg, nperseg)
    segments = _detrend(segments, detrend, where) * win.astype(dtype)
    spectrum = xp.fft.rfft(segments, n=nfft, axis=-1)  # (..., n_seg, nfft // 2 + 1)
    power = (spectrum.real ** 2 + spectrum.imag ** 2) * dtype(scale)
    power[..., 1: (nfft + 1) // 2] *= 2  # one-sided: fold the negative frequencies in (not DC, not Nyquist)
    power = xp.swapaxes(power, -1, -2)  # (..., nfft // 2 + 1, n_seg)
    power = xp.ascontiguousarray(xp.moveaxis(power, -2, axis))  # frequencies where the time axis was
    frequencies = xp.fft.rfftfreq(nfft, 1.0 / fs)
    times = (nperseg / 2 + step * xp.arange(power.shape[-1])) / float(fs)
    return frequencies, times, power.astype(dtype, copy=False)
