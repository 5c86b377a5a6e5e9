"""Second oracle: PyTorch's optimizers, wherever the two formulas are the same.

Where Keras and PyTorch differ, the comparison is set up so that the
difference vanishes (and the difference is documented in each docstring):

* SGD momentum / Nesterov: PyTorch's buffer is ``b = mu b + g`` with
  ``w -= lr b``, Keras's is ``m = mu m - lr g`` with ``w += m``: equal
  iterates for a constant learning rate.
* Adam, AdamW, AMSGrad, Adamax, Adagrad, RMSprop: epsilon sits in different
  places, so compare with ``epsilon = 0``.
* RMSprop momentum: PyTorch's buffer omits the learning rate: equal for a
  constant learning rate.
* Nadam: PyTorch's NAdam with ``momentum_decay=1`` is Keras's (epsilon included).
* Adadelta: identical, epsilon included.
"""

import numpy as np
import pytest

from striate import optimizers
from striate.variables import Variable

torch = pytest.importorskip("torch")

STEPS = 6


@pytest.fixture(autouse=True)
def _torch_float64_scalars():
    # PyTorch keeps per-optimizer scalars (NAdam's mu_product, the step) in the
    # default dtype: float64 makes them as exact as ours.
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(previous)


def compare(ours, make_torch, shapes=((3, 4), (4,)), steps=STEPS, rtol=1e-10):
    rng = np.random.default_rng(0)
    initial = [rng.standard_normal(s) for s in shapes]
    grads = [[rng.standard_normal(s) for s in shapes] for _ in range(steps)]
    variables = [Variable(w.copy(), dtype="float64") for w in initial]
    params = [torch.tensor(w.copy(), dtype=torch.float64, requires_grad=True) for w in initial]
    reference = make_torch(params)
    for step, gs in enumerate(grads, start=1):
        ours.apply([g.copy() for g in gs], variables)
        for p, g in zip(params, gs):
            p.grad = torch.tensor(g)
        reference.step()
        for v, p in zip(variables, params):
            np.testing.assert_allclose(v.numpy(), p.detach().numpy(), rtol=rtol, atol=1e-13,
                                       err_msg=f"{type(ours).__name__} step {step}")


def test_sgd_plain():
    compare(optimizers.SGD(learning_rate=0.1), lambda p: torch.optim.SGD(p, lr=0.1))


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum_constant_learning_rate(nesterov):
    compare(optimizers.SGD(learning_rate=0.05, momentum=0.9, nesterov=nesterov),
            lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=nesterov))


@pytest.mark.parametrize("amsgrad", [False, True])
def test_adam_epsilon_zero(amsgrad):
    compare(optimizers.Adam(learning_rate=0.01, beta_2=0.9, epsilon=0.0, amsgrad=amsgrad),
            lambda p: torch.optim.Adam(p, lr=0.01, betas=(0.9, 0.9), eps=0.0, amsgrad=amsgrad))


def test_adam_default_epsilon_is_close():
    # epsilon=1e-7 inside vs outside the bias correction: visible only far below the step size.
    compare(optimizers.Adam(learning_rate=0.01), lambda p: torch.optim.Adam(p, lr=0.01, eps=1e-7), rtol=1e-6)


def test_adamw_epsilon_zero():
    compare(optimizers.AdamW(learning_rate=0.01, weight_decay=0.1, epsilon=0.0),
            lambda p: torch.optim.AdamW(p, lr=0.01, weight_decay=0.1, eps=0.0))


def test_adamax_epsilon_zero():
    compare(optimizers.Adamax(learning_rate=0.01, epsilon=0.0), lambda p: torch.optim.Adamax(p, lr=0.01, eps=0.0))


def test_nadam_momentum_decay_one():
    compare(optimizers.Nadam(learning_rate=0.01), lambda p: torch.optim.NAdam(p, lr=0.01, eps=1e-7, momentum_decay=1.0))


def test_adagrad_initial_accumulator_epsilon_zero():
    compare(optimizers.Adagrad(learning_rate=0.1, initial_accumulator_value=0.1, epsilon=0.0),
            lambda p: torch.optim.Adagrad(p, lr=0.1, initial_accumulator_value=0.1, eps=0.0))


@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.7])
def test_rmsprop_epsilon_zero(centered, momentum):
    compare(optimizers.RMSprop(learning_rate=0.01, rho=0.9, momentum=momentum, epsilon=0.0, centered=centered),
            lambda p: torch.optim.RMSprop(p, lr=0.01, alpha=0.9, momentum=momentum, eps=0.0, centered=centered))


def test_adadelta_exact():
    compare(optimizers.Adadelta(learning_rate=1.0, rho=0.9, epsilon=1e-6),
            lambda p: torch.optim.Adadelta(p, lr=1.0, rho=0.9, eps=1e-6))
