"""NumPy-like ops: forward against NumPy/SciPy and a float64 finite-difference gradient check each.

Every case goes through ``tests.helpers.check_op`` (Tensor inputs, float64): the
forward must equal the reference to 1e-10 and every input gradient must pass
``striate.gradcheck``. Input domains keep away from kinks and ties.
"""

import numpy as np
import pytest
from scipy import special

from striate import ops
from tests.helpers import check_op, random_inputs

A, B, C = (2, 3), (3,), (2, 3, 4)

UNARY = [  # (name, reference, low, high)
    ("exp", np.exp, -1, 1), ("expm1", np.expm1, -1, 1), ("exp2", np.exp2, -1, 1),
    ("log", np.log, 0.2, 2), ("log1p", np.log1p, -0.5, 2), ("log2", np.log2, 0.2, 2), ("log10", np.log10, 0.2, 2),
    ("sqrt", np.sqrt, 0.2, 2), ("cbrt", np.cbrt, 0.2, 2), ("rsqrt", lambda x: 1 / np.sqrt(x), 0.2, 2),
    ("sin", np.sin, -2, 2), ("cos", np.cos, -2, 2), ("tan", np.tan, -1, 1),
    ("arcsin", np.arcsin, -0.9, 0.9), ("arccos", np.arccos, -0.9, 0.9), ("arctan", np.arctan, -2, 2),
    ("sinh", np.sinh, -1, 1), ("cosh", np.cosh, -1, 1), ("tanh", np.tanh, -2, 2),
    ("arcsinh", np.arcsinh, -2, 2), ("arccosh", np.arccosh, 1.2, 3), ("arctanh", np.arctanh, -0.9, 0.9),
    ("erf", special.erf, -2, 2), ("erfc", special.erfc, -2, 2), ("erfinv", special.erfinv, -0.9, 0.9),
    ("sinc", np.sinc, 0.1, 2), ("abs", np.abs, 0.1, 1), ("square", np.square, -1, 1),
    ("negative", np.negative, -1, 1), ("reciprocal", np.reciprocal, 0.5, 2), ("fabs", np.fabs, 0.1, 1),
    ("deg2rad", np.deg2rad, -1, 1), ("rad2deg", np.rad2deg, -1, 1), ("nan_to_num", np.nan_to_num, -1, 1),
]


@pytest.mark.parametrize("name, reference, low, high", UNARY, ids=[u[0] for u in UNARY])
def test_unary(name, reference, low, high):
    check_op(getattr(ops, name), reference, [C], low=low, high=high)


BINARY = [  # (name, reference, low1, high1, low2, high2)
    ("add", np.add, -1, 1, -1, 1), ("subtract", np.subtract, -1, 1, -1, 1),
    ("multiply", np.multiply, -1, 1, -1, 1), ("divide", np.divide, -1, 1, 0.5, 2),
    ("true_divide", np.true_divide, -1, 1, 0.5, 2), ("power", np.power, 0.5, 2, -1, 1),
    ("maximum", np.maximum, -1, 1, -1, 1), ("minimum", np.minimum, -1, 1, -1, 1),
    ("arctan2", np.arctan2, -1, 1, -1, 1), ("hypot", np.hypot, -1, 1, -1, 1),
    ("logaddexp", np.logaddexp, -2, 2, -2, 2), ("logaddexp2", np.logaddexp2, -2, 2, -2, 2),
    ("mod", np.mod, -3, 3, 0.7, 1.3), ("fmod", np.fmod, -3, 3, 0.7, 1.3),
    ("divide_no_nan", np.divide, -1, 1, 0.5, 2), ("copysign", np.copysign, 0.1, 1, -1, 1),
    ("fmax", np.fmax, -1, 1, -1, 1), ("fmin", np.fmin, -1, 1, -1, 1),
]


@pytest.mark.parametrize("shapes", [(A, A), (A, B), ((2, 1), (1, 3))], ids=["same", "row", "outer"])
@pytest.mark.parametrize("name, reference, l1, h1, l2, h2", BINARY, ids=[b[0] for b in BINARY])
def test_binary(name, reference, l1, h1, l2, h2, shapes):
    rng = np.random.default_rng(1)
    inputs = [rng.uniform(l1, h1, shapes[0]), rng.uniform(l2, h2, shapes[1])]
    check_op(getattr(ops, name), reference, None, inputs=inputs)


def test_divide_no_nan_is_zero_with_a_zero_gradient_where_the_divisor_is_zero():
    import striate
    x = striate.Tensor([1.0, 2.0], requires_grad=True)
    y = striate.Tensor([0.0, 4.0], requires_grad=True)
    out = ops.divide_no_nan(x, y)
    out.sum().backward()
    assert out.data.tolist() == [0.0, 0.5]
    assert np.isfinite(x.grad).all() and np.isfinite(y.grad).all() and x.grad[0] == 0 and y.grad[0] == 0


REDUCTIONS = [  # (name, reference)
    ("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min), ("prod", np.prod),
    ("var", np.var), ("std", np.std), ("amax", np.amax), ("amin", np.amin), ("ptp", np.ptp),
    ("logsumexp", special.logsumexp), ("median", np.median), ("nansum", np.nansum), ("nanmean", np.nanmean),
    ("nanmax", np.nanmax), ("nanmin", np.nanmin), ("nanvar", np.nanvar), ("nanstd", np.nanstd),
    ("nanprod", np.nanprod), ("nanmedian", np.nanmedian),
]


@pytest.mark.parametrize("axis, keepdims", [(None, False), (1, False), ((0, 2), True), (-1, True)])
@pytest.mark.parametrize("name, reference", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions(name, reference, axis, keepdims):
    check_op(lambda x: getattr(ops, name)(x, axis=axis, keepdims=keepdims),
             lambda x: np.asarray(reference(x, axis=axis, keepdims=keepdims)), [C], low=0.2, high=2.0)


def test_prod_and_cumprod_have_exact_gradients_at_zeros():
    x = random_inputs([(3, 4)], seed=3)[0]
    x[1, 2] = 0.0
    x[2, 0] = x[2, 3] = 0.0
    check_op(lambda t: ops.prod(t, axis=1), lambda a: np.prod(a, axis=1), None, inputs=[x])
    check_op(lambda t: ops.cumprod(t, axis=1), lambda a: np.cumprod(a, axis=1), None, inputs=[x])


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
@pytest.mark.parametrize("name", ["cumsum", "cumprod", "nancumsum", "nancumprod"])
def test_running_reductions(name, axis):
    check_op(lambda x: getattr(ops, name)(x, axis=axis), lambda x: getattr(np, name)(x, axis=axis), [C])


@pytest.mark.parametrize("method", ["linear", "lower", "higher", "midpoint", "nearest"])
@pytest.mark.parametrize("q, axis", [(0.3, None), ([0.1, 0.5, 0.9], 1), ([0.25, 0.75], (0, 2))])
def test_quantile(q, axis, method):
    check_op(lambda x: ops.quantile(x, q, axis=axis, method=method),
             lambda x: np.quantile(x, q, axis=axis, method=method), [C])
    check_op(lambda x: ops.percentile(x, np.multiply(q, 100), axis=axis, method=method, keepdims=True),
             lambda x: np.percentile(x, np.multiply(q, 100), axis=axis, method=method, keepdims=True), [C])


def test_nan_quantiles_skip_nan_values():
    x = random_inputs([(3, 5)], seed=4)[0]
    x[0, 1] = x[2, 4] = np.nan
    np.testing.assert_allclose(ops.nanquantile(x, [0.2, 0.6], axis=1), np.nanquantile(x, [0.2, 0.6], axis=1))
    np.testing.assert_allclose(ops.nanpercentile(x, 40, axis=0), np.nanpercentile(x, 40, axis=0))
    np.testing.assert_allclose(ops.nanargmax(x, axis=1), np.nanargmax(x, axis=1))


def test_average_with_weights():
    w = np.array([0.2, 1.0, 3.0])
    check_op(lambda x: ops.average(x, axis=1, weights=w), lambda x: np.average(x, axis=1, weights=w), [A])
    check_op(lambda x, v: ops.average(x, weights=v), lambda x, v: np.average(x, weights=v), [A, A], low=0.5)


SHAPE_OPS = [  # (id, striate, numpy, shapes)
    ("reshape", lambda x: ops.reshape(x, (4, -1)), lambda x: x.reshape(4, -1), [C]),
    ("transpose", lambda x: ops.transpose(x, (2, 0, 1)), lambda x: x.transpose(2, 0, 1), [C]),
    ("transpose_none", ops.transpose, np.transpose, [C]),
    ("expand_dims", lambda x: ops.expand_dims(x, (0, -1)), lambda x: np.expand_dims(x, (0, -1)), [A]),
    ("squeeze", lambda x: ops.squeeze(x, 1), lambda x: np.squeeze(x, 1), [(2, 1, 3)]),
    ("ravel", ops.ravel, np.ravel, [C]),
    ("concatenate", lambda a, b: ops.concatenate([a, b], axis=1), lambda a, b: np.concatenate([a, b], 1),
     [(2, 3), (2, 2)]),
    ("stack", lambda a, b: ops.stack([a, b], axis=-1), lambda a, b: np.stack([a, b], -1), [A, A]),
    ("hstack", lambda a, b: ops.hstack([a, b]), lambda a, b: np.hstack([a, b]), [A, A]),
    ("vstack", lambda a, b: ops.vstack([a, b]), lambda a, b: np.vstack([a, b]), [B, B]),
    ("dstack", lambda a, b: ops.dstack([a, b]), lambda a, b: np.dstack([a, b]), [A, A]),
    ("split", lambda x: ops.split(x, 2, axis=2)[1], lambda x: np.split(x, 2, axis=2)[1], [C]),
    ("split_at", lambda x: ops.split(x, [1, 3], axis=2)[1], lambda x: np.split(x, [1, 3], axis=2)[1], [C]),
    ("array_split", lambda x: ops.array_split(x, 3, axis=2)[0], lambda x: np.array_split(x, 3, axis=2)[0], [C]),
    ("tile", lambda x: ops.tile(x, (2, 1, 3)), lambda x: np.tile(x, (2, 1, 3)), [A]),
    ("repeat", lambda x: ops.repeat(x, 3, axis=1), lambda x: np.repeat(x, 3, axis=1), [A]),
    ("repeat_counts", lambda x: ops.repeat(x, [1, 0, 2], axis=1), lambda x: np.repeat(x, [1, 0, 2], axis=1), [A]),
    ("repeat_flat", lambda x: ops.repeat(x, 2), lambda x: np.repeat(x, 2), [A]),
    ("flip", lambda x: ops.flip(x, (0, 2)), lambda x: np.flip(x, (0, 2)), [C]),
    ("fliplr", ops.fliplr, np.fliplr, [A]), ("flipud", ops.flipud, np.flipud, [A]),
    ("roll", lambda x: ops.roll(x, 2, axis=2), lambda x: np.roll(x, 2, axis=2), [C]),
    ("roll_flat", lambda x: ops.roll(x, -4), lambda x: np.roll(x, -4), [C]),
    ("rot90", lambda x: ops.rot90(x), np.rot90, [C]),
    ("rot90_3", lambda x: ops.rot90(x, 3, axes=(1, 2)), lambda x: np.rot90(x, 3, axes=(1, 2)), [C]),
    ("swapaxes", lambda x: ops.swapaxes(x, 0, 2), lambda x: np.swapaxes(x, 0, 2), [C]),
    ("moveaxis", lambda x: ops.moveaxis(x, [0, 1], [2, 0]), lambda x: np.moveaxis(x, [0, 1], [2, 0]), [C]),
    ("broadcast_to", lambda x: ops.broadcast_to(x, (4, 2, 3)), lambda x: np.broadcast_to(x, (4, 2, 3)), [A]),
    ("append", lambda a, b: ops.append(a, b), np.append, [A, B]),
    ("copy", ops.copy, np.copy, [A]),
    ("diff", lambda x: ops.diff(x, 2, axis=2), lambda x: np.diff(x, 2, axis=2), [C]),
]
PAD_MODES = ["constant", "edge", "reflect", "symmetric", "wrap"]
SHAPE_OPS += [(f"pad_{m}", lambda x, m=m: ops.pad(x, ((1, 2), (2, 1)), mode=m),
               lambda x, m=m: np.pad(x, ((1, 2), (2, 1)), mode=m), [(3, 4)]) for m in PAD_MODES]
SHAPE_OPS += [("pad_value", lambda x: ops.pad(x, 1, constant_values=2.5), lambda x: np.pad(x, 1, constant_values=2.5),
               [A])]


@pytest.mark.parametrize("fn, reference, shapes", [s[1:] for s in SHAPE_OPS], ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops(fn, reference, shapes):
    check_op(fn, reference, shapes)


INDEX = np.array([[2, 0], [1, 1]])
INDEXING_OPS = [
    ("take", lambda x: ops.take(x, INDEX, axis=1), lambda x: np.take(x, INDEX, axis=1), [C]),
    ("take_flat", lambda x: ops.take(x, [5, -1, 5]), lambda x: np.take(x, [5, -1, 5]), [C]),
    ("take_along_axis", lambda x: ops.take_along_axis(x, np.array([[[0, 3, 3]]]), axis=2),
     lambda x: np.take_along_axis(x, np.array([[[0, 3, 3]]]), axis=2), [C]),
    ("sort", lambda x: ops.sort(x, axis=1), lambda x: np.sort(x, axis=1), [C]),
    ("sort_flat", lambda x: ops.sort(x, axis=None), lambda x: np.sort(x, axis=None), [A]),
    ("top_k", lambda x: ops.top_k(x, 2)[0], lambda x: -np.sort(-x, axis=-1)[..., :2], [C]),
    ("tril", lambda x: ops.tril(x, -1), lambda x: np.tril(x, -1), [C]),
    ("triu", lambda x: ops.triu(x, 1), lambda x: np.triu(x, 1), [(4, 3)]),
    ("diag_vector", lambda x: ops.diag(x, 1), lambda x: np.diag(x, 1), [B]),
    ("diag_matrix", lambda x: ops.diag(x, -1), lambda x: np.diag(x, -1), [(4, 3)]),
    ("diagonal", lambda x: ops.diagonal(x, 1, 0, 2), lambda x: np.diagonal(x, 1, 0, 2), [C]),
    ("diagflat", ops.diagflat, np.diagflat, [A]),
    ("trace", lambda x: ops.trace(x, 0, 1, 2), lambda x: np.trace(x, 0, 1, 2), [C]),
    ("where", lambda a, b: ops.where(np.array([True, False, True]), a, b),
     lambda a, b: np.where(np.array([True, False, True]), a, b), [A, B]),
    ("clip", lambda x: ops.clip(x, -0.5, 0.5), lambda x: np.clip(x, -0.5, 0.5), [C]),
    ("get_item", lambda x: ops.get_item(x, (slice(None), [0, 2])), lambda x: x[:, [0, 2]], [C]),
    ("select", lambda a, b: ops.select([a > 0, b > 0.5], [a, b], 0.0),
     lambda a, b: np.select([a > 0, b > 0.5], [a, b], 0.0), [A, A]),
    ("meshgrid_xy", lambda a, b: ops.meshgrid(a, b)[0] * ops.meshgrid(a, b)[1],
     lambda a, b: np.meshgrid(a, b)[0] * np.meshgrid(a, b)[1], [(3,), (4,)]),
    ("meshgrid_ij", lambda a, b, c: ops.meshgrid(a, b, c, indexing="ij")[2],
     lambda a, b, c: np.meshgrid(a, b, c, indexing="ij")[2], [(3,), (2,), (2,)]),
]


@pytest.mark.parametrize("fn, reference, shapes", [s[1:] for s in INDEXING_OPS], ids=[s[0] for s in INDEXING_OPS])
def test_indexing_ops(fn, reference, shapes):
    check_op(fn, reference, shapes)


PRODUCTS = [
    ("matmul", ops.matmul, np.matmul, [(2, 3), (3, 4)]),
    ("matmul_batched", ops.matmul, np.matmul, [(2, 1, 2, 3), (3, 3, 2)]),
    ("matmul_vector", ops.matmul, np.matmul, [(3,), (2, 3, 4)]),
    ("dot", ops.dot, np.dot, [(2, 3), (4, 3, 2)]),
    ("dot_vectors", ops.dot, np.dot, [(3,), (3,)]),
    ("dot_scalar", ops.dot, np.dot, [(), (2, 3)]),
    ("tensordot", lambda a, b: ops.tensordot(a, b, axes=([0, 2], [1, 0])),
     lambda a, b: np.tensordot(a, b, axes=([0, 2], [1, 0])), [(2, 3, 4), (4, 2)]),
    ("tensordot_int", lambda a, b: ops.tensordot(a, b, 1), lambda a, b: np.tensordot(a, b, 1), [C, (4, 2)]),
    ("outer", ops.outer, np.outer, [A, (4,)]),
    ("inner", ops.inner, np.inner, [C, (3, 4)]),
    ("vdot", ops.vdot, np.vdot, [A, (3, 2)]),
    ("kron", ops.kron, np.kron, [A, (2, 2)]),
    ("cross", ops.cross, np.cross, [(4, 3), (3,)]),
    ("einsum_matmul", lambda a, b: ops.einsum("ij,jk->ik", a, b), lambda a, b: np.einsum("ij,jk->ik", a, b),
     [(2, 3), (3, 4)]),
    ("einsum_trace", lambda a: ops.einsum("ii", a), lambda a: np.einsum("ii", a), [(3, 3)]),
    ("einsum_diag", lambda a: ops.einsum("bii->bi", a), lambda a: np.einsum("bii->bi", a), [(2, 3, 3)]),
    ("einsum_ellipsis", lambda a, b: ops.einsum("...ij,...jk", a, b), lambda a, b: np.einsum("...ij,...jk", a, b),
     [(1, 2, 3), (4, 3, 2)]),
    ("einsum_three", lambda a, b, c: ops.einsum("bij,bjk,k->bi", a, b, c),
     lambda a, b, c: np.einsum("bij,bjk,k->bi", a, b, c), [(2, 3, 4), (2, 4, 5), (5,)]),
    ("einsum_sum_out", lambda a, b: ops.einsum("ij,k->", a, b), lambda a, b: np.einsum("ij,k->", a, b),
     [(2, 3), (4,)]),
    ("correlate_valid", ops.correlate, np.correlate, [(6,), (3,)]),
    ("correlate_same", lambda a, b: ops.correlate(a, b, "same"), lambda a, b: np.correlate(a, b, "same"),
     [(3,), (5,)]),
    ("correlate_full", lambda a, b: ops.correlate(a, b, "full"), lambda a, b: np.correlate(a, b, "full"),
     [(4,), (4,)]),
    ("corrcoef", ops.corrcoef, np.corrcoef, [(3, 5)]),
    ("trapezoid", lambda y: ops.trapezoid(y, dx=0.5, axis=1), lambda y: np.trapezoid(y, dx=0.5, axis=1), [C]),
    ("trapezoid_x", lambda y, x: ops.trapezoid(y, x), lambda y, x: np.trapezoid(y, x), [A, B]),
    ("vander", lambda x: ops.vander(x, 4), lambda x: np.vander(x, 4), [B]),
]


@pytest.mark.parametrize("fn, reference, shapes", [s[1:] for s in PRODUCTS], ids=[s[0] for s in PRODUCTS])
def test_products(fn, reference, shapes):
    check_op(fn, reference, shapes)


def test_constant_valued_ops_match_numpy():
    x = random_inputs([C], seed=5, low=-3, high=3)[0]
    for name in ["sign", "floor", "ceil", "trunc", "round"]:
        np.testing.assert_array_equal(getattr(ops, name)(x), getattr(np, name)(x))
    np.testing.assert_array_equal(ops.round(x, 2), np.round(x, 2))
    np.testing.assert_array_equal(ops.floor_divide(x, 0.7), np.floor_divide(x, 0.7))
    np.testing.assert_array_equal(ops.argmax(x, axis=1), np.argmax(x, axis=1))
    np.testing.assert_array_equal(ops.argmin(x), np.argmin(x))
    np.testing.assert_array_equal(ops.argsort(x, axis=0), np.argsort(x, axis=0, kind="stable"))
    np.testing.assert_array_equal(ops.count_nonzero(x > 0, axis=2), np.count_nonzero(x > 0, axis=2))
    for name in ["isnan", "isinf", "isfinite", "signbit", "logical_not"]:
        np.testing.assert_array_equal(getattr(ops, name)(x), getattr(np, name)(x))
    for name in ["equal", "not_equal", "less", "less_equal", "greater", "greater_equal", "logical_and",
                 "logical_or", "logical_xor"]:
        np.testing.assert_array_equal(getattr(ops, name)(x, x[0]), getattr(np, name)(x, x[0]))
    for i, j in zip(ops.nonzero(x > 1), np.nonzero(x > 1)):
        np.testing.assert_array_equal(i, j)
    ints = np.array([[12, 18, 7], [3, 5, 8]])
    for name in ["gcd", "lcm", "bitwise_and", "bitwise_or", "bitwise_xor", "left_shift", "right_shift"]:
        np.testing.assert_array_equal(getattr(ops, name)(ints, ints[::-1]), getattr(np, name)(ints, ints[::-1]))
    np.testing.assert_array_equal(ops.bitwise_invert(ints), np.invert(ints))
    np.testing.assert_array_equal(ops.searchsorted(np.array([1, 3, 5]), ints), np.searchsorted([1, 3, 5], ints))
    np.testing.assert_array_equal(ops.digitize(x, np.array([-1.0, 0.0, 1.0])), np.digitize(x, [-1.0, 0.0, 1.0]))
    np.testing.assert_array_equal(ops.bincount(np.array([0, 2, 2, 5])), np.bincount([0, 2, 2, 5]))
    np.testing.assert_array_equal(ops.unique(np.array([3, 1, 3, 2])), [1, 2, 3])
    values, counts = ops.unique(np.array([3, 1, 3]), return_counts=True)
    assert values.tolist() == [1, 3] and counts.tolist() == [1, 2]
    for name in ["bartlett", "blackman", "hamming", "hanning"]:
        np.testing.assert_allclose(getattr(ops, name)(7), getattr(np, name)(7), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(ops.kaiser(7, 3.0), np.kaiser(7, 3.0), rtol=1e-6)
    np.testing.assert_allclose(ops.i0(x), np.i0(x), rtol=1e-12)
    np.testing.assert_array_equal(ops.isclose(x, x + 1e-9), np.isclose(x, x + 1e-9))
    counts, edges = ops.histogram(x.ravel(), bins=5)
    ref_counts, ref_edges = np.histogram(x.ravel(), bins=5)
    np.testing.assert_array_equal(counts, ref_counts) and np.testing.assert_allclose(edges, ref_edges)


def test_creation_ops_match_numpy():
    np.testing.assert_array_equal(ops.arange(2, 11, 3), np.arange(2, 11, 3))
    np.testing.assert_allclose(ops.linspace(0, 1, 7), np.linspace(0, 1, 7), rtol=1e-6)
    np.testing.assert_allclose(ops.logspace(0, 2, 5), np.logspace(0, 2, 5), rtol=1e-6)
    np.testing.assert_allclose(ops.geomspace(1, 8, 4), np.geomspace(1, 8, 4), rtol=1e-6)
    np.testing.assert_array_equal(ops.eye(3, 4, k=1), np.eye(3, 4, k=1))
    np.testing.assert_array_equal(ops.tri(3, 2, k=0), np.tri(3, 2))
    np.testing.assert_array_equal(ops.full((2, 2), 7, dtype="int32"), np.full((2, 2), 7))
    assert ops.zeros_like(np.ones((2, 3), "int8")).dtype == np.int8
    assert ops.full_like(np.ones(3), 2.0, dtype="float16").dtype == np.float16
