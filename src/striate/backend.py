"""The one place that chooses the array module and the default float type.

Everything numeric in striate reaches its array module through ``xp`` from here:
NumPy by default, CuPy on a CUDA GPU (``STRIATE_BACKEND=cupy`` before import, or
:func:`set_backend` before any model is built). ``xp`` is a small proxy that
forwards each attribute to the current module and caches it on itself, so
``from striate.backend import xp`` in every engine file keeps working after a
switch, and a hot-path ``xp.matmul`` costs one attribute lookup.

The host/device rule (docs/gpu.md): engine code (autograd, layers, models,
optimizers, losses, metrics, functional, tensor, signal, callbacks,
initializers, random) never imports NumPy; it uses ``xp`` for arrays that live
with the model and :data:`host` for host-side bookkeeping (random state, shuffled
indices). Boundary code (datasets, saving, utils, viz, explain) works on NumPy
arrays and converts explicitly with :func:`to_host` and :func:`to_device`.

>>> from striate import backend
>>> backend.floatx(), backend.name(), backend.is_numpy()
('float32', 'numpy', True)
>>> backend.to_host(backend.xp.arange(3)).tolist()
[0, 1, 2]
"""

import contextlib
import ctypes
import ctypes.util
import gc
import os
import sys
import time
import types
import weakref

import numpy as host  # the host array module: the only NumPy import of the engine

__all__ = ["xp", "host", "set_backend", "name", "is_numpy", "available_backends", "register_backend",
           "to_host", "to_device", "uses_host_threads", "errstate", "strided_view", "as_strided", "on_backend_change",
           "floatx", "set_floatx", "floatx_scope", "epsilon", "set_epsilon", "to_array",
           "unique_name", "clear_session", "num_threads", "blas_threads", "current_blas_threads",
           "striate_threads", "enable_deterministic", "disable_deterministic", "is_deterministic",
           "DETERMINISTIC_PARTS", "small_gemm_mnk"]


# ---- the array module --------------------------------------------------------------
class Backend:
    """One array module and how arrays cross between it and the host.

    Args:
        name: what :func:`name` returns ('numpy', 'cupy').
        module: the array module (NumPy's API).
        to_device, to_host: functions moving one array (or array-like) in and out.
        host_threads: whether striate's own CPU machinery applies (OpenBLAS thread
            control, batch splits over threads): True only where arrays live in host memory.
    """

    def __init__(self, name, module, to_device, to_host, host_threads=False):
        self.name, self.module, self.host_threads = name, module, host_threads
        self.to_device, self.to_host = to_device, to_host


def _numpy_backend():
    return Backend("numpy", host, host.asarray, host.asarray, host_threads=True)


def _cupy_backend():
    """CuPy on the current CUDA device; a clear error when either is missing."""
    try:
        import cupy
    except ImportError as error:
        raise RuntimeError("set_backend('cupy'): CuPy is not installed (pip install 'striate[gpu]', which "
                           f"installs cupy-cuda12x for a CUDA 12 driver): {error}") from None
    try:
        devices = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError without a driver or device
        raise RuntimeError(f"set_backend('cupy'): CuPy found no usable CUDA device ({error})") from None
    if devices < 1:
        raise RuntimeError("set_backend('cupy'): CuPy found no CUDA device")
    return Backend("cupy", cupy, cupy.asarray, cupy.asnumpy)


_LOADERS = {"numpy": _numpy_backend, "cupy": _cupy_backend}
_CURRENT = _numpy_backend()
_SWITCH_HOOKS = []
_WEIGHTS = weakref.WeakSet()  # every Variable made, to refuse a switch while weights exist


def _make_proxy():
    """``xp``: a module object whose attributes are the current array module's.

    A looked-up attribute is stored in the proxy's own ``__dict__`` by a PEP 562
    ``__getattr__``; the next lookup finds it there exactly as it finds a module
    attribute (timeit: 21.8 ns for ``xp.matmul``, 21.9 ns for ``numpy.matmul``).
    :func:`set_backend` empties that cache.
    """
    proxy = types.ModuleType("striate.backend.xp", "The current array module (NumPy or CuPy).")

    def __getattr__(attr):
        if attr.startswith("__"):  # copy/pickle/inspect probes: not the array module's
            raise AttributeError(attr)
        value = getattr(_CURRENT.module, attr)
        setattr(proxy, attr, value)
        return value

    proxy.__getattr__ = __getattr__
    proxy.__dir__ = lambda: dir(_CURRENT.module)
    return proxy


xp = _make_proxy()
_PROXY_KEYS = frozenset(vars(xp))


def _clear_proxy():
    for key in [k for k in vars(xp) if k not in _PROXY_KEYS]:
        delattr(xp, key)


def name():
    """The current backend's name: 'numpy' or 'cupy' (or one registered for tests)."""
    return _CURRENT.name


def is_numpy():
    """Whether arrays live in host memory as NumPy arrays (the default backend)."""
    return _CURRENT.module is host


def available_backends():
    """Names :func:`set_backend` accepts (whether their hardware exists is checked on use)."""
    return tuple(_LOADERS)


def register_backend(backend_name, loader):
    """Make ``set_backend(backend_name)`` call ``loader()`` for a :class:`Backend`
    (the test suite registers a fake device this way)."""
    _LOADERS[str(backend_name)] = loader


def on_backend_change(hook):
    """Call ``hook()`` after every switch: caches that hold arrays of the old module drop them."""
    _SWITCH_HOOKS.append(hook)
    return hook


def _live_weights():
    gc.collect()  # layers reference their weights in cycles
    return [w for w in list(_WEIGHTS) if getattr(w, "data", None) is not None]


def set_backend(backend_name):
    """Choose the array module: 'numpy' (default) or 'cupy' (a CUDA GPU through CuPy).

    Call it before building models (``STRIATE_BACKEND=cupy`` does it at import).
    Weights are not moved: a switch while any layer weight (Variable) is alive
    raises instead, because the old arrays would mix with the new module's.

    Raises:
        ValueError: for an unknown name.
        RuntimeError: when CuPy or a CUDA device is missing, or weights exist.
    """
    backend_name = str(backend_name).lower()
    if backend_name not in _LOADERS:
        raise ValueError(f"set_backend: expected one of {sorted(_LOADERS)}, got {backend_name!r}")
    if backend_name == _CURRENT.name:
        return
    loaded = _LOADERS[backend_name]()  # a missing CuPy or device is the first thing to report
    live = _live_weights()
    if live:
        paths = sorted({str(getattr(w, "path", None)) for w in live})[:5]
        raise RuntimeError(f"set_backend({backend_name!r}): {len(live)} weights already exist on the "
                           f"{_CURRENT.name} backend (e.g. {paths}); call set_backend before building "
                           "models (or delete them first)")
    _switch(backend_name, loaded)


def _switch(backend_name, loaded=None):
    """Make ``backend_name`` current without the live-weights check (tests that keep their own
    weights apart use it; everything else calls :func:`set_backend`)."""
    global _CURRENT
    _CURRENT = loaded or _LOADERS[backend_name]()  # raises before anything changes
    _clear_proxy()
    for hook in _SWITCH_HOOKS:
        hook()


def _track_weight(variable):
    """Called by every new Variable (see :func:`set_backend`)."""
    _WEIGHTS.add(variable)


def uses_host_threads():
    """Whether striate's CPU machinery applies: its thread pool, OpenBLAS thread control and
    the batch splits (NumPy only; off on a GPU backend)."""
    return _CURRENT.host_threads


def errstate(**kwargs):
    """``numpy.errstate(**kwargs)`` on NumPy; on a GPU backend (no floating-point error
    flags: CuPy has no ``errstate``) a context that does nothing."""
    return host.errstate(**kwargs) if _CURRENT.module is host else contextlib.nullcontext()


def to_device(array):
    """``array`` (NumPy, a list, a number) as an array of the current module: a host-to-device
    copy on CuPy, no copy on NumPy. Device arrays pass unchanged."""
    return _CURRENT.to_device(array)


def to_host(array, copy=False):
    """``array`` as a NumPy array: a device-to-host copy on CuPy, no copy on NumPy (unless
    ``copy``). Host arrays pass unchanged."""
    if copy and _CURRENT.module is host:
        return host.array(array)
    return _CURRENT.to_host(array)


def as_strided(x, shape, strides, writeable=True):
    """``lib.stride_tricks.as_strided`` of the current module; ``writeable=False`` applies on
    NumPy only (CuPy has no read-only arrays)."""
    if _CURRENT.module is host:
        return host.lib.stride_tricks.as_strided(x, shape=shape, strides=strides, writeable=writeable)
    return xp.lib.stride_tricks.as_strided(x, shape=shape, strides=strides)


def strided_view(src, shape, strides):
    """A view of the contiguous array ``src`` with ``shape`` and byte ``strides``, no copy.

    NumPy builds it with the ``ndarray`` constructor (3x cheaper than ``as_strided``,
    which the conv primitives would call thousands of times per epoch); other modules
    through ``lib.stride_tricks.as_strided``.
    """
    if _CURRENT.module is host:
        return host.ndarray(shape, src.dtype, src, 0, strides)
    return xp.lib.stride_tricks.as_strided(src, shape=shape, strides=strides)


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
    kept = isinstance(value, (xp.ndarray, host.ndarray)) and value.dtype.kind in "fbiu"
    if not isinstance(value, xp.ndarray):
        value = to_device(value)  # the API boundary: a Tensor or Variable made from host data
    if dtype is not None:
        return xp.asarray(value, dtype=dtype)
    if kept or value.dtype.kind != "f":
        return value
    return value.astype(_FLOATX, copy=False)


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


# ---- threads ---------------------------------------------------------------------------
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
    if not _CURRENT.host_threads:
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
    if _BLAS_THREADS is None or not _CURRENT.host_threads:  # a GPU backend runs no CPU threads of ours
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
    if _BLAS_THREADS is None or _DETERMINISTIC or not _CURRENT.host_threads:  # deterministic: one throughout
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


if os.environ.get("STRIATE_BACKEND"):
    set_backend(os.environ["STRIATE_BACKEND"])
