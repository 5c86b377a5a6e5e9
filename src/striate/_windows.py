"""Sliding windows shared by ``striate.signal`` and the convolution primitives.

One implementation of "every k-sized window of x along some axes" serves the
hand-made filters of the signal toolkit and the learned filters of the conv
layers, so both correlate the same way (no flipped kernels, same padding rules).

Conventions: ``axes`` are the spatial axes of ``x``; ``window``, ``strides`` and
``dilation`` have one entry per spatial axis. For a spatial size ``n``, kernel
size ``k``, stride ``s`` and dilation ``d`` the window spans ``(k - 1) * d + 1``
samples and the number of windows is ``(n - (k - 1) * d - 1) // s + 1``.

>>> import numpy as np
>>> view = window_view(np.arange(5.0), (3,), axes=(0,))
>>> view.shape
(3, 3)
>>> view[1].tolist()
[1.0, 2.0, 3.0]
"""

from striate import backend
from striate.backend import xp

__all__ = [
    "as_tuple",
    "span",
    "output_length",
    "padding_amounts",
    "pad",
    "window_view",
    "window_add",
]


def as_tuple(value, rank, name):
    """``value`` (an int or a sequence of ``rank`` ints) as a tuple of ``rank`` ints.

    Raises:
        ValueError: when a sequence has the wrong length or an entry is not positive.
        TypeError: when an entry is not an integer.
    """
    if isinstance(value, (int, xp.integer)) and not isinstance(value, bool):
        values = (int(value),) * rank
    else:
        try:
            values = tuple(value)
        except TypeError:
            raise TypeError(f"{name} must be an int or a tuple of {rank} ints, got {value!r}") from None
        if len(values) != rank:
            raise ValueError(f"{name} must have {rank} entries, got {len(values)}: {value!r}")
        for v in values:
            if isinstance(v, bool) or not isinstance(v, (int, xp.integer)):
                raise TypeError(f"{name} must hold ints, got {value!r}")
        values = tuple(int(v) for v in values)
    if any(v <= 0 for v in values):
        raise ValueError(f"{name} must be positive, got {value!r}")
    return values


def span(k, d):
    """Samples covered by a kernel of size ``k`` with dilation ``d``: ``(k - 1) * d + 1``."""
    return (k - 1) * d + 1


def output_length(n, k, s=1, d=1, padding="valid"):
    """Number of windows along one axis of size ``n`` after padding.

    'valid': ``(n - span) // s + 1``; 'same': ``ceil(n / s)``; 'full': ``(n + span - 2) // s + 1``.
    """
    before, after = padding_amounts(n, k, s, d, padding)
    return (n + before + after - span(k, d)) // s + 1


def padding_amounts(n, k, s=1, d=1, padding="valid"):
    """Zeros to add ``(before, after)`` along one axis.

    'same' follows Keras/TensorFlow: output ``ceil(n / s)``, total padding
    ``max((out - 1) * s + span - n, 0)`` with the odd sample *after*.
    'full' pads ``span - 1`` on both sides (every partial overlap).
    """
    if padding == "valid":
        return 0, 0
    if padding == "same":
        out = -(-n // s)
        total = max((out - 1) * s + span(k, d) - n, 0)
        return total // 2, total - total // 2
    if padding == "full":
        return span(k, d) - 1, span(k, d) - 1
    raise ValueError(f"padding must be 'valid', 'same' or 'full', got {padding!r}")


def pad(x, pads, axes):
    """``x`` with ``pads[i] = (before, after)`` zeros added along ``axes[i]``.

    Returns ``x`` itself when nothing is padded. Faster than ``np.pad`` for the
    constant-zero case because it is one allocation and one copy.
    """
    if all(b == 0 and a == 0 for b, a in pads):
        return x
    shape = list(x.shape)
    inner = [slice(None)] * x.ndim
    for (b, a), axis in zip(pads, axes):
        inner[axis] = slice(b, b + shape[axis])
        shape[axis] += b + a
    out = xp.zeros(shape, dtype=x.dtype)
    out[tuple(inner)] = x
    return out


def window_view(x, window, axes, strides=None, dilation=None):
    """A read-only strided view of every window of ``x`` along ``axes``; no copy.

    Args:
        x: array of any rank.
        window: kernel size per axis in ``axes``.
        axes: the spatial axes, increasing.
        strides, dilation: per axis (default 1).

    Returns:
        View of shape ``x.shape`` with each axis in ``axes`` replaced by its
        number of windows, followed by ``window`` (the window offsets last).

    Raises:
        ValueError: when a window does not fit in ``x`` along some axis.
    """
    rank = len(axes)
    strides = strides or (1,) * rank
    dilation = dilation or (1,) * rank
    shape, steps = list(x.shape), list(x.strides)
    for axis, k, s, d in zip(axes, window, strides, dilation):
        if span(k, d) > x.shape[axis]:
            raise ValueError(
                f"window of size {k} (dilation {d}) does not fit in axis {axis} of size {x.shape[axis]}"
            )
        shape[axis] = (x.shape[axis] - span(k, d)) // s + 1
        steps[axis] = x.strides[axis] * s
    shape += list(window)
    steps += [x.strides[axis] * d for axis, d in zip(axes, dilation)]
    return backend.as_strided(x, shape, steps, writeable=False)


def window_add(windows, x_shape, axes, strides=None, dilation=None, out=None):
    """The adjoint of :func:`window_view`: add every window back where it came from.

    ``windows`` has the shape that ``window_view`` returns for an array of shape
    ``x_shape``. One strided add per kernel offset (``prod(window)`` adds), never
    a loop over pixels.

    Returns:
        Array of shape ``x_shape`` (``out`` if given, which is added into).
    """
    rank = len(axes)
    window = windows.shape[windows.ndim - rank:]
    strides = strides or (1,) * rank
    dilation = dilation or (1,) * rank
    if out is None:
        out = xp.zeros(x_shape, dtype=windows.dtype)
    lead = windows.ndim - rank
    for offset in xp.ndindex(*window):
        target = [slice(None)] * len(x_shape)
        for axis, o, s, d in zip(axes, offset, strides, dilation):
            n_out = windows.shape[axis]
            start = o * d
            target[axis] = slice(start, start + (n_out - 1) * s + 1, s)
        out[tuple(target)] += windows[(slice(None),) * lead + offset]
    return out
