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
import gc
import os
import sys
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




# Threads, the BLAS and deterministic mode (_threads.py) and the allocator (_allocator.py) live
# in their own modules; their public names are part of this one's API.
from striate._allocator import ALLOCATOR_TUNED  # noqa: E402,F401
from striate._threads import (DETERMINISTIC_PARTS, blas_threads, current_blas_threads,  # noqa: E402,F401
                              disable_deterministic, enable_deterministic, is_deterministic, num_threads,
                              small_gemm_mnk, striate_threads)

if os.environ.get("STRIATE_BACKEND"):
    set_backend(os.environ["STRIATE_BACKEND"])
