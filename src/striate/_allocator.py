"""How striate asks glibc to keep freed memory (applied once, at import, by ``striate.backend``)."""

import ctypes
import ctypes.util
import os
import sys

__all__ = ["ALLOCATOR_TUNED"]

# glibc's mallopt parameters (malloc.h)
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


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
    if os.environ.get("STRIATE_KEEP_FREED_MEMORY", "1") == "0" or not sys.platform.startswith("linux") \
            or os.environ.get("STRIATE_BACKEND", "numpy").lower() != "numpy":  # device memory is CuPy's pool
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
