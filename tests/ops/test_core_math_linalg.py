"""Core ops, control flow, ``ops.math`` and ``ops.linalg``: NumPy references and float64 gradient checks."""

import numpy as np
import pytest
from scipy import linalg as sla

import striate
from striate import ops
from tests.helpers import check_op, random_inputs


def test_conversions_and_facts():
    t = ops.convert_to_tensor([1, 2])
    assert isinstance(t, striate.Tensor) and t.dtype == np.int32
    assert ops.convert_to_tensor(t) is t and ops.convert_to_tensor(t, "float32").dtype == np.float32
    assert ops.convert_to_tensor(2.5).dtype == np.float32
    assert type(ops.convert_to_numpy(t)) is np.ndarray and ops.convert_to_numpy([1.0]).dtype == np.float32
    assert ops.is_tensor(t) and not ops.is_tensor(np.ones(2))
    assert ops.shape(np.ones((2, 3))) == (2, 3) and ops.dtype(t) == "int32"
    np.testing.assert_array_equal(ops.saturate_cast(np.array([-5.0, 300.0, 7.6]), "uint8"), [0, 255, 7])
    x = striate.Tensor([1.5, 2.0], dtype="float64", requires_grad=True)
    y = ops.cast(x, "float32")
    (y * 2.0).sum().backward()
    assert y.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0] and x.grad.dtype == np.float64


def test_stop_gradient_cuts_the_graph():
    x = striate.Tensor([2.0, 3.0], requires_grad=True)
    (x * ops.stop_gradient(x)).sum().backward()
    assert x.grad.tolist() == [2.0, 3.0]


def test_scatter_and_scatter_update():
    idx = np.array([[0, 1], [2, 0], [0, 1]])
    check_op(lambda v: ops.scatter(idx, v, (3, 2, 4)), lambda v: _scatter_add(np.zeros((3, 2, 4)), idx, v),
             [(3, 4)])
    check_op(lambda x, u: ops.scatter_update(x, idx, u), lambda x, u: _scatter_set(x, idx, u), [(3, 2, 4), (3, 4)])
    check_op(lambda x, u: ops.scatter_update(x, idx, u, reduction="add"),
             lambda x, u: _scatter_add(x.copy(), idx, u), [(3, 2, 4), (3, 4)])
    for reduction, fn in [("max", np.maximum), ("min", np.minimum)]:
        def reference(x, u, fn=fn):
            out = x.copy()
            fn.at(out, tuple(idx.T), u)
            return out
        check_op(lambda x, u, r=reduction: ops.scatter_update(x, idx, u, reduction=r), reference, [(3, 2, 4), (3, 4)])
    out = ops.scatter_update(np.zeros(4, "int32"), np.array([[1], [3]]), np.array([5, 6]))
    assert out.tolist() == [0, 5, 0, 6] and out.dtype == np.int32


def _scatter_add(out, idx, v):
    np.add.at(out, tuple(idx.T), v)
    return out


def _scatter_set(x, idx, u):
    out = x.copy()
    out[tuple(idx.T)] = u  # NumPy assigns in order: the last repeat wins
    return out


def test_slices_and_unstack():
    check_op(lambda x: ops.slice(x, (1, 0, 2), (2, 3, 2)), lambda x: x[1:3, 0:3, 2:4], [(3, 4, 5)])
    check_op(lambda x, u: ops.slice_update(x, (1, 2), u), lambda x, u: _put(x, u), [(4, 5), (2, 3)])
    check_op(lambda x: ops.unstack(x, axis=1)[2], lambda x: x[:, 2], [(2, 3)])


def _put(x, u):
    out = x.copy()
    out[1:3, 2:5] = u
    return out


def test_control_flow():
    assert ops.cond(True, lambda: 1, lambda: 2) == 1 and ops.cond(np.array(False), lambda: 1, lambda: 2) == 2
    assert ops.switch(5, [lambda v: v + 1, lambda v: v * 10], 3) == 30  # index clamped to the last branch
    assert ops.while_loop(lambda i, s: i < 4, lambda i, s: (i + 1, s + i), (0, 0)) == (4, 6)
    assert ops.while_loop(lambda v: v < 100, lambda v: v * 3, 1, maximum_iterations=2) == 9
    x = striate.Tensor([1.0, 2.0], requires_grad=True)
    y = ops.fori_loop(0, 3, lambda i, v: v * x, striate.Tensor([1.0, 1.0]))  # x ** 3
    y.sum().backward()
    np.testing.assert_allclose(x.grad, 3 * x.data ** 2)
    check_op(lambda xs: ops.scan(lambda c, r: (c + r, c * r), 0.0 * xs[0], xs)[1],
             lambda xs: np.cumsum(xs, 0) * xs - xs * xs, [(4, 3)])
    check_op(lambda xs: ops.scan(lambda c, r: (c * r, None), 1.0 + 0.0 * xs[0], xs, reverse=True)[0],
             lambda xs: xs.prod(0), [(4, 3)])
    check_op(lambda xs: ops.associative_scan(lambda a, b: a + b, xs, axis=1), lambda xs: np.cumsum(xs, 1), [(2, 5)])
    check_op(lambda xs: ops.associative_scan(lambda a, b: a * b, xs, reverse=True),
             lambda xs: np.cumprod(xs[::-1], 0)[::-1], [(4, 2)])
    check_op(lambda xs: ops.map(lambda r: r * r.sum(), xs), lambda xs: xs * xs.sum(1, keepdims=True), [(3, 4)])
    out = ops.vectorized_map(lambda pair: pair[0] + pair[1], (np.ones((2, 3)), np.arange(6.0).reshape(2, 3)))
    np.testing.assert_array_equal(out, 1 + np.arange(6.0).reshape(2, 3))
    ys = ops.map(lambda r: {"a": r, "b": r * 2}, np.ones((2, 3)))
    assert ys["b"].shape == (2, 3) and float(ys["b"].sum()) == 12.0


def test_custom_gradient_replaces_the_backward():
    @ops.custom_gradient
    def log1pexp(x):
        e = ops.exp(x)

        def grad(*args, upstream=None):
            if upstream is None:
                (upstream,) = args
            return ops.multiply(upstream, 1.0 - 1.0 / ops.add(1, e))

        return ops.log(1 + e), grad

    x = striate.Tensor([50.0, 0.0], requires_grad=True)
    y = log1pexp(x)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 0.5])
    assert isinstance(log1pexp(np.array([0.0])), np.ndarray)


def test_math_ops():
    ids = np.array([0, 2, 2, 0, 1])
    check_op(lambda d: ops.segment_sum(d, ids), lambda d: np.stack([d[ids == k].sum(0) for k in range(3)]), [(5, 2)])
    check_op(lambda d: ops.segment_max(d, ids), lambda d: np.stack([d[ids == k].max(0) for k in range(3)]), [(5, 2)])
    assert ops.segment_max(np.ones((5, 2)), ids, num_segments=4)[3].tolist() == [-np.inf, -np.inf]  # empty
    check_op(lambda d: ops.segment_min(d, ids), lambda d: np.stack([d[ids == k].min(0) for k in range(3)]), [(5, 2)])
    np.testing.assert_allclose(ops.segment_prod(np.arange(1.0, 6.0), ids), [1.0 * 4.0, 5.0, 2.0 * 3.0])
    check_op(lambda x: ops.top_k(x, 3)[0], lambda x: -np.sort(-x, -1)[..., :3], [(2, 5)])
    values, indices = ops.top_k(np.array([1.0, 3.0, 3.0, 2.0]), 2)
    assert indices.tolist() == [1, 2] and indices.dtype == np.int32
    np.testing.assert_array_equal(ops.in_top_k(np.array([1, 0]), np.array([[0.1, 0.5, 0.5], [0.2, 0.3, 0.1]]), 2),
                                  [True, True])
    check_op(lambda x: ops.logsumexp(x, axis=1, keepdims=True),
             lambda x: np.log(np.exp(x).sum(1, keepdims=True)), [(3, 4)])
    assert np.isfinite(ops.logsumexp(np.array([1000.0, 1000.0])))
    with np.errstate(divide="ignore"):  # log(0), as NumPy
        assert ops.logsumexp(np.array([-np.inf])) == -np.inf
    from scipy.spatial.distance import cdist
    check_op(ops.cdist, lambda a, b: cdist(a, b), [(3, 2), (4, 2)])
    check_op(lambda x: ops.extract_sequences(x, 3, 2), lambda x: np.stack([x[..., i:i + 3] for i in (0, 2, 4)], -2),
             [(2, 7)])
    spd = _spd(3)
    check_op(ops.logdet, lambda a: np.linalg.slogdet(a)[1], None, inputs=[spd])


def _spd(n, seed=0):
    a = np.random.default_rng(seed).standard_normal((n, n))
    return a @ a.T + n * np.eye(n)


def _sym(t):
    return (t + ops.swapaxes(t, -1, -2)) * 0.5


def test_linalg():
    a = random_inputs([(2, 3, 3)], seed=1)[0] + 3 * np.eye(3)
    check_op(ops.inv, np.linalg.inv, None, inputs=[a])
    check_op(ops.det, np.linalg.det, None, inputs=[a])
    check_op(lambda x: ops.numpy.slogdet(x)[1], lambda x: np.linalg.slogdet(x)[1], None, inputs=[a])
    b = random_inputs([(2, 3, 2), (2, 3)], seed=2)
    check_op(ops.solve, np.linalg.solve, None, inputs=[a, b[0]])
    check_op(ops.solve, lambda m, v: np.linalg.solve(m, v[..., None])[..., 0], None, inputs=[a, b[1]])
    check_op(lambda m, v: ops.solve_triangular(m, v, lower=True),
             lambda m, v: np.stack([sla.solve_triangular(mi, vi, lower=True) for mi, vi in zip(m, v)]),
             None, inputs=[a, b[0]])
    spd = np.stack([_spd(3, 1), _spd(3, 2)])
    check_op(lambda x: ops.cholesky(_sym(x)), np.linalg.cholesky, None, inputs=[spd])
    check_op(lambda x: ops.cholesky(_sym(x), upper=True), lambda x: np.swapaxes(np.linalg.cholesky(x), -1, -2),
             None, inputs=[spd])
    check_op(lambda x: ops.cholesky_inverse(ops.cholesky(_sym(x))), np.linalg.inv, None, inputs=[spd])
    check_op(lambda x: ops.qr(x)[0], lambda x: np.linalg.qr(x)[0], [(2, 4, 3)])
    check_op(lambda x: ops.qr(x)[1], lambda x: np.linalg.qr(x)[1], [(4, 4)])
    check_op(lambda x: ops.svd(x, compute_uv=False), lambda x: np.linalg.svd(x, compute_uv=False), [(2, 4, 3)])
    # u and v are defined up to sign: check sign-free products
    check_op(lambda x: ops.svd(x, full_matrices=False)[0] ** 2, lambda x: np.linalg.svd(x, False)[0] ** 2, [(4, 3)])
    check_op(lambda x: ops.svd(x)[2] ** 2, lambda x: np.linalg.svd(x)[2] ** 2, [(3, 3)])
    check_op(lambda x: ops.eigh(_sym(x))[0], np.linalg.eigvalsh, None, inputs=[spd])
    check_op(lambda x: ops.eigh(_sym(x))[1] ** 2, lambda x: np.linalg.eigh(x)[1] ** 2, None, inputs=[spd])
    check_op(ops.pinv, np.linalg.pinv, [(4, 3)])
    check_op(ops.lstsq, lambda m, v: np.linalg.lstsq(m, v, rcond=None)[0], [(5, 3), (5, 2)])
    assert ops.matrix_rank(np.ones((3, 3))) == 1
    full_u, _, full_vh = ops.svd(np.ones((4, 2)))
    assert full_u.shape == (4, 4) and full_vh.shape == (2, 2)


@pytest.mark.parametrize("ord, axis", [(None, None), (None, 1), (1, 0), (3, -1), (np.inf, 1), (-np.inf, 1), (0, 1),
                                       ("fro", (0, 2)), ("nuc", (1, 2)), (1, (1, 2)), (-1, (1, 2)), (2, (0, 1)),
                                       (-2, (1, 2)), (np.inf, (2, 1)), (-np.inf, (1, 2))])
def test_norm(ord, axis):
    x = random_inputs([(3, 4, 5)], seed=3)[0]
    if ord == 0:  # a count: a constant with no gradient
        np.testing.assert_array_equal(ops.norm(x, ord=0, axis=axis), np.linalg.norm(x, ord=0, axis=axis))
        return
    check_op(lambda t: ops.norm(t, ord=ord, axis=axis), lambda t: np.linalg.norm(t, ord=ord, axis=axis), None,
             inputs=[x])
    np.testing.assert_allclose(ops.norm(x, ord=ord, axis=axis, keepdims=True),
                               np.linalg.norm(x, ord=ord, axis=axis, keepdims=True), rtol=1e-12)
