"""The Tensor and its backward pass: graph walk, accumulation, modes, dtypes and errors."""

import numpy as np
import pytest

import striate
from striate import functional as F


def test_long_chain_needs_no_recursion():
    x = striate.Tensor(np.array([1.0]), requires_grad=True)
    y = x
    for _ in range(20_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 20_000], rtol=1e-6)


def test_gradients_sum_over_every_path():
    # y = a*b + a*c + a  ->  dy/da = b + c + 1 (three paths from a)
    a = striate.Tensor(np.array(2.0), requires_grad=True)
    b = striate.Tensor(np.array(3.0), requires_grad=True)
    c = striate.Tensor(np.array(5.0), requires_grad=True)
    (a * b + a * c + a).backward()
    assert a.grad == pytest.approx(9.0)
    assert b.grad == pytest.approx(2.0)
    assert c.grad == pytest.approx(2.0)


def test_diamond_graph_counts_each_node_once():
    x = striate.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * x
    (h + h).sum().backward()
    np.testing.assert_allclose(x.grad, 4 * x.data)


def test_backward_accumulates_into_leaves():
    x = striate.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    (x * 3).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad, [6.0, 6.0])


def test_no_grad_records_nothing_and_detach_cuts_the_graph():
    x = striate.Tensor(np.ones(3), requires_grad=True)
    with striate.no_grad():
        y = x * 2
        with striate.enable_grad():
            z = x * 2
    assert not y.requires_grad and y._ctx is None
    assert z.requires_grad
    d = (x * 2).detach()
    assert not d.requires_grad
    assert np.shares_memory(d.data, (d * 1).data) is False
    with pytest.raises(RuntimeError, match="does not require grad"):
        d.sum().backward()


def test_inputs_that_need_no_gradient_get_none_and_cost_nothing():
    w = striate.Tensor(np.ones((3, 2)), requires_grad=True)
    x = striate.Tensor(np.ones((4, 3)))
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, np.full((3, 2), 4.0))


def test_retain_grad_keeps_intermediate_gradients():
    x = striate.Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = (x * 3).retain_grad()
    (h * h).sum().backward()
    np.testing.assert_allclose(h.grad, 2 * h.data)


def test_backward_needs_seed_for_non_scalars():
    x = striate.Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match="single-element"):
        (x * 2).backward()
    with pytest.raises(ValueError, match="does not match"):
        (x * 2).backward(np.ones(4))
    (x * 2).backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(x.grad, [2.0, 4.0, 6.0])


def test_float32_stays_float32_through_forward_and_backward():
    x = striate.Tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    y = F.softmax(F.sigmoid(x * np.float64(2.0) + np.ones(3)) @ np.ones((3, 2)))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32


def test_python_lists_become_floatx_and_arrays_keep_precision():
    assert striate.Tensor([1.0, 2.0]).dtype == np.float32
    assert striate.Tensor(np.ones(2)).dtype == np.float64
    assert striate.Tensor(np.arange(3)).dtype.kind == "i"
    with pytest.raises(TypeError, match="only float tensors"):
        striate.Tensor(np.arange(3), requires_grad=True)


def test_numpy_arrays_on_the_left_keep_the_graph():
    x = striate.Tensor(np.ones(3), requires_grad=True)
    y = np.full(3, 2.0) * x
    assert isinstance(y, striate.Tensor)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [2.0, 2.0, 2.0])


def test_comparisons_give_constant_masks():
    x = striate.Tensor(np.array([-1.0, 2.0]), requires_grad=True)
    mask = x > 0
    assert not mask.requires_grad
    np.testing.assert_array_equal(mask.data, [False, True])


def test_repr_and_item():
    t = striate.Tensor([1.5], requires_grad=True, name="w")
    assert "requires_grad=True" in repr(t) and "name='w'" in repr(t)
    assert t.item() == 1.5


def test_gradcheck_reports_a_wrong_gradient():
    class WrongSquare(striate.autograd.Function):
        def forward(self, a):
            self.saved = a
            return a * a

        def backward(self, dy):
            return (dy * self.saved,)  # should be 2 a

    with pytest.raises(striate.GradcheckError, match="analytic"):
        striate.gradcheck(lambda a: WrongSquare.apply(a), np.random.rand(3))
    with pytest.raises(striate.GradcheckError, match="directional"):
        striate.gradcheck(lambda a: WrongSquare.apply(a), np.random.rand(3), directional=True)
