"""get / serialize / deserialize and get_config / from_config."""

import json

import numpy as np
import pytest

from striate import optimizers
from striate.optimizers import schedules
from striate.variables import Variable

CLASSES = {"sgd": optimizers.SGD, "adam": optimizers.Adam, "adamw": optimizers.AdamW,
           "rmsprop": optimizers.RMSprop, "adagrad": optimizers.Adagrad, "adadelta": optimizers.Adadelta,
           "adamax": optimizers.Adamax, "nadam": optimizers.Nadam}

# Keras 3's defaults, verbatim.
KERAS_DEFAULTS = {
    "sgd": {"name": "SGD", "learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "adam": {"name": "adam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7,
             "amsgrad": False},
    "adamw": {"name": "adamw", "learning_rate": 0.001, "weight_decay": 0.004, "beta_1": 0.9, "beta_2": 0.999,
              "epsilon": 1e-7, "amsgrad": False},
    "rmsprop": {"name": "rmsprop", "learning_rate": 0.001, "rho": 0.9, "momentum": 0.0, "epsilon": 1e-7,
                "centered": False},
    "adagrad": {"name": "adagrad", "learning_rate": 0.001, "initial_accumulator_value": 0.1, "epsilon": 1e-7},
    "adadelta": {"name": "adadelta", "learning_rate": 0.001, "rho": 0.95, "epsilon": 1e-7},
    "adamax": {"name": "adamax", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
    "nadam": {"name": "nadam", "learning_rate": 0.001, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-7},
}
BASE_KEYS = {"name", "learning_rate", "weight_decay", "clipnorm", "global_clipnorm", "clipvalue", "use_ema",
             "ema_momentum", "ema_overwrite_frequency", "loss_scale_factor", "gradient_accumulation_steps"}


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_get_by_name_gives_keras_defaults(name):
    for spelling in (name, name.upper(), CLASSES[name].__name__):
        opt = optimizers.get(spelling)
        assert type(opt) is CLASSES[name]
    config = opt.get_config()
    assert BASE_KEYS <= set(config)
    for key, value in KERAS_DEFAULTS[name].items():
        assert config[key] == value, key


def test_get_returns_instances_and_none_unchanged():
    opt = optimizers.Adam()
    assert optimizers.get(opt) is opt
    assert optimizers.get(None) is None


def test_get_gives_a_fresh_instance_each_time():
    assert optimizers.get("adam") is not optimizers.get("adam")


def test_get_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match="adamw.*sgd|sgd.*adamw"):
        optimizers.get("adamx")


@pytest.mark.parametrize("bad", [3, 0.1, ["adam"], optimizers.Adam])
def test_get_wrong_type(bad):
    with pytest.raises(TypeError):
        optimizers.get(bad)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_serialize_round_trip_through_json(name):
    opt = CLASSES[name](learning_rate=0.05, clipnorm=2.0, name="mine")
    payload = json.loads(json.dumps(optimizers.serialize(opt)))
    assert payload["class_name"] == CLASSES[name].__name__ and payload["module"] == "keras.optimizers"
    clone = optimizers.deserialize(payload)
    assert type(clone) is CLASSES[name] and clone.get_config() == opt.get_config()
    assert optimizers.get(payload).get_config() == opt.get_config()


def test_config_with_schedule_round_trips():
    schedule = schedules.CosineDecay(0.1, decay_steps=100, warmup_target=0.2, warmup_steps=10)
    opt = optimizers.Nadam(learning_rate=schedule)
    config = json.loads(json.dumps(opt.get_config()))
    assert config["learning_rate"]["class_name"] == "CosineDecay"
    clone = optimizers.Nadam.from_config(config)
    assert isinstance(clone._learning_rate, schedules.CosineDecay)
    assert clone.get_config() == opt.get_config()


def test_deserialize_accepts_a_keras_written_config():
    # The shape of keras.optimizers.serialize(keras.optimizers.Adam(...)) in Keras 3.
    keras_config = {"module": "keras.optimizers", "class_name": "Adam", "registered_name": None, "config": {
        "name": "adam", "learning_rate": 0.0010000000474974513, "weight_decay": None, "clipnorm": None,
        "global_clipnorm": None, "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
        "ema_overwrite_frequency": None, "loss_scale_factor": None, "gradient_accumulation_steps": None,
        "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07, "amsgrad": False}}
    opt = optimizers.deserialize(keras_config)
    assert type(opt) is optimizers.Adam and opt.learning_rate == pytest.approx(0.001)


def test_deserialize_custom_optimizer():
    class Halving(optimizers.Optimizer):
        def __init__(self, learning_rate=0.5, name="halving", **kwargs):
            super().__init__(learning_rate=learning_rate, name=name, **kwargs)

        def update_step(self, grad, variable, learning_rate):
            variable.data *= learning_rate

    opt = optimizers.deserialize(optimizers.serialize(Halving()), custom_objects={"Halving": Halving})
    v = Variable(np.array([4.0]))
    opt.apply([np.zeros(1)], [v])
    assert v.numpy()[0] == 2.0


def test_deserialize_bad_input():
    with pytest.raises(TypeError):
        optimizers.deserialize("adam")
    with pytest.raises(ValueError):
        optimizers.deserialize({"class_name": "Adam", "config": {"beta_3": 0.5}})


def test_serialize_rejects_non_optimizers():
    with pytest.raises(TypeError):
        optimizers.serialize("adam")


def test_repr_shows_name_and_learning_rate():
    assert repr(optimizers.Adam()) == "<Adam name='adam' learning_rate=0.001 iterations=0>"
