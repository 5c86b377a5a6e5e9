"""get_state / set_state: checkpoints that numpy.savez and JSON can hold."""

import io
import json

import numpy as np
import pytest

from striate import optimizers
from striate.variables import Variable

NAMES = ["sgd", "adam", "adamw", "rmsprop", "adagrad", "adadelta", "adamax", "nadam"]
OPTIONS = {"sgd": {"momentum": 0.9}, "adam": {"amsgrad": True}, "rmsprop": {"momentum": 0.5, "centered": True}}


def make(name):
    config = {"learning_rate": 0.01, **OPTIONS.get(name, {})}
    return optimizers.get({"class_name": name, "config": config})


def model(seed=0):
    rng = np.random.default_rng(seed)
    return [Variable(rng.standard_normal(s), name=n) for s, n in [((3, 2), "kernel"), ((2,), "bias")]]


def train(opt, variables, steps, seed=1):
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        opt.apply([rng.standard_normal(v.shape) for v in variables], variables)


@pytest.mark.parametrize("name", NAMES)
def test_restored_optimizer_continues_identically(name):
    """Train 3 steps, checkpoint through npz + JSON, restore into fresh objects, train on: same weights."""
    variables, opt = model(), make(name)
    train(opt, variables, 3)
    state = opt.get_state(variables)
    assert all(isinstance(a, np.ndarray) for a in state.values())

    buffer = io.BytesIO()
    np.savez(buffer, **state)
    buffer.seek(0)
    loaded = dict(np.load(buffer))
    config = json.loads(json.dumps(optimizers.serialize(opt)))

    clone_vars = model()
    for v, c in zip(variables, clone_vars):
        c.assign(v.numpy())
    clone = optimizers.deserialize(config)
    clone.set_state(loaded, clone_vars)
    assert clone.iterations == opt.iterations == 3

    train(opt, variables, 2, seed=5)
    train(clone, clone_vars, 2, seed=5)
    for v, c in zip(variables, clone_vars):
        np.testing.assert_array_equal(v.numpy(), c.numpy())


def test_state_format():
    variables, opt = model(), optimizers.Adam()
    train(opt, variables, 2)
    state = opt.get_state()
    assert sorted(state) == ["0/momentum", "0/velocity", "1/momentum", "1/velocity", "iterations"]
    assert state["iterations"].dtype == np.int64 and state["iterations"] == 2
    assert state["0/momentum"].shape == (3, 2) and state["0/momentum"].dtype == np.float32
    # A copy: changing it does not change the optimizer.
    state["0/momentum"][...] = 99
    assert not np.any(opt.get_state()["0/momentum"] == 99)


def test_nadam_state_includes_the_shared_product():
    variables, opt = model(), optimizers.Nadam()
    train(opt, variables, 2)
    expected = (0.9 * (1 - 0.5 * 0.96)) * (0.9 * (1 - 0.5 * 0.96 ** 2))
    assert opt.get_state()["u_product"] == pytest.approx(expected)


def test_indices_follow_the_given_list():
    a, b = model()
    opt = optimizers.SGD(momentum=0.9)
    opt.apply([None, np.ones(2)], [a, b])            # only b has state
    assert sorted(opt.get_state([a, b])) == ["1/momentum", "iterations"]
    assert sorted(opt.get_state()) == ["0/momentum", "iterations"]
    clone = optimizers.SGD(momentum=0.9)
    clone.set_state(opt.get_state([a, b]), [a, b])
    np.testing.assert_array_equal(clone.variables[0], opt.variables[0])


def snapshot(opt):
    return {k: v.copy() for k, v in opt.get_state().items()}


def assert_same(state, other):
    assert sorted(state) == sorted(other)
    for key in state:
        np.testing.assert_array_equal(state[key], other[key])


@pytest.mark.parametrize("corrupt, message", [
    (lambda s: s.update({"0/momentum": np.zeros((2, 3))}), r"'0/momentum' has shape \(2, 3\).*'kernel'.*\(3, 2\)"),
    (lambda s: s.pop("1/velocity"), r"missing \['velocity'\]"),
    (lambda s: s.update({"1/extra": np.zeros(2)}), r"unexpected \['extra'\]"),
    (lambda s: s.pop("iterations"), "iterations"),
    (lambda s: s.update({"iterations": np.array(-1)}), "iterations"),
    (lambda s: s.update({"5/momentum": np.zeros(2)}), "variable 5"),
    (lambda s: s.update({"weird": np.zeros(2)}), "unexpected key 'weird'"),
])
def test_failed_set_state_leaves_state_intact(corrupt, message):
    variables, opt = model(), optimizers.Adam()
    train(opt, variables, 2)
    good = opt.get_state()
    before = snapshot(opt)
    bad = dict(good)
    corrupt(bad)
    # The last slot is valid, so a half-done restore would show up.
    bad_values = {k: (v + 1 if k == "1/momentum" else v) for k, v in bad.items()}
    with pytest.raises(ValueError, match=message):
        opt.set_state(bad_values, variables)
    assert_same(before, snapshot(opt))
    assert opt.iterations == 2


def test_set_state_type_errors():
    with pytest.raises(TypeError):
        optimizers.Adam().set_state([1, 2], [])


def test_state_of_another_optimizer_is_refused():
    variables = model()
    sgd = optimizers.SGD(momentum=0.9)
    train(sgd, variables, 1)
    with pytest.raises(ValueError, match="needs slots"):
        optimizers.Adam().set_state(sgd.get_state(), variables)


def test_set_state_casts_to_the_variable_dtype():
    variables, opt = model(), optimizers.Adam()
    train(opt, variables, 1)
    state = {k: (v.astype(np.float64) if "/" in k else v) for k, v in opt.get_state().items()}
    clone = optimizers.Adam()
    clone.set_state(state, variables)
    assert all(a.dtype == np.float32 for a in clone.variables)


def test_fresh_optimizer_state_round_trips():
    clone = optimizers.Adam()
    clone.set_state(optimizers.Adam().get_state(), model())
    assert clone.iterations == 0 and clone.variables == []
