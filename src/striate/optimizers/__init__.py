"""Optimizers and learning-rate schedules: ``keras.optimizers`` on NumPy.

>>> import numpy as np
>>> from striate import optimizers
>>> from striate.variables import Variable
>>> w = Variable(np.array([2.0]))
>>> opt = optimizers.get("sgd")
>>> opt.learning_rate = 0.25
>>> opt.apply([np.array([2.0])], [w])       # w - 0.25 * dL/dw, L = w**2 / 2
>>> w.numpy()
array([1.5], dtype=float32)
"""

from striate.optimizers import schedules
from striate.optimizers.adadelta import Adadelta
from striate.optimizers.adagrad import Adagrad
from striate.optimizers.adam import Adam, AdamW
from striate.optimizers.adamax import Adamax
from striate.optimizers.base import Optimizer
from striate.optimizers.nadam import Nadam
from striate.optimizers.rmsprop import RMSprop
from striate.optimizers.serialization import deserialize, get, serialize
from striate.optimizers.sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "Nadam", "schedules",
           "get", "serialize", "deserialize"]
