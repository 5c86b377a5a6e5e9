"""Losses, with Keras 3's names, arguments and defaults.

Classes (``Loss`` subclasses) reduce to one number; the functions give the
per-sample losses, shape ``y_pred.shape[:-1]``.

>>> import numpy as np, striate
>>> from striate import losses, functional as F
>>> logits = striate.Tensor(np.array([[2.0, -1.0, 0.5]]), requires_grad=True)
>>> loss = losses.CategoricalCrossentropy()(np.array([[1, 0, 0]]), F.softmax(logits))
>>> loss.backward()                       # the softmax's logits get the gradient p - y
>>> logits.grad.round(3).tolist()
[[-0.214, 0.039, 0.175]]
"""

from striate.losses.crossentropy import (BinaryCrossentropy, CategoricalCrossentropy, KLDivergence,
                                         SparseCategoricalCrossentropy, binary_crossentropy,
                                         categorical_crossentropy, kl_divergence,
                                         sparse_categorical_crossentropy)
from striate.losses.hinge import (CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge,
                                  squared_hinge)
from striate.losses.loss import Loss, LossFunctionWrapper
from striate.losses.registry import deserialize, get, serialize
from striate.losses.regression import (Huber, LogCosh, MeanAbsoluteError, MeanSquaredError, huber,
                                       log_cosh, mae, mean_absolute_error, mean_squared_error, mse)

__all__ = [
    "Loss", "LossFunctionWrapper",
    "MeanSquaredError", "MeanAbsoluteError", "Huber", "LogCosh",
    "BinaryCrossentropy", "CategoricalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence",
    "Hinge", "SquaredHinge", "CategoricalHinge",
    "mean_squared_error", "mean_absolute_error", "mse", "mae", "huber", "log_cosh",
    "binary_crossentropy", "categorical_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
    "hinge", "squared_hinge", "categorical_hinge",
    "get", "serialize", "deserialize",
]
