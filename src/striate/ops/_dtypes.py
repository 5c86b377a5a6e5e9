"""Keras 3's dtype rules, written once for every op.

Keras promotes dtypes along JAX's lattice: ``bool < ints < floats``; an integer
meeting a float becomes that float (``int64 + float32 -> float32``), signed and
unsigned integers meet in the next wider signed type (``uint8 + int8 -> int16``),
and Python numbers are *weak*: they take the array's type (``int8 array + 1 ->
int8``, ``int32 array + 1.0 -> floatx()``). striate keeps 64-bit results where
both sides are 64-bit (``float64 + float32 -> float64``); Keras's torch and JAX
backends narrow them to 32 bits in some ops and not others (see docs/ops.md).

>>> from striate.ops._dtypes import result_type
>>> result_type("int32", "float16"), result_type("uint8", "int8"), result_type("int8", int)
('float16', 'int16', 'int8')
"""

from striate import backend
from striate.backend import xp

__all__ = ["standardize_dtype", "result_type", "dtype_of", "is_float", "float_dtype", "name_of"]

_INTS = ("int8", "int16", "int32", "int64")
_UINTS = ("uint8", "uint16", "uint32", "uint64")
_FLOATS = ("float16", "float32", "float64")
_ALLOWED = ("bool",) + _INTS + _UINTS + _FLOATS
_PYTHON = {bool: "bool", int: "int32", float: None}  # None: floatx() at call time
_KNOWN = {}  # dtype arguments already standardised
_NAMES = {}  # NumPy dtype -> name


def standardize_dtype(dtype, caller="ops"):
    """A dtype argument (str, NumPy dtype or type, Python ``int``/``float``/``bool``) as its name.

    Raises:
        TypeError: for dtypes striate does not support (complex, strings, bfloat16 ...).
    """
    if dtype is None:
        return backend.floatx()
    if dtype in _PYTHON:
        return _PYTHON[dtype] or backend.floatx()
    try:
        return _KNOWN[dtype]  # the hot path: a dtype seen before
    except (KeyError, TypeError):
        pass
    if isinstance(dtype, str) and dtype == "bfloat16":
        raise TypeError(f"{caller}: dtype 'bfloat16' is not supported (NumPy has no bfloat16); "
                        "use 'float16' or 'float32'")
    try:
        name = xp.dtype(dtype).name
    except TypeError as error:
        raise TypeError(f"{caller}: expected a dtype, got {dtype!r}") from error
    if name not in _ALLOWED:
        raise TypeError(f"{caller}: dtype must be one of {_ALLOWED}, got {name!r}")
    _KNOWN[dtype] = name
    return name


def name_of(dtype):
    """The name of a NumPy dtype (``dtype.name`` costs microseconds; this is a dictionary look-up)."""
    try:
        return _NAMES[dtype]
    except KeyError:
        _NAMES[dtype] = dtype.name
        return _NAMES[dtype]


def dtype_of(value):
    """``(name, weak)`` for a Tensor, array, NumPy scalar or Python number."""
    kind = type(value)
    if kind is bool:
        return "bool", False
    if kind is int or kind is float:
        return kind.__name__, True  # Python numbers are weak; NumPy scalars are not
    dtype = getattr(value, "dtype", None)
    return name_of(dtype if isinstance(dtype, xp.dtype) else xp.asarray(value).dtype), False


def is_float(dtype):
    """Whether ``dtype`` (a NumPy dtype or a name) is a float type."""
    kind = getattr(dtype, "kind", None)  # NumPy dtypes: a cheap attribute, no string formatting
    return kind == "f" if kind is not None else str(dtype).startswith("float")


def float_dtype(dtype):
    """The float type an op on ``dtype`` computes in: floats keep theirs, ints and bools get ``floatx()``."""
    if not is_float(dtype):
        return backend.floatx()
    return name_of(dtype) if isinstance(dtype, xp.dtype) else str(dtype)


def _bits(name):
    return int("".join(c for c in name if c.isdigit()))


def _join_ints(names):
    signed = [_bits(n) for n in names if n.startswith("int")]
    unsigned = [_bits(n) for n in names if n.startswith("uint")]
    if not unsigned:
        return f"int{max(signed)}"
    if not signed:
        return f"uint{max(unsigned)}"
    wide = max(max(signed), 2 * max(unsigned))
    return f"int{wide}" if wide <= 64 else None  # uint64 with a signed int: a float (as JAX)


def result_type(*values):
    """The dtype name of an op on ``values`` (dtypes, arrays, Tensors or Python numbers) by Keras's rules.

    >>> result_type("float16", "float32"), result_type("bool", int), result_type(1, 2.0)
    ('float32', 'int32', 'float32')
    """
    first = getattr(values[0], "dtype", None) if values else None
    if isinstance(first, xp.dtype) and all(getattr(v, "dtype", None) is first for v in values[1:]):
        return name_of(first)  # the hot path: tensors of one dtype
    strong, weak = [], set()
    for v in values:
        if v is int or v is float:
            name, is_weak = v.__name__, True
        elif isinstance(v, (str, type, xp.dtype)):
            name, is_weak = standardize_dtype(v, caller="result_type"), False
        else:
            name, is_weak = dtype_of(v)
        (weak.add(name) if is_weak else strong.append(name))
    floats = [n for n in strong if is_float(n)]
    if floats:
        if set(floats) == {"float16"}:
            return "float16"
        return f"float{max(_bits(n) for n in floats)}"
    ints = [n for n in strong if n != "bool"]
    if "float" in weak:
        return backend.floatx()
    if ints:
        return _join_ints(ints) or backend.floatx()
    if "int" in weak:
        return "int32"
    return "bool" if strong else backend.floatx()

