"""Learning-rate schedules against the formulas in Keras 3's documentation."""

import json
import math

import pytest

from striate import optimizers
from striate.optimizers import schedules


@pytest.mark.parametrize("step", [0, 1, 7, 10, 25, 1000])
def test_exponential_decay(step):
    s = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.96)
    assert s(step) == pytest.approx(0.1 * 0.96 ** (step / 10), rel=1e-12)
    stairs = schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.96, staircase=True)
    assert stairs(step) == pytest.approx(0.1 * 0.96 ** (step // 10), rel=1e-12)


def test_exponential_staircase_is_flat_within_a_stair():
    s = schedules.ExponentialDecay(1.0, decay_steps=4, decay_rate=0.5, staircase=True)
    assert [s(t) for t in range(9)] == [1.0] * 4 + [0.5] * 4 + [0.25]


def test_piecewise_constant_boundaries_belong_to_the_earlier_piece():
    s = schedules.PiecewiseConstantDecay([100, 110], [1.0, 0.5, 0.1])
    assert [s(0), s(100), s(101), s(110), s(111), s(10 ** 6)] == [1.0, 1.0, 0.5, 0.5, 0.1, 0.1]


@pytest.mark.parametrize("step", [0, 3, 10, 15])
def test_inverse_time_decay(step):
    s = schedules.InverseTimeDecay(0.1, decay_steps=4, decay_rate=0.5)
    assert s(step) == pytest.approx(0.1 / (1 + 0.5 * step / 4), rel=1e-12)
    stairs = schedules.InverseTimeDecay(0.1, decay_steps=4, decay_rate=0.5, staircase=True)
    assert stairs(step) == pytest.approx(0.1 / (1 + 0.5 * (step // 4)), rel=1e-12)


@pytest.mark.parametrize("step", [0, 2, 5, 10, 20])
def test_polynomial_decay(step):
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, power=0.5)
    clipped = min(step, 10)
    assert s(step) == pytest.approx((0.1 - 0.01) * (1 - clipped / 10) ** 0.5 + 0.01, rel=1e-12)


@pytest.mark.parametrize("step, multiple", [(0, 1), (5, 1), (10, 1), (11, 2), (25, 3)])
def test_polynomial_decay_cycle(step, multiple):
    s = schedules.PolynomialDecay(0.1, decay_steps=10, end_learning_rate=0.01, cycle=True)
    decay_steps = 10 * multiple
    assert s(step) == pytest.approx((0.1 - 0.01) * (1 - step / decay_steps) + 0.01, rel=1e-12)


@pytest.mark.parametrize("step", [0, 3, 10, 50])
def test_cosine_decay(step):
    s = schedules.CosineDecay(0.1, decay_steps=10, alpha=0.1)
    t = min(step, 10)
    assert s(step) == pytest.approx(0.1 * ((1 - 0.1) * 0.5 * (1 + math.cos(math.pi * t / 10)) + 0.1), rel=1e-12)


@pytest.mark.parametrize("step", [0, 1, 4, 5, 9, 14, 15, 100])
def test_cosine_decay_with_warmup(step):
    s = schedules.CosineDecay(0.01, decay_steps=10, warmup_target=0.1, warmup_steps=5)
    if step < 5:
        expected = 0.01 + (0.1 - 0.01) * step / 5
    else:
        t = min(step - 5, 10)
        expected = 0.1 * 0.5 * (1 + math.cos(math.pi * t / 10))
    assert s(step) == pytest.approx(expected, rel=1e-12, abs=1e-15)


ALL = [
    schedules.ExponentialDecay(0.1, 10, 0.5, staircase=True),
    schedules.PiecewiseConstantDecay([3, 7], [0.3, 0.2, 0.1]),
    schedules.InverseTimeDecay(0.1, 5, 2.0),
    schedules.PolynomialDecay(0.1, 10, cycle=True),
    schedules.CosineDecay(0.0, 10, alpha=0.2, warmup_target=0.5, warmup_steps=3),
]


@pytest.mark.parametrize("schedule", ALL, ids=lambda s: type(s).__name__)
def test_serialize_round_trip_through_json(schedule):
    config = json.loads(json.dumps(schedules.serialize(schedule)))
    assert config["class_name"] == type(schedule).__name__
    clone = schedules.deserialize(config)
    assert type(clone) is type(schedule) and clone.get_config() == schedule.get_config()
    assert [clone(t) for t in range(20)] == [schedule(t) for t in range(20)]


@pytest.mark.parametrize("make", [
    lambda: schedules.ExponentialDecay(0.1, decay_steps=0, decay_rate=0.5),
    lambda: schedules.InverseTimeDecay(0.1, decay_steps=-1, decay_rate=0.5),
    lambda: schedules.PolynomialDecay(0.1, decay_steps=0),
    lambda: schedules.CosineDecay(0.1, decay_steps=0),
    lambda: schedules.PiecewiseConstantDecay([1, 2], [0.1, 0.2]),
    lambda: schedules.PiecewiseConstantDecay([2, 1], [0.1, 0.2, 0.3]),
])
def test_bad_arguments_raise_value_error(make):
    with pytest.raises(ValueError):
        make()


def test_wrong_types_raise_type_error():
    with pytest.raises(TypeError, match="initial_learning_rate"):
        schedules.ExponentialDecay("0.1", 10, 0.5)
    with pytest.raises(TypeError, match="staircase"):
        schedules.ExponentialDecay(0.1, 10, 0.5, staircase="yes")


def test_deserialize_unknown_and_custom():
    with pytest.raises(ValueError, match="Nope"):
        schedules.deserialize({"class_name": "Nope", "config": {}})

    class Halve(schedules.LearningRateSchedule):
        def __init__(self, rate):
            self.rate = rate

        def __call__(self, step):
            return self.rate / 2 ** step

        def get_config(self):
            return {"rate": self.rate}

    clone = schedules.deserialize(schedules.serialize(Halve(1.0)), custom_objects={"Halve": Halve})
    assert clone(2) == 0.25


def test_base_class_must_be_overridden():
    with pytest.raises(NotImplementedError):
        schedules.LearningRateSchedule()(0)


def test_reachable_as_attribute_of_the_package():
    import striate.optimizers

    assert striate.optimizers.schedules.ExponentialDecay is schedules.ExponentialDecay
    assert optimizers.schedules is schedules
