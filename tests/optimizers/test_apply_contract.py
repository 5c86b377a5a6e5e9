"""What the training loop relies on: apply() updates in place, leaves gradients alone, ..."""

import warnings

import numpy as np
import pytest

from striate import optimizers
from striate.optimizers import schedules
from striate.tensor import Tensor
from striate.variables import Variable

NAMES = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"]
# Options that touch every code path of the base class.
HEAVY = {"momentum": 0.9, "nesterov": True, "amsgrad": True, "centered": True}


def make(name, **options):
    opt = optimizers.get(name)
    config = opt.get_config()
    config.update({k: v for k, v in options.items() if k in config or k in ("clipnorm", "global_clipnorm")})
    return type(opt).from_config(config)


def mlp_variables(dtype="float32"):
    rng = np.random.default_rng(0)
    return [Variable(rng.standard_normal(s), dtype=dtype) for s in [(5, 4), (4,), (4, 2), (2,)]]


def grads_for(variables, seed=1):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(v.shape).astype(v.dtype) for v in variables]


@pytest.mark.parametrize("name", NAMES)
def test_updates_in_place_and_never_touches_gradients(name):
    opt = make(name, learning_rate=0.1, **HEAVY)
    variables = mlp_variables()
    arrays = [v.data for v in variables]
    before = [a.copy() for a in arrays]
    grads = grads_for(variables)
    grads_before = [g.copy() for g in grads]
    for _ in range(3):
        opt.apply(grads, variables)
    for v, a, b in zip(variables, arrays, before):
        assert v.data is a                      # not rebound: layers hold references
        assert v.dtype == np.float32
        assert not np.array_equal(a, b)
    for g, g0 in zip(grads, grads_before):
        np.testing.assert_array_equal(g, g0)
    assert opt.iterations == 3


@pytest.mark.parametrize("clip", [{"clipnorm": 0.1}, {"global_clipnorm": 0.1}, {"clipvalue": 0.1}])
def test_clipping_never_touches_gradients(clip):
    opt = optimizers.SGD(learning_rate=0.1, **clip)
    variables, grads = mlp_variables(), grads_for(mlp_variables())
    grads_before = [g.copy() for g in grads]
    opt.apply(grads, variables)
    for g, g0 in zip(grads, grads_before):
        np.testing.assert_array_equal(g, g0)


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_with_float64_gradients(name):
    opt = make(name)
    variables = mlp_variables()
    opt.apply([g.astype(np.float64) for g in grads_for(variables)], variables)
    assert all(v.dtype == np.float32 for v in variables)
    assert all(a.dtype == np.float32 for a in opt.variables)


@pytest.mark.parametrize("name", NAMES)
def test_non_finite_gradients_do_not_raise_or_warn(name):
    opt = make(name, **HEAVY)
    v = Variable(np.ones(4))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.apply([np.array([np.nan, np.inf, -np.inf, 1.0])], [v])
        opt.apply([np.array([1.0, 1.0, 1.0, 1.0])], [v])
    assert opt.iterations == 2


@pytest.mark.parametrize("clip", [{"clipnorm": 1.0}, {"global_clipnorm": 1.0}])
def test_non_finite_gradients_with_norm_clipping_give_nan_not_errors(clip):
    v = Variable(np.ones(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        optimizers.SGD(**clip).apply([np.array([np.inf, 1.0])], [v])
    assert np.isnan(v.numpy()[0])


def test_none_gradient_skips_the_variable():
    a, b = Variable(np.ones(2)), Variable(np.ones(3))
    opt = optimizers.Adam()
    opt.apply([None, np.ones(3)], [a, b])
    np.testing.assert_array_equal(a.numpy(), np.ones(2))
    assert not np.array_equal(b.numpy(), np.ones(3))
    assert len(opt.variables) == 2                      # only b has slots


def test_state_is_built_lazily_in_first_seen_order():
    a, b, c = Variable(np.ones(1)), Variable(np.ones(2)), Variable(np.ones(3))
    opt = optimizers.SGD(momentum=0.5)
    opt.apply([None, np.ones(2)], [a, b])
    opt.apply([np.ones(3), np.ones(1), np.ones(2)], [c, a, b])
    assert [s.shape for s in opt.variables] == [(2,), (3,), (1,)]
    assert sorted(opt.get_state()) == ["0/momentum", "1/momentum", "2/momentum", "iterations"]


def test_apply_gradients_zip_form():
    v = Variable(np.array([1.0]))
    opt = optimizers.SGD(learning_rate=0.5)
    assert opt.apply_gradients(zip([np.array([1.0])], [v])) == 1
    assert v.numpy()[0] == 0.5


def test_gradients_may_be_tensors_or_lists():
    v = Variable(np.array([1.0, 1.0]))
    opt = optimizers.SGD(learning_rate=0.5)
    opt.apply([Tensor(np.array([1.0, 1.0]))], [v])
    opt.apply([[1.0, 1.0]], [v])
    np.testing.assert_array_equal(v.numpy(), [0.0, 0.0])


def test_empty_lists_are_a_no_op():
    opt = optimizers.Adam()
    opt.apply([], [])
    assert opt.iterations == 0


def test_errors_name_the_problem():
    v = Variable(np.ones((2, 3)), name="kernel")
    opt = optimizers.Adam()
    with pytest.raises(ValueError, match="2 gradients for 1 variables"):
        opt.apply([np.ones((2, 3)), np.ones(1)], [v])
    with pytest.raises(ValueError, match=r"shape \(3, 2\).*'kernel'.*\(2, 3\)"):
        opt.apply([np.ones((3, 2))], [v])
    with pytest.raises(ValueError, match="no gradients"):
        opt.apply([None], [v])
    with pytest.raises(TypeError, match="ndarray"):
        opt.apply([np.ones(2)], [np.ones(2)])
    with pytest.raises(TypeError, match="float variables"):
        opt.apply([np.ones(2)], [Variable(np.array([1, 2]))])
    assert opt.iterations == 0


def test_learning_rate_property_and_setter():
    opt = optimizers.Adam(learning_rate=0.01)
    assert opt.learning_rate == 0.01 and isinstance(opt.learning_rate, float)
    opt.learning_rate = 0.5                           # what ReduceLROnPlateau does
    assert opt.learning_rate == 0.5
    opt.learning_rate = schedules.ExponentialDecay(1.0, 1, 0.5)
    assert opt.learning_rate == 1.0
    opt.apply([np.ones(1)], [Variable(np.ones(1))])
    assert opt.learning_rate == 0.5                   # evaluated at iterations
    with pytest.raises(TypeError, match="LearningRateSchedule"):
        opt.learning_rate = 0.1                       # as Keras: a schedule cannot become a number
    with pytest.raises(ValueError, match="learning_rate"):
        optimizers.SGD().learning_rate = -1.0


@pytest.mark.parametrize("kwargs, error", [
    ({"learning_rate": -0.1}, ValueError),
    ({"learning_rate": float("nan")}, ValueError),
    ({"learning_rate": "0.1"}, TypeError),
    ({"learning_rate": True}, TypeError),
    ({"learning_rate": None}, TypeError),
    ({"beta_1": 1.0}, ValueError),
    ({"beta_2": -0.1}, ValueError),
    ({"epsilon": -1e-7}, ValueError),
    ({"amsgrad": "yes"}, TypeError),
    ({"clipnorm": 1.0, "global_clipnorm": 1.0}, ValueError),
    ({"clipnorm": 1.0, "clipvalue": 1.0}, ValueError),
    ({"clipnorm": -1.0}, ValueError),
    ({"weight_decay": -0.1}, ValueError),
    ({"gradient_accumulation_steps": 1}, ValueError),
    ({"gradient_accumulation_steps": 2.0}, TypeError),
    ({"ema_momentum": 1.5}, ValueError),
    ({"loss_scale_factor": 0.0}, ValueError),
    ({"bogus": 1}, ValueError),
])
def test_bad_constructor_arguments(kwargs, error):
    with pytest.raises(error):
        optimizers.Adam(**kwargs)


@pytest.mark.parametrize("make_bad", [
    lambda: optimizers.SGD(momentum=1.5),
    lambda: optimizers.RMSprop(rho=2.0),
    lambda: optimizers.Adagrad(initial_accumulator_value=-0.1),
    lambda: optimizers.Adadelta(rho=-0.5),
    lambda: optimizers.Adamax(beta_1=1.0),
    lambda: optimizers.Nadam(beta_2=1.0),
    lambda: optimizers.AdamW(weight_decay=None),
])
def test_bad_optimizer_specific_arguments(make_bad):
    with pytest.raises(ValueError):
        make_bad()


def test_errors_name_optimizer_and_argument():
    with pytest.raises(ValueError, match=r"RMSprop: `rho`"):
        optimizers.RMSprop(rho=2.0)


def test_decay_argument_is_ignored_with_a_warning_as_keras():
    with pytest.warns(UserWarning, match="decay"):
        optimizers.SGD(decay=0.1)


def test_integer_learning_rate_is_accepted():
    assert optimizers.SGD(learning_rate=1).learning_rate == 1.0
