"""A strict fake CUDA device for CPU tests: CuPy's API, arrays that are not NumPy's.

``fake`` below is an array module that offers exactly the names and keyword arguments
CuPy offers (``_cupy_api.py``, recorded from CuPy itself) and computes with NumPy
underneath, but whose arrays are a distinct type, :class:`ndarray`, that behaves like
``cupy.ndarray`` where host and device meet:

- NumPy functions and ufuncs called on a device array through the ``numpy`` namespace
  raise TypeError, and so does ``numpy.asarray(device_array)`` ("implicit conversion to
  a NumPy array is not allowed"); the fake module's own functions and the arrays'
  methods and operators work;
- a device op that receives a host ``numpy.ndarray`` (an operand, an index, an ``out``,
  a value assigned into a slice) raises TypeError, as CuPy does;
- reductions and integer indexing return 0-d device arrays (CuPy), which ``float()``,
  ``int()``, ``bool()``, ``.item()`` and ``.tolist()`` turn into Python values;
- arrays cross only through ``fake.asarray``/``fake.array`` (host to device) and
  ``fake.asnumpy``/``ndarray.get`` (device to host); :data:`TRANSFERS` counts both.

``register()`` makes it a striate backend named 'fake' (tests only).

>>> import numpy as np
>>> a = fake.asarray(np.arange(3.0))
>>> float((a * 2).sum()), type(a.sum()).__name__
(6.0, 'ndarray')
>>> np.sum(a)
Traceback (most recent call last):
TypeError: Implicit conversion to a NumPy array is not allowed (fake device: numpy.sum called on a device array)
"""

import collections
import operator
import types

import numpy as np

from tests.gpu import _cupy_api as api

__all__ = ["fake", "ndarray", "TRANSFERS", "register", "reset_transfers"]

_IMPLICIT = "Implicit conversion to a NumPy array is not allowed"
TRANSFERS = collections.Counter()  # 'to_device', 'to_host' (calls) and 'to_device_bytes', 'to_host_bytes'


def reset_transfers():
    TRANSFERS.clear()


class _Flags:
    """CuPy's read-only flags: no ``writeable``."""

    __slots__ = ("c_contiguous", "f_contiguous", "owndata")

    def __init__(self, a):
        self.c_contiguous, self.f_contiguous = a.flags.c_contiguous, a.flags.f_contiguous
        self.owndata = a.flags.owndata

    def __getitem__(self, key):
        return getattr(self, {"C_CONTIGUOUS": "c_contiguous", "F_CONTIGUOUS": "f_contiguous",
                              "OWNDATA": "owndata"}[key])


def _host_error(value, where):
    return TypeError(f"Unsupported type {type(value)} (fake device: a host numpy.ndarray reached {where}; "
                     "move it with striate.backend.to_device)")


def _dev(value, where):
    """An argument of a device op, unwrapped to NumPy; host arrays are refused."""
    kind = type(value)
    if kind is ndarray:
        return value._a
    if kind in (int, float, bool, str, slice, type(None), type(Ellipsis), complex):
        return value
    if kind in (list, tuple):
        return kind(_dev(v, where) for v in value)
    if isinstance(value, np.ndarray):
        raise _host_error(value, where)
    return value  # numpy scalars, dtypes, types, callables


def _wrap(value):
    """A NumPy result as device arrays (scalars become 0-d arrays, as CuPy returns)."""
    if isinstance(value, np.ndarray):
        out = ndarray.__new__(ndarray)
        out._a = value
        return out
    if isinstance(value, np.generic):
        out = ndarray.__new__(ndarray)
        out._a = np.asarray(value)
        return out
    if type(value) in (tuple, list):
        return type(value)(_wrap(v) for v in value)
    return value


def _check_kwargs(name, signature, args, kwargs):
    if signature is None:
        return
    bad = [k for k in kwargs if k not in signature]
    if bad:
        raise TypeError(f"{name}() got an unexpected keyword argument {bad[0]!r} (fake device: not in CuPy "
                        f"{api.VERSION}'s signature {signature})")
    if "*" not in signature and len(args) > len(signature):
        raise TypeError(f"{name}() takes at most {len(signature)} positional arguments ({len(args)} given)")


def _device_function(name, fn, signature=None, metadata=False):
    """``fn`` (a NumPy function) as a device function: arguments checked and unwrapped, results wrapped."""
    if metadata:  # dtype and shape queries: device arrays allowed, nothing wrapped
        def call(*args, **kwargs):
            return fn(*(a._a if type(a) is ndarray else a for a in args), **kwargs)
    else:
        def call(*args, **kwargs):
            _check_kwargs(name, signature, args, kwargs)
            where = f"fake.{name}"
            return _wrap(fn(*_dev(args, where), **{k: _dev(v, where) for k, v in kwargs.items()}))
    call.__name__ = call.__qualname__ = name
    return call


class _Ufunc:
    """A device ufunc: call, ``reduce``, ``at`` ... with CuPy's methods only."""

    def __init__(self, name, ufunc):
        self.__name__, self._u = name, ufunc
        self.nin, self.nout = ufunc.nin, ufunc.nout
        for method in api.UFUNC_METHODS:
            setattr(self, method, _device_function(f"{name}.{method}", getattr(ufunc, method)))

    def __call__(self, *args, **kwargs):
        where = f"fake.{self.__name__}"
        return _wrap(self._u(*_dev(args, where), **{k: _dev(v, where) for k, v in kwargs.items()}))

    def __repr__(self):
        return f"<ufunc 'fake_{self.__name__}'>"


def _binary(op):
    def method(self, other):
        return _wrap(op(self._a, _dev(other, f"ndarray.{op.__name__}")))
    return method


def _reflected(op):
    def method(self, other):
        return _wrap(op(_dev(other, f"ndarray.r{op.__name__}"), self._a))
    return method


def _inplace(op):
    def method(self, other):
        op(self._a, _dev(other, f"ndarray.{op.__name__}"))
        return self
    return method


class ndarray:
    """A device array: NumPy storage that NumPy itself may not touch (see the module docstring)."""

    __slots__ = ("_a", "__weakref__")
    __hash__ = None

    def __init__(self, shape, dtype=float, memptr=None, strides=None, order="C"):
        if memptr is not None or strides is not None:
            raise NotImplementedError("fake device: ndarray(memptr=, strides=) is not emulated")
        self._a = np.empty(shape, dtype, order=order)

    # ---- NumPy may not touch it ---------------------------------------------------------
    def __array__(self, dtype=None, copy=None):
        raise TypeError(f"{_IMPLICIT}. Please use `.get()` to construct a NumPy array explicitly.")

    def __array_function__(self, func, types_, args, kwargs):
        raise TypeError(f"{_IMPLICIT} (fake device: numpy.{func.__name__} called on a device array)")

    def __array_ufunc__(self, ufunc, method, *args, **kwargs):
        # ``numpy.float64(2) * device_array`` reaches here through the scalar's operator; CuPy
        # computes it on the device, and so does the fake. Any other NumPy ufunc call is refused.
        if method == "__call__" and not kwargs and any(isinstance(a, np.generic) for a in args) \
                and all(type(a) is ndarray or isinstance(a, (np.generic, int, float, bool)) for a in args):
            return _wrap(ufunc(*(a._a if type(a) is ndarray else a for a in args)))
        raise TypeError(f"{_IMPLICIT} (fake device: numpy.{ufunc.__name__} called on a device array)")

    # ---- facts ----------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    itemsize = property(lambda self: self._a.itemsize)
    nbytes = property(lambda self: self._a.nbytes)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: _Flags(self._a))
    T = property(lambda self: _wrap(self._a.T))
    mT = property(lambda self: _wrap(self._a.mT))
    real = property(lambda self: _wrap(self._a.real))
    imag = property(lambda self: _wrap(self._a.imag))
    base = property(lambda self: None if self._a.base is None else _wrap(self._a.base))
    device = property(lambda self: "fake:0")

    @shape.setter
    def shape(self, value):
        self._a.shape = value

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (self[i] for i in range(len(self._a)))

    def __bool__(self):
        return bool(self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __complex__(self):
        return complex(self._a)

    def __format__(self, spec):
        return format(self._a, spec)

    def __repr__(self):
        return repr(self._a)

    def __str__(self):
        return str(self._a)

    def __copy__(self):
        return _wrap(self._a.copy())

    def __deepcopy__(self, memo):
        return _wrap(self._a.copy())

    def __reduce__(self):
        return (_wrap, (self._a,))  # pickling moves to the host and back, as CuPy's does

    # ---- transfer ----------------------------------------------------------------------
    def get(self, stream=None, order="C", out=None, blocking=True):
        TRANSFERS["to_host"] += 1
        TRANSFERS["to_host_bytes"] += self._a.nbytes
        return np.array(self._a, order=order)

    def set(self, arr, stream=None):
        if not isinstance(arr, np.ndarray):
            raise TypeError(f"Only numpy.ndarray can be set to cupy.ndarray, got {type(arr)}")
        TRANSFERS["to_device"] += 1
        self._a[...] = arr

    def item(self):
        return self._a.item()

    def tolist(self):
        return self._a.tolist()

    # ---- indexing ----------------------------------------------------------------------
    def __getitem__(self, key):
        return _wrap(self._a[_dev(key, "an index")])

    def __setitem__(self, key, value):
        self._a[_dev(key, "an index")] = _dev(value, "ndarray.__setitem__")

    # ---- methods: CuPy's names only ------------------------------------------------------
    def __getattr__(self, attr):
        if attr in _METHODS:
            return _bound(self._a, attr)
        raise AttributeError(f"'cupy.ndarray' (fake device) object has no attribute {attr!r}")

    __add__, __radd__, __iadd__ = _binary(operator.add), _reflected(operator.add), _inplace(operator.iadd)
    __sub__, __rsub__, __isub__ = _binary(operator.sub), _reflected(operator.sub), _inplace(operator.isub)
    __mul__, __rmul__, __imul__ = _binary(operator.mul), _reflected(operator.mul), _inplace(operator.imul)
    __truediv__, __rtruediv__, __itruediv__ = (_binary(operator.truediv), _reflected(operator.truediv),
                                               _inplace(operator.itruediv))
    __floordiv__, __rfloordiv__, __ifloordiv__ = (_binary(operator.floordiv), _reflected(operator.floordiv),
                                                  _inplace(operator.ifloordiv))
    __mod__, __rmod__, __imod__ = _binary(operator.mod), _reflected(operator.mod), _inplace(operator.imod)
    __pow__, __rpow__, __ipow__ = _binary(operator.pow), _reflected(operator.pow), _inplace(operator.ipow)
    __matmul__, __rmatmul__ = _binary(operator.matmul), _reflected(operator.matmul)
    __and__, __rand__, __iand__ = _binary(operator.and_), _reflected(operator.and_), _inplace(operator.iand)
    __or__, __ror__, __ior__ = _binary(operator.or_), _reflected(operator.or_), _inplace(operator.ior)
    __xor__, __rxor__, __ixor__ = _binary(operator.xor), _reflected(operator.xor), _inplace(operator.ixor)
    __lt__, __le__, __gt__, __ge__ = (_binary(operator.lt), _binary(operator.le), _binary(operator.gt),
                                      _binary(operator.ge))
    __eq__, __ne__ = _binary(operator.eq), _binary(operator.ne)

    def __neg__(self):
        return _wrap(-self._a)

    def __pos__(self):
        return _wrap(+self._a)

    def __abs__(self):
        return _wrap(abs(self._a))

    def __invert__(self):
        return _wrap(~self._a)


_METHODS = frozenset(api.NDARRAY) - {"get", "set", "item", "tolist", "shape", "dtype", "ndim", "size",
                                      "itemsize", "nbytes", "strides", "flags", "T", "mT", "real", "imag",
                                      "base", "device", "data", "cstruct", "mdspan", "toDlpack",
                                      "scatter_add", "scatter_max", "scatter_min", "reduced_view"}


def _bound(a, attr):
    method = getattr(a, attr)

    def call(*args, **kwargs):
        where = f"ndarray.{attr}"
        return _wrap(method(*_dev(args, where), **{k: _dev(v, where) for k, v in kwargs.items()}))
    return call


# ---- the module --------------------------------------------------------------------------
def _asarray(a, dtype=None, order=None, *, copy=None, blocking=False):
    """Host data becomes a device array (a counted transfer); device arrays pass."""
    if type(a) is ndarray:
        if dtype is None or np.dtype(dtype) == a.dtype:
            return a
        return _wrap(a._a.astype(dtype))
    if isinstance(a, (list, tuple)) and any(type(v) is ndarray for v in a):
        return _wrap(np.stack([_asarray(v)._a for v in a]).astype(dtype) if dtype else
                     np.stack([_asarray(v)._a for v in a]))
    if isinstance(a, np.ndarray):
        TRANSFERS["to_device"] += 1
        TRANSFERS["to_device_bytes"] += a.nbytes
    return _wrap(np.array(a, dtype=dtype, order=order or "K"))


def _array(obj, dtype=None, copy=True, order="K", subok=False, ndmin=0, blocking=False):
    out = _asarray(obj, dtype)
    if copy and out is obj:
        out = _wrap(obj._a.copy(order=order))
    return out if ndmin <= out.ndim else _wrap(out._a.reshape((1,) * (ndmin - out.ndim) + out.shape))


def _asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if type(a) is ndarray:
        return a.get(order=order)
    return np.asarray(a, order=order)


def _as_strided(x, shape=None, strides=None):
    if type(x) is not ndarray:
        raise _host_error(x, "fake.lib.stride_tricks.as_strided")
    return _wrap(np.lib.stride_tricks.as_strided(x._a, shape=shape, strides=strides))


_METADATA = {"dtype", "result_type", "promote_types", "can_cast", "iinfo", "finfo", "issubdtype", "ndim",
             "shape", "isscalar", "broadcast_shapes", "min_scalar_type", "common_type", "ndindex", "size",
             "get_array_module", "isdtype", "binary_repr", "base_repr", "typename", "mintypecode"}


def _make_module():
    module = types.ModuleType("fake_cupy", "A strict fake of CuPy for CPU tests (tests/gpu/fake_device.py).")
    for name in api.MODULE:
        target = getattr(np, name, None)
        if target is None:
            continue
        if isinstance(target, np.ufunc):
            value = _Ufunc(name, target)
        elif name in _METADATA and callable(target) and not isinstance(target, type):
            value = _device_function(name, target, metadata=True)
        elif isinstance(target, type) or not callable(target):
            value = target  # dtypes, scalar types, constants
        else:
            value = _device_function(name, target, api.SIGNATURES.get(name))
        setattr(module, name, value)
    module.ndarray = ndarray
    module.asarray = module.asanyarray = _asarray
    module.array = _array
    module.asnumpy = _asnumpy
    module.get_array_module = lambda *args: module
    module.ascontiguousarray = _device_function(
        "ascontiguousarray", lambda a, dtype=None: np.ascontiguousarray(a, dtype=dtype), ("a", "dtype"))
    module.is_available = lambda: True

    module.random = _make_random()
    module.linalg = _submodule("fake_cupy.linalg", np.linalg, api.LINALG, {})
    module.fft = _submodule("fake_cupy.fft", np.fft, api.FFT, api.FFT_SIGNATURES)
    stride_tricks = _submodule("fake_cupy.lib.stride_tricks", np.lib.stride_tricks, ["sliding_window_view"],
                               api.STRIDE_SIGNATURES)
    stride_tricks.as_strided = _as_strided
    module.lib = types.ModuleType("fake_cupy.lib")
    module.lib.stride_tricks = stride_tricks
    return module


def _submodule(name, source, names, signatures):
    sub = types.ModuleType(name)
    for n in names:
        target = getattr(source, n, None)
        if target is None:
            continue
        setattr(sub, n, target if isinstance(target, type) else _device_function(n, target, signatures.get(n)))
    return sub


class _Generator:
    """CuPy's ``random.Generator``: only the methods CuPy has, device arrays out."""

    def __init__(self, seed=None):
        self._g = np.random.default_rng(_dev(seed, "fake.random.default_rng"))
        for name in api.GENERATOR:
            method = getattr(self._g, name, None)
            if method is not None:
                setattr(self, name, _device_function(f"Generator.{name}", method,
                                                     api.GENERATOR_SIGNATURES.get(name)))


def _make_random():
    rand = types.ModuleType("fake_cupy.random")
    for name in api.RANDOM:
        target = getattr(np.random, name, None)
        if target is not None and callable(target) and not isinstance(target, type):
            setattr(rand, name, _device_function(f"random.{name}", target))
    rand.default_rng = _Generator
    rand.Generator = _Generator
    return rand


fake = _make_module()


def register():
    """Register the fake as striate backend 'fake' (``set_backend('fake')``)."""
    from striate import backend

    backend.register_backend("fake", lambda: backend.Backend("fake", fake, _asarray, _asnumpy))
    return fake


def check_no_host_arrays(obj, where="value"):
    """Raise AssertionError naming the first host ndarray found in a nested structure."""
    if isinstance(obj, np.ndarray):
        raise AssertionError(f"host numpy.ndarray in {where}: shape {obj.shape}")
    if isinstance(obj, dict):
        for k, v in obj.items():
            check_no_host_arrays(v, f"{where}[{k!r}]")
    elif isinstance(obj, (list, tuple)):
        for i, v in enumerate(obj):
            check_no_host_arrays(v, f"{where}[{i}]")

