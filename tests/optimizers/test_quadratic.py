"""Every optimizer drives an ill-conditioned quadratic bowl to its minimum."""

import numpy as np
import pytest

from striate import optimizers
from striate.variables import Variable

A = np.array([1.0, 4.0, 0.25, 2.0])        # curvatures
TARGET = np.array([1.0, -2.0, 0.5, 3.0])


def loss(w):
    return 0.5 * np.sum(A * (w - TARGET) ** 2)


@pytest.mark.parametrize("name, config, steps", [
    ("SGD", {"learning_rate": 0.2}, 200),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9}, 200),
    ("SGD", {"learning_rate": 0.1, "momentum": 0.9, "nesterov": True}, 200),
    ("Adam", {"learning_rate": 0.1}, 300),
    ("Adam", {"learning_rate": 0.1, "amsgrad": True}, 300),
    ("AdamW", {"learning_rate": 0.1, "weight_decay": 1e-4}, 300),
    ("RMSprop", {"learning_rate": 0.01}, 400),
    ("RMSprop", {"learning_rate": 0.01, "momentum": 0.5, "centered": True}, 400),
    ("Adagrad", {"learning_rate": 0.5}, 300),
    ("Adadelta", {"learning_rate": 1.0, "epsilon": 1e-3}, 600),
    ("Adamax", {"learning_rate": 0.1}, 300),
    ("Nadam", {"learning_rate": 0.1}, 300),
])
def test_minimises_quadratic(name, config, steps):
    w = Variable(np.zeros(4))
    opt = optimizers.get({"class_name": name, "config": config})
    start = loss(w.numpy())
    for _ in range(steps):
        opt.apply([A * (w.numpy() - TARGET)], [w])
    assert w.dtype == np.float32
    assert loss(w.numpy()) < 1e-5 * start
