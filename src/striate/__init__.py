"""striate: deep learning from scratch on NumPy, with Keras's vocabulary.

>>> import striate as keras
>>> model = keras.Sequential([keras.Input(shape=(4,)), keras.layers.Dense(3, activation="softmax")])
>>> model.predict(keras.backend.xp.zeros((2, 4)), verbose=0).shape
(2, 3)
"""

from striate import backend
from striate.autograd import enable_grad, no_grad
from striate.gradcheck import GradcheckError, gradcheck
from striate.tensor import Tensor, as_tensor

__version__ = "0.1.0"

__all__ = ["Tensor", "as_tensor", "no_grad", "enable_grad", "gradcheck", "GradcheckError", "backend",
           "__version__"]
