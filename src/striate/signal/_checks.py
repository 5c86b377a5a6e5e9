"""Input checks and dtype rules shared by the public functions of ``striate.signal``.

Every public function validates once at the door and then works on clean arrays,
so that bad input fails with a message that names the argument and the shapes
(never a NumPy broadcast error from deep inside, never a silent NaN).

Dtype rules (the same as ``scipy.signal.correlate`` where it makes sense):

- float32 stays float32 and float64 stays float64; mixed inputs follow
  ``numpy.result_type``; float16 is computed in float32 and returned as float16.
- integer and boolean inputs give ``numpy.result_type(x, w)``, computed exactly in
  that type (so integer overflow wraps around exactly as it does in SciPy).
- a kernel given as a Python list, tuple or number (not an array) takes the data's
  float type, so ``correlate(x32, [1, -1])`` stays float32.
- complex input is not supported (``TypeError``).

>>> import numpy as np
>>> x, w = data_and_kernel(np.ones(4, np.float32), [1, -1], "correlate")
>>> w.dtype
dtype('float32')
"""

from striate import backend
from striate.backend import xp

__all__ = ["as_data", "data_and_kernel", "result_dtype", "compute_dtype", "check_mode", "MODES"]

MODES = ("valid", "same", "full")


def as_data(value, name, where):
    """``value`` as a non-empty real array with no NaN or infinity.

    Raises:
        TypeError: for complex, object or string data.
        ValueError: for 0-d or empty arrays and for NaN or infinite entries.
    """
    array = backend.to_device(value)  # host data enter the toolkit here (no copy on NumPy)
    if array.dtype.kind == "c":
        raise TypeError(f"{where}: {name} is complex ({array.dtype}); only real data is supported")
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{where}: {name} must hold numbers, got dtype {array.dtype}")
    if array.ndim == 0:
        raise ValueError(f"{where}: {name} must have at least one dimension, got a scalar")
    if array.size == 0:
        raise ValueError(f"{where}: {name} is empty (shape {array.shape})")
    if array.dtype.kind == "f":
        _check_finite(array, name, where)
    return array


def _check_finite(array, name, where):
    # One cheap reduction instead of an isnan pass: the sum is finite whenever
    # every entry is, and only a non-finite sum (NaN, infinity or an overflow of
    # the sum itself) pays for the exact look.
    with backend.errstate(over="ignore", invalid="ignore"):
        total = array.sum()
    if xp.isfinite(total):
        return
    if xp.isnan(array).any():
        raise ValueError(f"{where}: {name} (shape {array.shape}) contains NaN")
    if xp.isinf(array).any():
        raise ValueError(f"{where}: {name} (shape {array.shape}) contains infinity")


def data_and_kernel(x, w, where, x_name="x", w_name="w"):
    """Validate data ``x`` and kernel ``w`` for an N-d correlation.

    Returns:
        ``(x, w)`` as arrays; a non-array kernel takes ``x``'s float type.

    Raises:
        ValueError: for empty or non-finite input, or when ``w`` has a different
            number of dimensions than ``x``.
    """
    x = as_data(x, x_name, where)
    w_is_array = isinstance(w, (xp.ndarray, backend.host.ndarray))
    w = as_data(w, w_name, where)
    if not w_is_array and x.dtype.kind == "f":
        w = w.astype(x.dtype)
    if w.ndim > x.ndim:
        raise ValueError(
            f"{where}: kernel {w_name} has more dimensions than the data {x_name}: "
            f"{w_name}.shape={w.shape}, {x_name}.shape={x.shape}"
        )
    if w.ndim < x.ndim:
        raise ValueError(
            f"{where}: kernel {w_name} must have as many dimensions as the data {x_name}: "
            f"{w_name}.shape={w.shape}, {x_name}.shape={x.shape} "
            f"(add axes of size 1, e.g. {w_name}[..., None])"
        )
    return x, w


def result_dtype(*arrays):
    """The dtype the result is returned in: ``numpy.result_type`` of the inputs."""
    return xp.result_type(*arrays)


def compute_dtype(dtype):
    """The dtype the arithmetic runs in: float16 is widened to float32 (BLAS and
    FFT have no half precision); every other type is kept."""
    dtype = xp.dtype(dtype)
    return xp.dtype(xp.float32) if dtype == xp.float16 else dtype


def check_mode(mode, where):
    """Raise ``ValueError`` unless ``mode`` is 'valid', 'same' or 'full'."""
    if mode not in MODES:
        raise ValueError(f"{where}: mode must be one of {MODES}, got {mode!r}")
    return mode
