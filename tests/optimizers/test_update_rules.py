"""First three steps of every optimizer and option against formulas written out here.

The references follow the formulas in Keras 3's documentation and source
(keras/src/optimizers/*.py), step by step in float64, independently of the
implementation's in-place arithmetic.
"""

import math

import numpy as np
import pytest

from striate import optimizers
from striate.optimizers import schedules
from striate.variables import Variable

W0 = np.array([0.5, -1.5, 2.0])
GRADS = [np.array([0.1, -0.2, 0.3]), np.array([-0.4, 0.5, 0.6]), np.array([0.7, -0.8, -0.05])]


def run(opt, w0=W0, grads=GRADS):
    """The weights after each of the steps, for a float64 variable."""
    w = Variable(w0.copy(), dtype="float64")
    history = []
    for g in grads:
        opt.apply([g.copy()], [w])
        history.append(w.numpy().copy())
    return history


def check(opt, expected, rtol=1e-12):
    got = run(opt)
    for step, (a, b) in enumerate(zip(got, expected), start=1):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=1e-15, err_msg=f"step {step}")


# ---- SGD ------------------------------------------------------------------------
def test_sgd_plain():
    w, expected = W0.copy(), []
    for g in GRADS:
        w = w - 0.1 * g
        expected.append(w)
    check(optimizers.SGD(learning_rate=0.1), expected)


@pytest.mark.parametrize("nesterov", [False, True])
def test_sgd_momentum(nesterov):
    lr, mu = 0.1, 0.9
    w, m, expected = W0.copy(), np.zeros(3), []
    for g in GRADS:
        m = mu * m - lr * g
        w = w + mu * m - lr * g if nesterov else w + m
        expected.append(w)
    check(optimizers.SGD(learning_rate=lr, momentum=mu, nesterov=nesterov), expected)


def test_sgd_momentum_literal_values():
    # w=1, g=1 twice, lr=0.1, momentum 0.9: velocities -0.1 and -0.19.
    w = Variable(np.array([1.0]), dtype="float64")
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.apply([np.array([1.0])], [w])
    assert w.numpy()[0] == pytest.approx(0.9)
    opt.apply([np.array([1.0])], [w])
    assert w.numpy()[0] == pytest.approx(0.71)


# ---- Adam family ------------------------------------------------------------------
def adam_reference(lr=0.01, b1=0.9, b2=0.999, eps=1e-7, amsgrad=False, weight_decay=None):
    """Kingma & Ba with "epsilon hat": alpha_t = lr sqrt(1-b2^t)/(1-b1^t), w -= alpha_t m/(sqrt(v)+eps)."""
    w, m, v, v_max, expected = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(GRADS, start=1):
        if weight_decay:
            w = w - w * weight_decay * lr
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        v_max = np.maximum(v_max, v)
        alpha = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        w = w - alpha * m / (np.sqrt(v_max if amsgrad else v) + eps)
        expected.append(w)
    return expected


def test_adam():
    check(optimizers.Adam(learning_rate=0.01), adam_reference())


def test_adam_custom_betas():
    check(optimizers.Adam(learning_rate=0.02, beta_1=0.5, beta_2=0.8, epsilon=1e-3),
          adam_reference(lr=0.02, b1=0.5, b2=0.8, eps=1e-3))


def test_adam_amsgrad():
    # b2 small so that v shrinks between steps and the maximum matters.
    ams = adam_reference(b2=0.5, amsgrad=True)
    assert not np.allclose(ams[2], adam_reference(b2=0.5)[2])
    check(optimizers.Adam(learning_rate=0.01, beta_2=0.5, amsgrad=True), ams)


def test_adam_first_step_literal():
    # m = 0.05, v = 0.00025, alpha = 0.1 sqrt(0.001) / 0.1: a step of ~lr.
    w = Variable(np.array([1.0]), dtype="float64")
    optimizers.Adam(learning_rate=0.1).apply([np.array([0.5])], [w])
    alpha = 0.1 * math.sqrt(0.001) / 0.1
    assert w.numpy()[0] == pytest.approx(1.0 - alpha * 0.05 / (math.sqrt(0.00025) + 1e-7), rel=1e-12)
    assert w.numpy()[0] == pytest.approx(0.9, abs=1e-5)


def test_adamw():
    check(optimizers.AdamW(learning_rate=0.01, weight_decay=0.1), adam_reference(weight_decay=0.1))


def test_adamw_default_decay_is_keras():
    check(optimizers.AdamW(learning_rate=0.01), adam_reference(weight_decay=0.004))


def test_adamax():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w, m, u, expected = W0.copy(), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(GRADS, start=1):
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g))
        w = w - lr * m / ((1 - b1 ** t) * (u + eps))
        expected.append(w)
    check(optimizers.Adamax(learning_rate=lr), expected)


def test_nadam():
    lr, b1, b2, eps = 0.01, 0.9, 0.999, 1e-7
    w, m, v, product, expected = W0.copy(), np.zeros(3), np.zeros(3), 1.0, []
    for t, g in enumerate(GRADS, start=1):
        mu_t = b1 * (1 - 0.5 * 0.96 ** t)
        mu_next = b1 * (1 - 0.5 * 0.96 ** (t + 1))
        product = product * mu_t
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        m_hat = mu_next * m / (1 - product * mu_next) + (1 - mu_t) * g / (1 - product)
        v_hat = v / (1 - b2 ** t)
        w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
        expected.append(w)
    check(optimizers.Nadam(learning_rate=lr), expected)


# ---- RMSprop, Adagrad, Adadelta -------------------------------------------------------
@pytest.mark.parametrize("centered", [False, True])
@pytest.mark.parametrize("momentum", [0.0, 0.5])
def test_rmsprop(centered, momentum):
    lr, rho, eps = 0.01, 0.9, 1e-7
    w, v, mg, buf, expected = W0.copy(), np.zeros(3), np.zeros(3), np.zeros(3), []
    for g in GRADS:
        v = rho * v + (1 - rho) * g ** 2
        if centered:
            mg = rho * mg + (1 - rho) * g
            increment = lr * g / np.sqrt(v - mg ** 2 + eps)
        else:
            increment = lr * g / np.sqrt(v + eps)
        if momentum:
            buf = momentum * buf + increment
            w = w - buf
        else:
            w = w - increment
        expected.append(w)
    check(optimizers.RMSprop(learning_rate=lr, momentum=momentum, centered=centered), expected)


def test_rmsprop_keras_docstring_example():
    # keras.optimizers.RMSprop's docstring: var1 = 10, loss var1**2 / 2, lr 0.1 -> 9.683772
    w = Variable(np.array([10.0]))
    optimizers.RMSprop(learning_rate=0.1).apply([np.array([10.0])], [w])
    assert w.numpy()[0] == pytest.approx(9.683772, abs=1e-6)


@pytest.mark.parametrize("initial", [0.1, 0.0, 2.0])
def test_adagrad(initial):
    lr, eps = 0.1, 1e-7
    w, acc, expected = W0.copy(), np.full(3, initial), []
    for g in GRADS:
        acc = acc + g ** 2
        w = w - lr * g / np.sqrt(acc + eps)
        expected.append(w)
    check(optimizers.Adagrad(learning_rate=lr, initial_accumulator_value=initial), expected)


def test_adadelta():
    lr, rho, eps = 1.0, 0.95, 1e-6
    w, acc_g, acc_d, expected = W0.copy(), np.zeros(3), np.zeros(3), []
    for g in GRADS:
        acc_g = rho * acc_g + (1 - rho) * g ** 2
        delta = -np.sqrt(acc_d + eps) * g / np.sqrt(acc_g + eps)
        acc_d = rho * acc_d + (1 - rho) * delta ** 2
        w = w + lr * delta
        expected.append(w)
    check(optimizers.Adadelta(learning_rate=lr, epsilon=eps), expected)


# ---- options owned by the base class (through SGD, whose step is plain) -----------------
def test_clipnorm_per_variable():
    clip, lr = 0.5, 1.0
    w, expected = W0.copy(), []
    for g in GRADS:
        norm = np.sqrt(np.sum(g ** 2))
        w = w - lr * g * clip / max(norm, clip)
        expected.append(w)
    assert np.sqrt(np.sum(GRADS[0] ** 2)) < clip < np.sqrt(np.sum(GRADS[1] ** 2))  # both branches run
    check(optimizers.SGD(learning_rate=lr, clipnorm=clip), expected)


def test_clipvalue():
    w, expected = W0.copy(), []
    for g in GRADS:
        w = w - 1.0 * np.clip(g, -0.45, 0.45)
        expected.append(w)
    check(optimizers.SGD(learning_rate=1.0, clipvalue=0.45), expected)


def test_global_clipnorm_over_all_variables():
    clip = 0.5
    a, b = Variable(np.array([1.0, 2.0]), dtype="float64"), Variable(np.array([3.0]), dtype="float64")
    ga, gb = np.array([0.3, 0.4]), np.array([1.2])
    optimizers.SGD(learning_rate=1.0, global_clipnorm=clip).apply([ga, gb], [a, b])
    norm = math.sqrt(0.3 ** 2 + 0.4 ** 2 + 1.2 ** 2)                      # 1.3
    np.testing.assert_allclose(a.numpy(), [1.0 - 0.3 * clip / norm, 2.0 - 0.4 * clip / norm], rtol=1e-12)
    np.testing.assert_allclose(b.numpy(), [3.0 - 1.2 * clip / norm], rtol=1e-12)


def test_weight_decay_before_update():
    lr, wd = 0.1, 0.5
    w, expected = W0.copy(), []
    for g in GRADS:
        w = w - w * wd * lr
        w = w - lr * g
        expected.append(w)
    check(optimizers.SGD(learning_rate=lr, weight_decay=wd), expected)


def test_weight_decay_with_adam_uses_current_learning_rate():
    schedule = schedules.ExponentialDecay(0.01, decay_steps=1, decay_rate=0.5)
    b1, b2, eps, wd = 0.9, 0.999, 1e-7, 0.2
    w, m, v, expected = W0.copy(), np.zeros(3), np.zeros(3), []
    for t, g in enumerate(GRADS, start=1):
        lr = 0.01 * 0.5 ** (t - 1)
        w = w - w * wd * lr
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g ** 2
        w = w - lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t) * m / (np.sqrt(v) + eps)
        expected.append(w)
    check(optimizers.Adam(learning_rate=schedule, weight_decay=wd), expected)


def test_schedule_is_evaluated_at_iterations():
    schedule = schedules.PiecewiseConstantDecay([0, 1], [1.0, 0.5, 0.25])
    w, expected = W0.copy(), []
    for lr, g in zip([1.0, 0.5, 0.25], GRADS):       # steps 0, 1, 2
        w = w - lr * g
        expected.append(w)
    opt = optimizers.SGD(learning_rate=schedule)
    check(opt, expected)
    assert opt.learning_rate == 0.25 and opt.iterations == 3


def test_loss_scale_factor_divides_gradients():
    w, expected = W0.copy(), []
    for g in GRADS:
        w = w - 0.1 * (g / 4.0)
        expected.append(w)
    opt = optimizers.SGD(learning_rate=0.1, loss_scale_factor=4.0)
    check(opt, expected)
    assert opt.scale_loss(2.0) == 8.0


def test_gradient_accumulation_updates_every_k_calls_with_the_mean():
    opt = optimizers.SGD(learning_rate=0.1, gradient_accumulation_steps=2)
    history = run(opt, grads=GRADS + [np.array([0.0, 1.0, 0.0])])
    np.testing.assert_array_equal(history[0], W0)                              # accumulated only
    after_two = W0 - 0.1 * (GRADS[0] + GRADS[1]) / 2
    np.testing.assert_allclose(history[1], after_two, rtol=1e-12)
    np.testing.assert_array_equal(history[2], after_two)
    np.testing.assert_allclose(history[3], after_two - 0.1 * (GRADS[2] + [0.0, 1.0, 0.0]) / 2, rtol=1e-12)
    assert opt.iterations == 2


def test_gradient_accumulation_adam_counts_updates_not_calls():
    grads = [GRADS[0], GRADS[0], GRADS[1], GRADS[1]]
    got = run(optimizers.Adam(learning_rate=0.01, gradient_accumulation_steps=2), grads=grads)
    # Two Adam updates with t = 1, 2 on the means, which are GRADS[0] and GRADS[1].
    np.testing.assert_allclose(got[1], adam_reference()[0], rtol=1e-12)
    np.testing.assert_allclose(got[3], adam_reference()[1], rtol=1e-12)


def test_ema_average_and_finalize():
    mom, lr = 0.5, 0.1
    opt = optimizers.SGD(learning_rate=lr, use_ema=True, ema_momentum=mom)
    w = Variable(W0.copy(), dtype="float64")
    weights, average = W0.copy(), None
    for g in GRADS:
        opt.apply([g], [w])
        weights = weights - lr * g
        # Keras: momentum 0 on the first step (average = weights), then mom.
        average = weights.copy() if average is None else mom * average + (1 - mom) * weights
    np.testing.assert_allclose(w.numpy(), weights, rtol=1e-12)
    opt.finalize_variable_values([w])
    np.testing.assert_allclose(w.numpy(), average, rtol=1e-12)


def test_ema_overwrite_frequency():
    opt = optimizers.SGD(learning_rate=0.1, use_ema=True, ema_momentum=0.5, ema_overwrite_frequency=2)
    got = run(opt)
    step1 = W0 - 0.1 * GRADS[0]
    average = 0.5 * step1 + 0.5 * (step1 - 0.1 * GRADS[1])
    np.testing.assert_allclose(got[1], average, rtol=1e-12)     # overwritten at iteration 2


def test_exclude_from_weight_decay():
    kernel = Variable(np.array([1.0]), name="kernel", dtype="float64")
    bias = Variable(np.array([1.0]), name="bias", dtype="float64")
    other = Variable(np.array([1.0]), name="other", dtype="float64")
    opt = optimizers.SGD(learning_rate=0.1, weight_decay=0.5)
    opt.exclude_from_weight_decay(var_list=[other], var_names=["bias"])
    zero = np.array([0.0])
    opt.apply([zero, zero, zero], [kernel, bias, other])
    assert kernel.numpy()[0] == pytest.approx(1 - 0.5 * 0.1)
    assert bias.numpy()[0] == 1.0 and other.numpy()[0] == 1.0
