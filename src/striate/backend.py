"""The one place that chooses the array module and the default float type.

Everything numeric in striate reaches NumPy through ``xp`` from here, so that a
CuPy build later means changing this file alone.

>>> from striate import backend
>>> backend.floatx()
'float32'
"""

import contextlib

import numpy as xp

__all__ = ["xp", "floatx", "set_floatx", "floatx_scope", "epsilon", "set_epsilon", "to_array",
           "unique_name", "clear_session"]

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "float32", "float64")
_NAME_COUNTS = {}


def floatx():
    """The default float type's name, as in ``keras.backend.floatx()``."""
    return _FLOATX


def set_floatx(value):
    """Set the default float type: one of 'float16', 'float32', 'float64'.

    Raises:
        ValueError: for any other name.
    """
    global _FLOATX
    value = str(value)
    if value not in _ALLOWED_FLOATX:
        raise ValueError(f"set_floatx: expected one of {_ALLOWED_FLOATX}, got {value!r}")
    _FLOATX = value


@contextlib.contextmanager
def floatx_scope(value):
    """Context manager: ``floatx()`` is ``value`` inside the block (e.g. float64
    for gradient checks of layers), and what it was before afterwards."""
    previous = _FLOATX
    set_floatx(value)
    try:
        yield
    finally:
        set_floatx(previous)


def epsilon():
    """The fuzz factor that losses use to keep logs finite (Keras: 1e-7)."""
    return _EPSILON


def set_epsilon(value):
    """Set the fuzz factor returned by :func:`epsilon`."""
    global _EPSILON
    _EPSILON = float(value)


def to_array(value, dtype=None):
    """``value`` as an array of ``dtype``.

    Without ``dtype``: NumPy float arrays keep their precision (as PyTorch), and
    Python numbers and lists of floats become ``floatx()``. Integer and boolean
    data keep their type, because indices and masks must stay exact.
    """
    if dtype is not None:
        return xp.asarray(value, dtype=dtype)
    if isinstance(value, xp.ndarray) and value.dtype.kind in "fbiu":
        return value
    array = xp.asarray(value)
    if array.dtype.kind == "f":
        return array.astype(_FLOATX, copy=False)
    return array


def unique_name(prefix):
    """``prefix``, then ``prefix_1``, ``prefix_2`` ... as Keras names layers ('dense', 'dense_1')."""
    count = _NAME_COUNTS.get(prefix, 0)
    _NAME_COUNTS[prefix] = count + 1
    return prefix if count == 0 else f"{prefix}_{count}"


def clear_session():
    """Restart automatic layer names from the beginning (as ``keras.backend.clear_session``)."""
    _NAME_COUNTS.clear()
