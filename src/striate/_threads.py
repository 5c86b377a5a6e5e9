"""striate's threads, NumPy's BLAS threads and deterministic mode (public through ``striate.backend``).

striate splits a convolution's batch (and batch norm, pooling, large matrix
products) over its own threads while NumPy's OpenBLAS runs single-threaded
(:func:`striate_threads`); deterministic mode fixes every split so that results
do not depend on the thread count (docs/determinism.md). The OpenBLAS that NumPy
loaded is found in the process's memory map and controlled through its C API.

>>> from striate import backend
>>> backend.num_threads() >= 1, backend.is_deterministic()
(True, False)
"""

import contextlib
import ctypes
import os
import sys
import time

import striate.backend as backend  # partly initialised while it imports this module: read at call time

__all__ = ["num_threads", "blas_threads", "current_blas_threads", "striate_threads", "enable_deterministic",
           "disable_deterministic", "is_deterministic", "DETERMINISTIC_PARTS", "small_gemm_mnk"]


def _openblas_thread_functions():
    """``(set, get)`` for the number of threads of the OpenBLAS that NumPy loaded, or None.

    NumPy's wheels ship OpenBLAS under a prefixed name (``scipy_openblas_*64_``);
    other builds may use MKL or Accelerate, which striate leaves alone.
    """
    if not sys.platform.startswith("linux"):
        return None
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split()[-1] for line in maps if "openblas" in line.lower() and "/" in line}
    except OSError:
        return None
    for path in sorted(paths):
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
    """The largest M*N*K that NumPy's BLAS multiplies without packing (0 when unknown, or on
    a GPU backend). ``STRIATE_SMALL_GEMM_MNK`` overrides it (0 turns blocked products off).
    """
    if not backend.uses_host_threads():
        return 0
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


# ---- determinism ---------------------------------------------------------------------
# In deterministic mode every split of work has this many parts, whatever the thread count.
DETERMINISTIC_PARTS = 8
_DETERMINISTIC = False
_BLAS_THREADS_BEFORE = None


def enable_deterministic():
    """Make results independent of the number of threads (opt-in; see docs/determinism.md).

    By default a result is bit-identical only when repeated with the same seed, on the same
    machine, with the same ``STRIATE_NUM_THREADS`` (and batch size): striate splits each batch
    into one part per thread and OpenBLAS may pick other kernels for other part sizes, so
    another thread count rounds differently in the last bits. Here instead:

    - every split (convolutions, batch norm, pooling, large matrix products) cuts the work
      into :data:`DETERMINISTIC_PARTS` parts fixed by the data's size, which the threads share
      out; partial sums are added in part order;
    - NumPy's BLAS runs single-threaded everywhere, also outside ``fit``.

    So any thread count gives the same bits on one machine. Different CPUs or BLAS builds
    still differ in the last bits. The cost is measured in docs/determinism.md.
    Also available as ``striate.config.enable_op_determinism()`` (TensorFlow's name).
    """
    global _DETERMINISTIC, _BLAS_THREADS_BEFORE
    if not _DETERMINISTIC and _BLAS_THREADS is not None:
        _BLAS_THREADS_BEFORE = _BLAS_THREADS[1]()
        _BLAS_THREADS[0](1)
    _DETERMINISTIC = True


def disable_deterministic():
    """Leave deterministic mode: one part per thread again and the BLAS's own threads back."""
    global _DETERMINISTIC, _BLAS_THREADS_BEFORE
    if _DETERMINISTIC and _BLAS_THREADS is not None and _BLAS_THREADS_BEFORE is not None:
        _BLAS_THREADS[0](_BLAS_THREADS_BEFORE)
    _DETERMINISTIC, _BLAS_THREADS_BEFORE = False, None


def is_deterministic():
    """Whether :func:`enable_deterministic` is in effect."""
    return _DETERMINISTIC


def num_threads():
    """How many threads striate's own parallel loops use.

    ``STRIATE_NUM_THREADS`` if set, else the cores this process may run on. Only
    when striate can make NumPy's BLAS single-threaded for the duration of those
    loops (NumPy's own OpenBLAS on Linux); otherwise 1, so that striate's threads
    never compete with the BLAS's own.
    """
    if _BLAS_THREADS is None or not backend.uses_host_threads():  # a GPU backend runs no CPU threads of ours
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
    if _BLAS_THREADS is None or _DETERMINISTIC or not backend.uses_host_threads():  # deterministic: one throughout
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
