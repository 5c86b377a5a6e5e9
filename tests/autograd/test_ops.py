"""Every primitive and composite op: NumPy reference forward + float64 gradcheck."""

import numpy as np
import pytest

import striate
from striate import functional as F
from tests.helpers import check_op

BROADCAST_PAIRS = [((3, 4), (3, 4)), ((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3, 4), (3, 1)), ((), (2, 3))]


@pytest.mark.parametrize("a_shape,b_shape", BROADCAST_PAIRS)
@pytest.mark.parametrize("fn,ref", [
    (lambda a, b: a + b, np.add),
    (lambda a, b: a - b, np.subtract),
    (lambda a, b: a * b, np.multiply),
    (lambda a, b: F.maximum(a, b), np.maximum),
    (lambda a, b: F.minimum(a, b), np.minimum),
])
def test_binary_ops_with_broadcasting(fn, ref, a_shape, b_shape):
    check_op(fn, ref, [a_shape, b_shape])


@pytest.mark.parametrize("a_shape,b_shape", BROADCAST_PAIRS)
def test_division_with_broadcasting(a_shape, b_shape):
    check_op(lambda a, b: a / b, np.divide, [a_shape, b_shape], low=0.5, high=2.0)


def test_power_with_tensor_exponent():
    check_op(lambda a, p: a ** p, np.power, [(3, 4), (3, 4)], low=0.5, high=2.0)


@pytest.mark.parametrize("fn,ref,low", [
    (lambda a: -a, np.negative, -1.0),
    (lambda a: a ** 3, lambda a: a ** 3, -1.0),
    (lambda a: a.sqrt(), np.sqrt, 0.5),
    (lambda a: a.exp(), np.exp, -1.0),
    (lambda a: a.log(), np.log, 0.5),
    (lambda a: a.abs(), np.abs, 0.1),
    (lambda a: 2.0 - a, lambda a: 2.0 - a, -1.0),
    (lambda a: 3.0 / a, lambda a: 3.0 / a, 0.5),
])
def test_unary_ops(fn, ref, low):
    check_op(fn, ref, [(4, 5)], low=low, high=low + 2.0)


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False), (-1, False)])
def test_sum_and_mean(axis, keepdims):
    check_op(lambda a: a.sum(axis=axis, keepdims=keepdims), lambda a: np.sum(a, axis=axis, keepdims=keepdims),
             [(2, 3, 4)])
    check_op(lambda a: a.mean(axis=axis, keepdims=keepdims), lambda a: np.mean(a, axis=axis, keepdims=keepdims),
             [(2, 3, 4)])


@pytest.mark.parametrize("axis,keepdims", [(None, False), (0, False), (1, True), ((0, 2), False)])
def test_max_and_min(axis, keepdims):
    check_op(lambda a: a.max(axis=axis, keepdims=keepdims), lambda a: np.max(a, axis=axis, keepdims=keepdims),
             [(2, 3, 4)])
    check_op(lambda a: a.min(axis=axis, keepdims=keepdims), lambda a: np.min(a, axis=axis, keepdims=keepdims),
             [(2, 3, 4)])


def test_max_splits_gradient_between_ties():
    x = striate.Tensor(np.array([1.0, 3.0, 3.0]), requires_grad=True)
    x.max().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.5, 0.5])


@pytest.mark.parametrize("a_shape,b_shape", [((3, 4), (4, 5)), ((2, 3, 4), (4, 5)), ((2, 3, 4), (2, 4, 5)),
                                             ((4,), (4, 5)), ((3, 4), (4,)), ((1, 3, 4), (2, 4, 2))])
def test_matmul(a_shape, b_shape):
    check_op(lambda a, b: a @ b, np.matmul, [a_shape, b_shape])


def test_reshape_transpose_flatten():
    check_op(lambda a: a.reshape(4, 6), lambda a: a.reshape(4, 6), [(2, 3, 4)])
    check_op(lambda a: a.transpose(2, 0, 1), lambda a: a.transpose(2, 0, 1), [(2, 3, 4)])
    check_op(lambda a: a.T, lambda a: a.T, [(2, 3)])
    check_op(lambda a: a.flatten(), lambda a: a.reshape(2, -1), [(2, 3, 4)])


@pytest.mark.parametrize("index", [np.s_[1], np.s_[:, 1:3], np.s_[..., ::2], np.s_[[0, 0, 1]],
                                   np.s_[np.array([1, 0]), np.array([2, 2])], np.s_[None, 0]])
def test_getitem_basic_and_advanced(index):
    check_op(lambda a: a[index], lambda a: a[index], [(2, 3, 4)])


def test_getitem_with_repeated_indices_adds_gradients():
    x = striate.Tensor(np.arange(3.0), requires_grad=True)
    x[np.array([0, 0, 2])].sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 0.0, 1.0])


def test_concatenate():
    check_op(lambda a, b, c: F.concatenate([a, b, c], axis=1),
             lambda a, b, c: np.concatenate([a, b, c], axis=1), [(2, 1, 3), (2, 4, 3), (2, 2, 3)])


def test_where():
    cond = np.random.default_rng(0).random((3, 4)) > 0.5
    check_op(lambda a, b: F.where(cond, a, b), lambda a, b: np.where(cond, a, b), [(3, 4), (4,)])


@pytest.mark.parametrize("name,ref", [
    ("relu", lambda a: np.maximum(a, 0)),
    ("sigmoid", lambda a: 1 / (1 + np.exp(-a))),
    ("tanh", np.tanh),
    ("softplus", lambda a: np.log1p(np.exp(a))),
    ("softsign", lambda a: a / (1 + np.abs(a))),
    ("elu", lambda a: np.where(a > 0, a, np.exp(a) - 1)),
    ("selu", lambda a: 1.0507009873554805 * np.where(a > 0, a, 1.6732632423543772 * (np.exp(a) - 1))),
    ("leaky_relu", lambda a: np.where(a > 0, a, 0.2 * a)),
    ("silu", lambda a: a / (1 + np.exp(-a))),
    ("relu6", lambda a: np.clip(a, 0, 6)),
    ("hard_sigmoid", lambda a: np.clip(a + 3, 0, 6) / 6),
    ("exponential", np.exp),
    ("linear", lambda a: a),
])
def test_activations(name, ref):
    fn = striate.activations.get(name)
    # keep inputs away from the kinks, where the derivative is undefined
    x = np.random.default_rng(1).uniform(-4, 4, size=(3, 5))
    x[np.abs(x) < 0.05] = 0.3
    x[np.abs(np.abs(x) - 3) < 0.05] = 2.5
    check_op(fn, ref, None, inputs=[x])


def test_gelu_exact_and_approximate():
    from math import erf
    exact = np.vectorize(lambda v: 0.5 * v * (1 + erf(v / np.sqrt(2))))
    x = np.random.default_rng(2).uniform(-3, 3, size=(4, 4))
    out = F.gelu(striate.Tensor(x)).data
    np.testing.assert_allclose(out, exact(x), atol=1e-6)
    assert striate.gradcheck(F.gelu, x, atol=1e-5)
    approx = 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))
    np.testing.assert_allclose(F.gelu(striate.Tensor(x), approximate=True).data, approx, rtol=1e-10)


@pytest.mark.parametrize("axis", [-1, 0, 1])
def test_softmax_and_log_softmax(axis):
    def ref_log_softmax(a):
        shifted = a - a.max(axis=axis, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    check_op(lambda a: F.log_softmax(a, axis=axis), ref_log_softmax, [(3, 4)])
    check_op(lambda a: F.softmax(a, axis=axis), lambda a: np.exp(ref_log_softmax(a)), [(3, 4)])


def test_log_softmax_is_finite_for_huge_logits():
    x = striate.Tensor(np.array([[1000.0, -1000.0, 0.0]], dtype=np.float32), requires_grad=True)
    y = F.log_softmax(x)
    assert np.isfinite(y.data).all()
    y.sum().backward()
    assert np.isfinite(x.grad).all()


def test_sigmoid_does_not_overflow():
    x = striate.Tensor(np.array([-1000.0, 1000.0], dtype=np.float32))
    with np.errstate(over="raise"):
        np.testing.assert_array_equal(F.sigmoid(x).data, [0.0, 1.0])


def test_clip_passes_gradient_only_inside():
    x = striate.Tensor(np.array([-2.0, 0.5, 2.0]), requires_grad=True)
    y = F.clip(x, -1.0, 1.0)
    np.testing.assert_allclose(y.data, [-1.0, 0.5, 1.0])
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 1.0, 0.0])


def test_dropout_scales_kept_values_and_is_unbiased():
    rng = np.random.default_rng(0)
    x = striate.Tensor(np.ones((200, 200), dtype=np.float32), requires_grad=True)
    y = F.dropout(x, 0.25, rng)
    kept = y.data[y.data != 0]
    np.testing.assert_allclose(kept, 1 / 0.75, rtol=1e-6)
    assert abs(y.data.mean() - 1.0) < 0.02
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, y.data)  # the gradient is the same mask


def test_cast_keeps_gradient_dtype():
    x = striate.Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    x.astype("float64").sum().backward()
    assert x.grad.dtype == np.float32
