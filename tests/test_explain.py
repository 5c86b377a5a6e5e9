"""striate.explain.backprop: the lecture's δ, δ̄ and Δ, checked against NumPy and finite differences."""

import numpy as np
import pytest

import striate
from striate import explain


def lecture_network(output_activation="sigmoid"):
    return striate.Sequential([
        striate.Input(shape=(2,)),
        striate.layers.Dense(3, activation="sigmoid", name="H1"),
        striate.layers.Dense(3, activation="sigmoid", name="H2"),
        striate.layers.Dense(1, activation=output_activation, name="out"),
    ])


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_quantities_match_a_hand_written_numpy_backprop():
    model = lecture_network(output_activation=None)
    x, y = np.array([0.3, -0.7]), np.array([0.5])
    trace = explain.backprop(model, x, y, loss="mse")
    kernels = [l.kernel.data.astype(np.float64) for l in model.layers]
    biases = [l.bias.data.astype(np.float64) for l in model.layers]
    # forward by hand
    v, vs, zs = x, [x], []
    for i, (K, b) in enumerate(zip(kernels, biases)):
        z = K.T @ v + b
        v = sigmoid(z) if i < 2 else z
        zs.append(z)
        vs.append(v)
    assert trace.loss == pytest.approx(float(((v - y) ** 2).mean()), rel=1e-5)
    for got, want in zip(trace.values, vs):
        np.testing.assert_allclose(got, want, rtol=1e-5)
    # backward by hand: J = (v3 - y)^2 -> δ_3 = 2 (v3 - y)
    delta = 2 * (vs[-1] - y)
    for i in reversed(range(3)):
        np.testing.assert_allclose(trace.node_grads[i + 1], delta, rtol=1e-4, atol=1e-7)
        delta_bar = delta * (sigmoid(zs[i]) * (1 - sigmoid(zs[i])) if i < 2 else 1.0)
        np.testing.assert_allclose(trace.pre_activation_grads[i], delta_bar, rtol=1e-4, atol=1e-7)
        np.testing.assert_allclose(trace.kernel_grads[i], np.outer(vs[i], delta_bar), rtol=1e-4, atol=1e-7)
        delta = kernels[i] @ delta_bar
    np.testing.assert_allclose(trace.node_grads[0], delta, rtol=1e-4, atol=1e-7)
    assert trace.checks_passed


def test_weight_gradients_agree_with_finite_differences():
    with striate.backend.floatx_scope("float64"):
        model = lecture_network()
    x, y = np.array([0.5, -1.0]), np.array([1.0])
    trace = explain.backprop(model, x, y, loss="binary_crossentropy")
    kernel = model.get_layer("H1").kernel
    eps = 1e-6
    loss = striate.losses.get("binary_crossentropy")
    for index in [(0, 0), (1, 2)]:
        original = kernel.data[index]
        values = []
        for sign in (1, -1):
            kernel.data[index] = original + sign * eps
            values.append(float(loss(y.reshape(1, 1), model(x.reshape(1, 2))).data))
        kernel.data[index] = original
        assert trace.kernel_grads[0][index] == pytest.approx((values[0] - values[1]) / (2 * eps), rel=1e-5)


def test_format_names_every_layer_and_reports_the_checks():
    text = explain.backprop(lecture_network(), np.array([1.0, 2.0]), np.array([0.0]), loss="mse").format()
    for token in ("v̄_1", "δ̄_3", "Δ_0", "H1", "H2", "out", "all checks passed"):
        assert token in text


def test_model_gradients_are_left_clean():
    model = lecture_network()
    explain.backprop(model, np.array([1.0, 2.0]), np.array([0.0]), loss="mse")
    assert all(w.grad is None for w in model.weights)


def test_rejects_non_dense_layers_and_wrong_sizes():
    model = striate.Sequential([striate.Input(shape=(4,)), striate.layers.Reshape((2, 2)),
                                striate.layers.Flatten(), striate.layers.Dense(1)])
    with pytest.raises(ValueError, match="Reshape"):
        explain.backprop(model, np.ones(4), np.ones(1))
    with pytest.raises(ValueError, match="features"):
        explain.backprop(lecture_network(), np.ones(3), np.ones(1))
