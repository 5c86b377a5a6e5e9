"""striate: deep learning from scratch on NumPy, with Keras's vocabulary.

Keras code runs with ``import striate as keras``:

>>> import numpy as np
>>> import striate as keras
>>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
>>> model.predict(np.zeros((2, 4)), verbose=0).shape
(2, 3)
"""

from striate import backend
from striate.autograd import enable_grad, no_grad
from striate.gradcheck import GradcheckError, gradcheck
from striate.tensor import Tensor, as_tensor
from striate.variables import Variable
from striate.gradient_tape import GradientTape

from striate import activations, constraints, initializers, regularizers  # noqa: E402  (after the engine)
from striate import layers, losses, metrics, optimizers  # noqa: E402
from striate import applications, callbacks, distribution, models  # noqa: E402
from striate import config, datasets, explain, saving, utils, viz, wrappers  # noqa: E402
from striate import interop, ops, random  # noqa: E402
from striate.layers import Input  # noqa: E402
from striate.models import Model, Sequential  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "Tensor", "as_tensor", "no_grad", "enable_grad", "gradcheck", "GradcheckError", "backend",
    "activations", "initializers", "regularizers", "layers", "losses", "metrics", "optimizers",
    "applications", "callbacks", "config", "distribution", "models", "datasets", "explain", "saving", "utils", "viz",
    "Input", "Model", "Sequential", "__version__", "interop", "ops", "random",
]
__all__ += ["Variable", "GradientTape", "constraints", "wrappers"]
