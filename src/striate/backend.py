"""The one place that chooses the array module and the default float type.

Everything numeric in striate reaches NumPy through ``xp`` from here, so that a
CuPy build later means changing this file alone.

>>> from striate import backend
>>> backend.floatx()
'float32'
"""

import contextlib
import ctypes
import ctypes.util
import os
import sys
import time

import numpy as xp

__all__ = ["xp", "floatx", "set_floatx", "floatx_scope", "epsilon", "set_epsilon", "to_array",
           "unique_name", "clear_session", "num_threads", "blas_threads", "current_blas_threads",
           "striate_threads", "small_gemm_mnk"]

_FLOATX = "float32"
_EPSILON = 1e-7
_ALLOWED_FLOATX = ("float16", "float32", "float64")
# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3
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


def _keep_freed_memory():
    """Ask glibc to keep freed blocks for reuse instead of handing them back to the OS.

    Every NumPy operation returns a new array. By default glibc serves blocks of a
    few megabytes with mmap and unmaps them when freed, so the next array of the
    same size page-faults every one of its pages again: about 1 ms per 4 MB, more
    than the arithmetic of most element-wise ops on a convnet's activations
    (measured: batch norm forward + backward on 64x32x32x16 floats, 12.2 -> 4.5 ms).
    With these settings freed memory stays in the heap and is reused; the price is
    that the process's resident size stays near its peak until it exits. Set
    ``STRIATE_KEEP_FREED_MEMORY=0`` to leave the allocator alone. Does nothing
    outside glibc (macOS, Windows, musl).

    Returns:
        True when the settings were applied.
    """
    if os.environ.get("STRIATE_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    # 32 MiB is the largest mmap threshold glibc accepts on 64-bit systems; larger
    # blocks (rare: conv columns are built in chunks of a few MiB) still use mmap.
    return bool(mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)) and bool(mallopt(_M_TRIM_THRESHOLD, 2**30))


ALLOCATOR_TUNED = _keep_freed_memory()


# ---- threads ---------------------------------------------------------------------------
def _openblas_paths():
    if not sys.platform.startswith("linux"):
        return []
    try:
        with open("/proc/self/maps") as maps:
            return sorted({line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line})
    except OSError:
        return []


def _openblas_thread_functions():
    """``(set, get)`` for the number of threads of the OpenBLAS that NumPy loaded, or None.

    NumPy's wheels ship OpenBLAS under a prefixed name (``scipy_openblas_*64_``);
    other builds may use MKL or Accelerate, which striate leaves alone.
    """
    for path in _openblas_paths():
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix, suffix in (("scipy_", "64_"), ("", "64_"), ("scipy_", ""), ("", "")):
            setter = getattr(lib, f"{prefix}openblas_set_num_threads{suffix}", None)
            getter = getattr(lib, f"{prefix}openblas_get_num_threads{suffix}", None)
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype, getter.restype = [ctypes.c_int], None, ctypes.c_int
                core = getattr(lib, f"{prefix}openblas_get_corename{suffix}", None)
                if core is not None:
                    core.restype = ctypes.c_char_p
                    _OPENBLAS_CORE.append((core() or b"").decode(errors="replace"))
                return setter, getter
    return None


_OPENBLAS_CORE = []
_BLAS_THREADS = _openblas_thread_functions()


def _openblas_core():
    """The CPU core name OpenBLAS chose at run time ('SkylakeX', 'Haswell', ...), or None."""
    return _OPENBLAS_CORE[0] if _OPENBLAS_CORE else None


# OpenBLAS's SkylakeX-class kernels (also chosen on Cooperlake and Sapphire Rapids) multiply
# small matrices (M*N*K <= 1e6) with an AVX-512 kernel that copies nothing; larger ones first
# pack both operands into panels. For the skinny products of a convolution (K*N of a few
# thousand: 3x3 kernels over 16-32 channels) that packing is the slow part: measured on a
# Xeon (Sapphire Rapids), one thread, (8192, 144) @ (144, 16): 78 GFLOP/s in one call,
# 97 in blocks of 434 rows; (8192, 288) @ (288, 32): 106 -> 122.
_SMALL_GEMM_CORES = ("SkylakeX", "Cooperlake", "SapphireRapids")
_SMALL_GEMM_MNK = 1_000_000


def small_gemm_mnk():
    """The largest M*N*K that NumPy's BLAS multiplies without packing (0 when unknown).

    ``STRIATE_SMALL_GEMM_MNK`` overrides it (0 turns blocked products off).
    """
    value = os.environ.get("STRIATE_SMALL_GEMM_MNK")
    if value is not None:
        try:
            return max(0, int(value))
        except ValueError:
            return 0
    return _SMALL_GEMM_DEFAULT


_SMALL_GEMM_DEFAULT = _SMALL_GEMM_MNK if _openblas_core() in _SMALL_GEMM_CORES else 0


def _cores():
    """Cores this process may run on (looked up again at most every second: each step asks
    several times, and the system call costs about 2 us)."""
    global _CORES
    now = time.monotonic()
    if _CORES is None or now - _CORES[1] > 1.0:
        try:
            count = len(os.sched_getaffinity(0))
        except AttributeError:
            count = os.cpu_count() or 1
        _CORES = (count, now)
    return _CORES[0]


_CORES = None


def num_threads():
    """How many threads striate's own parallel loops use.

    ``STRIATE_NUM_THREADS`` if set, else the cores this process may run on. Only
    when striate can make NumPy's BLAS single-threaded for the duration of those
    loops (NumPy's own OpenBLAS on Linux); otherwise 1, so that striate's threads
    never compete with the BLAS's own.
    """
    if _BLAS_THREADS is None:
        return 1
    cores = _cores()
    try:
        return max(1, int(os.environ.get("STRIATE_NUM_THREADS", cores)))
    except ValueError:
        return cores


@contextlib.contextmanager
def blas_threads(n):
    """Context manager: NumPy's OpenBLAS uses ``n`` threads inside the block.

    Convolutions split their batch over striate's own threads, each running
    single-threaded GEMMs on its chunks; there OpenBLAS's threads would only fight
    for the same cores (measured: a conv layer's forward 34 ms with two OpenBLAS
    threads, 15 ms with one, 9 ms with two striate threads of one each). Does
    nothing where the BLAS cannot be controlled.
    """
    if _BLAS_THREADS is None:
        yield
        return
    setter, getter = _BLAS_THREADS
    previous = getter()
    setter(n)
    try:
        yield
    finally:
        setter(previous)


def current_blas_threads():
    """Threads NumPy's BLAS uses now (None when striate cannot tell)."""
    return None if _BLAS_THREADS is None else _BLAS_THREADS[1]()


@contextlib.contextmanager
def striate_threads(enabled=True):
    """Context manager for a whole fit, evaluate or predict: striate's threads do the parallel work.

    The BLAS stays single-threaded for the whole block, and the convolutions and
    large matrix products split their work over :func:`num_threads` threads
    themselves. Switching the BLAS back to several threads between operations
    would cost more than it gains: its idle threads keep spinning for a while after
    each call and take the cores from striate's threads (measured on network (d):
    a training step 103 ms with the BLAS single-threaded throughout, 165 ms switching).

    This pays for convolutions, whose work splits into large independent parts; a
    dense network's small matrix products are faster on the BLAS's own threads,
    which spin between calls where striate's threads must be woken (~50 us), so
    models without convolutions pass ``enabled=False`` and keep the BLAS as it is.
    """
    if enabled and num_threads() > 1:
        with blas_threads(1):
            yield
    else:
        yield
