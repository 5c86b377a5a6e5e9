"""ReLU, LeakyReLU, ELU, Softmax, PReLU: layer contract, Keras's formulas and defaults, Keras 3 as an oracle."""

import numpy as np
import pytest

import striate
from striate.layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from tests.helpers import check_layer_contract
from tests.keras_oracle import float32_tolerance, keras_layer_output

RNG = np.random.default_rng(12)


def _away_from_kinks(shape, kinks=(0.0,), margin=0.05, seed=0):
    """Values at least ``margin`` from every kink, so finite differences never straddle one."""
    x = np.random.default_rng(seed).uniform(-3, 9, size=shape)
    for k in kinks:
        near = np.abs(x - k) < margin
        x[near] = k + margin * 2
    return x


@pytest.mark.parametrize("make,params", [
    (lambda: ReLU(), 0), (lambda: ReLU(max_value=1.0, negative_slope=0.1, threshold=0.5), 0),
    (lambda: LeakyReLU(), 0), (lambda: ELU(alpha=0.7), 0), (lambda: Softmax(), 0), (lambda: Softmax(axis=[1, 2]), 0),
    (lambda: PReLU(alpha_initializer="random_uniform"), 3 * 4), (lambda: PReLU(shared_axes=[1]), 4),
])
def test_layer_contract(make, params):
    check_layer_contract(make, (3, 4), (3, 4), params, loss_decreases=params > 0)


@pytest.mark.parametrize("kwargs", [
    {}, {"max_value": 6.0}, {"negative_slope": 0.1}, {"threshold": 1.0}, {"max_value": 4.0, "threshold": 1.5},
    {"max_value": 5.0, "negative_slope": 0.2, "threshold": 0.5},
])
def test_relu_formula_and_keras(kwargs):
    x = _away_from_kinks((4, 6), kinks=(0.0, kwargs.get("threshold", 0.0), kwargs.get("max_value") or 0.0))
    m, a, t = kwargs.get("max_value", np.inf), kwargs.get("negative_slope", 0.0), kwargs.get("threshold", 0.0)
    expected = np.where(x >= m, m, np.where(x > t, x, a * (x - t)))
    with striate.backend.floatx_scope("float64"):
        layer64 = ReLU(**kwargs)
        np.testing.assert_allclose(layer64(x).data, expected, rtol=1e-12, atol=1e-12)
        assert striate.gradcheck(lambda v: layer64(v), x)
    layer = ReLU(**kwargs)
    x32 = x.astype("float32")
    np.testing.assert_allclose(layer(x32).data, keras_layer_output("ReLU", kwargs, [], x32), **float32_tolerance())


@pytest.mark.parametrize("class_name,kwargs", [
    ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.05}), ("ELU", {}), ("ELU", {"alpha": 0.5}),
    ("Softmax", {}), ("Softmax", {"axis": 1}), ("Softmax", {"axis": [1, 2]}),
])
def test_same_outputs_as_keras(class_name, kwargs):
    x = RNG.standard_normal((2, 3, 5)).astype("float32") * 3
    ours = getattr(striate.layers, class_name)(**kwargs)(x).data
    np.testing.assert_allclose(ours, keras_layer_output(class_name, kwargs, [], x), **float32_tolerance(terms=15))


def test_prelu_matches_keras_with_learned_slopes():
    x = RNG.standard_normal((2, 4, 5, 3)).astype("float32")
    layer = PReLU(alpha_initializer="random_uniform", shared_axes=[1, 2])
    ours = layer(x).data
    assert layer.alpha.shape == (1, 1, 3)
    expected = keras_layer_output("PReLU", {"shared_axes": [1, 2]}, layer.get_weights(), x)
    np.testing.assert_allclose(ours, expected, **float32_tolerance())


def test_defaults_follow_keras():
    assert LeakyReLU().negative_slope == 0.3 and LeakyReLU(alpha=0.1).negative_slope == 0.1
    assert ReLU().get_config()["max_value"] is None and ELU().alpha == 1.0 and Softmax().axis == -1
    assert ReLU(name="r").name == "r" and ReLU().name.startswith("re_lu") and PReLU().name.startswith("p_re_lu")
    for layer in (ReLU(6.0, 0.1, 0.5), LeakyReLU(0.2), ELU(0.3), Softmax([1, 2]), PReLU(shared_axes=[1])):
        config = layer.get_config()
        assert type(layer).from_config(config).get_config() == config


def test_bad_arguments_name_the_layer():
    with pytest.raises(ValueError, match="ReLU 'r': max_value must be a number >= 0"):
        ReLU(max_value=-1, name="r")
    with pytest.raises(ValueError, match="negative_slope"):
        LeakyReLU(negative_slope=-0.1)
    with pytest.raises(ValueError, match=r"Softmax 's': axis 3 is out of range"):
        Softmax(axis=3, name="s")(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="shared_axes must be positive"):
        PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match=r"PReLU 'p'.*known size"):
        PReLU(name="p")(striate.Input(shape=(None, 3)))
