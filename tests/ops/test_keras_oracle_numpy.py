"""Keras 3 as the oracle of the NumPy-like ops: same inputs, same values, shapes and dtypes.

Every case runs striate twice, on arrays and on Tensors, and compares both with
``keras.ops`` on the torch backend within float32 rounding. A second grid checks
the result dtype of each op over input dtypes (Keras's promotion rules).
"""

import numpy as np
import pytest

import striate
from striate import ops
from tests.ops.keras_oracle import assert_close, dtype_name, load_keras, to_numpy

keras = load_keras()
# Keras on torch converts through a NumPy-2 deprecated path; not ours to fix
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
RNG = np.random.default_rng(0)
X = RNG.uniform(-1, 1, (2, 3, 4)).astype("float32")
POS = RNG.uniform(0.2, 2, (2, 3, 4)).astype("float32")
UNIT = RNG.uniform(-0.9, 0.9, (2, 3, 4)).astype("float32")
Y = RNG.uniform(-1, 1, (3, 4)).astype("float32")
M = RNG.uniform(-1, 1, (4, 5)).astype("float32")
I = RNG.integers(0, 3, (3, 4)).astype("int32")


def _tensors(value):
    if isinstance(value, np.ndarray):
        return striate.Tensor(value)
    if isinstance(value, list) and value and isinstance(value[0], np.ndarray):
        return [striate.Tensor(v) for v in value]
    return value


def run_both(name, args, kwargs):
    """striate's result on arrays, checked equal to its result on Tensors, and Keras's result."""
    fn = getattr(ops, name)
    out = fn(*args, **kwargs)
    tensor_out = fn(*[_tensors(a) for a in args], **kwargs)
    flat, flat_t = (out, tensor_out) if isinstance(out, (tuple, list)) else ((out,), (tensor_out,))
    for a, t in zip(flat, flat_t):
        assert isinstance(t, striate.Tensor) and isinstance(a, np.ndarray)
        np.testing.assert_array_equal(a, t.data)
    return out, getattr(keras.ops, name)(*args, **kwargs)


CASES = [(n, (x,), {}) for n, x in [
    ("exp", X), ("expm1", X), ("log", POS), ("log1p", POS), ("log2", POS), ("log10", POS), ("sqrt", POS),
    ("cbrt", X), ("rsqrt", POS), ("sin", X), ("cos", X), ("tan", X), ("arcsin", UNIT), ("arccos", UNIT),
    ("arctan", X), ("sinh", X), ("cosh", X), ("tanh", X), ("arcsinh", X), ("arccosh", POS + 1),
    ("arctanh", UNIT), ("erf", X), ("erfinv", UNIT), ("abs", X), ("square", X), ("negative", X), ("sign", X),
    ("floor", X * 3), ("ceil", X * 3), ("trunc", X * 3), ("round", X * 3), ("reciprocal", POS),
    ("deg2rad", X), ("rad2deg", X), ("isnan", X), ("isfinite", X), ("exp2", X), ("sinc", X),
    ("logical_not", X > 0), ("signbit", X), ("ravel", X), ("copy", X), ("fliplr", Y), ("flipud", Y),
    ("nonzero", X > 0.3), ("diag", Y), ("tril", X), ("triu", X), ("corrcoef", Y), ("relu", X), ("sigmoid", X),
]] + [(n, (X, Y), {}) for n in [
    "add", "subtract", "multiply", "divide", "maximum", "minimum", "arctan2", "hypot", "logaddexp",
    "equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and", "logical_or",
    "logical_xor", "fmod", "mod", "floor_divide", "divide_no_nan", "true_divide", "copysign", "heaviside",
    "logaddexp2", "nextafter",
]] + [
    ("power", (POS, Y), {}), ("matmul", (X, M), {}), ("dot", (Y, M), {}), ("outer", (Y, M), {}),
    ("inner", (X, Y), {}), ("vdot", (Y, Y), {}), ("kron", (Y, M[:2, :2]), {}), ("cross", (X[..., :3], Y[:, :3]), {}),
    ("tensordot", (X, M), {"axes": 1}), ("tensordot", (X, Y), {"axes": ([1, 2], [0, 1])}),
    ("einsum", ("bij,jk->bik", X, M), {}), ("einsum", ("ij,ij->", Y, Y), {}), ("einsum", ("...j,j", X, Y[0]), {}),
    ("clip", (X, -0.3, 0.4), {}), ("where", (X > 0, X, Y), {}), ("where", (X > 0, 1.0, X), {}),
    ("reshape", (X, (4, -1)), {}), ("transpose", (X, (2, 0, 1)), {}), ("expand_dims", (X, 1), {}),
    ("squeeze", (X[:, :1], 1), {}), ("concatenate", ([X, X], 2), {}), ("stack", ([Y, Y], 1), {}),
    ("split", (X, 2, 2), {}), ("split", (X, [1, 3], 2), {}), ("tile", (Y, (2, 1)), {}), ("repeat", (Y, 2, 0), {}),
    ("pad", (Y, ((1, 0), (2, 1))), {}), ("pad", (Y, ((2, 1), (1, 2))), {"mode": "reflect"}),
    ("pad", (Y, ((1, 2), (2, 1))), {"constant_values": 3}),
    ("flip", (X, 1), {}), ("flip", (X,), {}), ("roll", (X, 2, 2), {}), ("roll", (X, -3), {}),
    ("rot90", (X,), {}), ("rot90", (X, 2, (1, 2)), {}), ("swapaxes", (X, 0, 2), {}),
    ("moveaxis", (X, 0, -1), {}), ("broadcast_to", (Y, (2, 3, 4)), {}), ("take", (X, I, 1), {}),
    ("take", (X, [0, 5, 7]), {}), ("take_along_axis", (X, np.argsort(X, axis=2), 2), {}),
    ("sort", (X, 1), {}), ("argsort", (X, 1), {}), ("diagonal", (X, 1, 1, 2), {}), ("trace", (X, 0, 1, 2), {}),
    ("diff", (X, 1, 1), {}), ("cumsum", (X, 1), {}), ("cumprod", (X, 2), {}), ("cumsum", (X,), {}),
    ("append", (X, Y), {}), ("hstack", ([Y, Y],), {}), ("vstack", ([Y, Y],), {}), ("dstack", ([Y, Y],), {}),
    ("meshgrid", (Y[0], M[0]), {}), ("meshgrid", (Y[0], M[0]), {"indexing": "ij"}), ("digitize", (X, [0.0, 0.5]), {}),
    ("searchsorted", (np.sort(Y[0]), X), {}), ("isin", (I, [1, 2]), {}), ("correlate", (Y[0], M[0]), {}),
    ("correlate", (Y[0], M[0]), {"mode": "full"}), ("vander", (Y[0],), {}), ("trapezoid", (X,), {"axis": 1}),
    ("select", ([X > 0.5, X < -0.5], [X, -X]), {}), ("nan_to_num", (X,), {}), ("diagflat", (Y[0],), {}),
    ("get_item", (X, 1), {}), ("triu", (X, 1), {}), ("tril", (X, -1), {}), ("ldexp", (X, I[0]), {}),
    ("isclose", (X, X + 1e-7), {}), ("allclose", (X, X), {}), ("count_nonzero", (I, 1), {}),
]
for name in ["sum", "mean", "max", "min", "prod", "std", "var", "any", "all", "amax", "amin", "ptp", "median",
             "logsumexp", "nansum", "nanmean", "nanmax", "nanmin", "nanstd", "nanvar", "nanprod", "nanmedian"]:
    CASES += [(name, (X,), {}), (name, (X,), {"axis": 1}), (name, (X,), {"axis": (0, 2), "keepdims": True})]
for name in ["argmax", "argmin", "nanargmax", "nanargmin"]:
    CASES += [(name, (X,), {}), (name, (X,), {"axis": -1})]
CASES += [("quantile", (X, 0.3), {}), ("quantile", (X, [0.2, 0.7]), {"axis": 1}),
          ("percentile", (X, [10, 90]), {"axis": (0, 2), "keepdims": True}),
          ("quantile", (X, 0.5), {"axis": 1, "method": "midpoint"}), ("nanquantile", (X, 0.4), {"axis": 2}),
          ("nanpercentile", (X, 30), {}), ("average", (X,), {"axis": 1, "weights": [0.1, 0.4, 1.0]})]


def _case_id(case):
    name, args, kwargs = case
    return f"{name}-{len(args)}-{'-'.join(map(str, kwargs))}"


@pytest.mark.parametrize("name, args, kwargs", CASES, ids=[_case_id(c) for c in CASES])
def test_values_shapes_and_dtypes_match_keras(name, args, kwargs):
    if not hasattr(keras.ops, name):
        pytest.skip(f"keras.ops has no {name}")
    try:
        ours, theirs = run_both(name, args, kwargs)
    except (RuntimeError, NotImplementedError) as error:  # raised by Keras's torch backend only
        pytest.skip(f"Keras on torch cannot run this case: {str(error).splitlines()[0][:80]}")
    if not isinstance(ours, (tuple, list)):
        ours, theirs = (ours,), (theirs,)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        expected = to_numpy(keras, b)
        assert a.shape == expected.shape
        assert a.dtype.name == dtype_name(keras, b), f"{name}: {a.dtype} vs Keras {dtype_name(keras, b)}"
        assert_close(a, expected)


DTYPES = ["bool", "uint8", "int8", "int16", "int32", "float16", "float32"]
BINARY_DTYPE_OPS = ["add", "multiply", "maximum", "minimum", "divide", "equal", "where", "power", "subtract"]


def _array(dtype):
    return (np.array([1, 0, 2]) > 0).astype(dtype) if dtype == "bool" else np.array([1, 3, 2]).astype(dtype)


@pytest.mark.parametrize("other", DTYPES + [int, float], ids=DTYPES + ["py-int", "py-float"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", BINARY_DTYPE_OPS)
def test_binary_result_dtypes_match_keras(name, dtype, other):
    a = _array(dtype)
    b = other(2) if other in (int, float) else _array(other)
    if name in ("divide", "power") and other == "bool":
        b = np.ones(3, dtype=bool)  # no division by zero
    if name == "subtract" and "bool" in (dtype, str(getattr(b, "dtype", ""))):
        pytest.skip("boolean subtraction is an error in both")
    args = (a > 1, a, b) if name == "where" else (a, b)
    try:
        theirs = getattr(keras.ops, name)(*args)
    except (RuntimeError, NotImplementedError) as error:
        pytest.skip(f"Keras on torch cannot run {name} on these dtypes: {type(error).__name__}")
    ours = getattr(ops, name)(*args)
    assert ours.dtype.name == dtype_name(keras, theirs)
    assert_close(ours, to_numpy(keras, theirs), "float16")


UNARY_DTYPE_OPS = ["abs", "square", "sqrt", "exp", "sign", "floor", "ceil", "round", "negative", "sum", "mean",
                   "prod", "cumsum", "cumprod", "max", "argmax", "var", "std", "any", "relu", "sigmoid",
                   "logsumexp", "log1p", "sin", "clip", "ones_like", "zeros_like", "count_nonzero", "argsort", "sort",
                   "transpose", "tril", "trace", "norm", "isnan", "trunc", "reciprocal", "median", "diff"]


KEEPS_64_BITS = {"floor", "ceil", "prod", "cumsum", "cumprod", "var", "norm", "median"}


@pytest.mark.parametrize("dtype", DTYPES + ["int64", "float64"])
@pytest.mark.parametrize("name", UNARY_DTYPE_OPS)
def test_unary_result_dtypes_match_keras(name, dtype):
    x = np.array([[1, 0, 2], [3, 1, 0]]).astype(dtype)
    if name == "reciprocal":
        x = x + 1  # no division by zero
    args = (x, 0, 2) if name == "clip" else (x,)
    try:
        theirs = getattr(keras.ops, name)(*args)
    except (RuntimeError, NotImplementedError, TypeError, ValueError) as error:
        pytest.skip(f"Keras cannot run {name} on {dtype}: {type(error).__name__}")
    ours = getattr(ops, name)(*args)
    if name in KEEPS_64_BITS and (dtype == "float64" or (dtype == "int64" and name in {"prod", "cumsum", "cumprod"})):
        # documented departure: Keras's torch backend narrows these to 32 bits, striate keeps 64
        assert ours.dtype.name == dtype
    else:
        assert ours.dtype.name == dtype_name(keras, theirs), f"{name}({dtype}): {ours.dtype} vs Keras"
    assert_close(ours, to_numpy(keras, theirs), "float16")


def test_creation_matches_keras():
    for name, args, kwargs in [("ones", ((2, 3),), {}), ("zeros", ((2,),), {"dtype": "int32"}),
                               ("full", ((2, 2), 3), {}), ("full", ((2,), 3), {"dtype": "int32"}),
                               ("arange", (5,), {}), ("arange", (1.0, 4.0, 0.5), {}), ("arange", (2, 9, 3), {}),
                               ("linspace", (0, 1, 5), {}), ("linspace", (0, 2, 4), {"endpoint": False}),
                               ("logspace", (0, 2, 5), {}), ("eye", (3, 4), {"k": 1}), ("identity", (3,), {}),
                               ("tri", (3, 4), {"k": -1}), ("ones_like", (I,), {}), ("full_like", (X, 2), {}),
                               ("zeros_like", (X,), {"dtype": "int8"}), ("geomspace", (1, 100, 3), {})]:
        ours, theirs = getattr(ops, name)(*args, **kwargs), getattr(keras.ops, name)(*args, **kwargs)
        assert ours.shape == tuple(theirs.shape), name
        assert ours.dtype.name == dtype_name(keras, theirs), f"{name}{args}: {ours.dtype}"
        assert_close(ours, to_numpy(keras, theirs))


def test_shape_size_ndim_and_conversions_match_keras():
    assert ops.shape(X) == tuple(keras.ops.shape(X))
    assert ops.ndim(X) == keras.ops.ndim(X)
    assert ops.size(X) == int(keras.ops.size(X))
    for value in ([1, 2], [1.0, 2.0], 3, 2.5, True, X, I):
        ours, theirs = ops.convert_to_tensor(value), keras.ops.convert_to_tensor(value)
        assert isinstance(ours, striate.Tensor) and ours.dtype.name == dtype_name(keras, theirs)
        assert type(ops.convert_to_numpy(ours)) is np.ndarray
