"""Metrics, with Keras 3's names: stateful classes (``update_state``, ``result``,
``reset_state``) and per-sample functions, on NumPy arrays.

>>> import numpy as np
>>> from striate import metrics
>>> m = metrics.SparseCategoricalAccuracy()
>>> m.update_state(np.array([0, 1]), np.array([[0.9, 0.1], [0.8, 0.2]]))
>>> m.update_state(np.array([1]), np.array([[0.3, 0.7]]))
>>> round(m.result(), 4)       # 2 right out of 3
0.6667
"""

from striate.metrics.accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                      SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                                      TopKCategoricalAccuracy, accuracy, binary_accuracy,
                                      categorical_accuracy, sparse_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from striate.metrics.auc import AUC
from striate.metrics.confusion import (FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                                       TruePositives, confusion_matrix)
from striate.metrics.metric import Metric
from striate.metrics.reduction import Mean, MeanMetricWrapper, Sum
from striate.metrics.registry import deserialize, get, resolve_accuracy, serialize
from striate.metrics.regression import (MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError, mae,
                                        mean_absolute_error, mean_squared_error, mse)

__all__ = [
    "Metric", "Mean", "Sum", "MeanMetricWrapper",
    "Accuracy", "BinaryAccuracy", "CategoricalAccuracy", "SparseCategoricalAccuracy",
    "TopKCategoricalAccuracy", "SparseTopKCategoricalAccuracy",
    "MeanAbsoluteError", "MeanSquaredError", "RootMeanSquaredError",
    "Precision", "Recall", "AUC", "TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives",
    "accuracy", "binary_accuracy", "categorical_accuracy", "sparse_categorical_accuracy",
    "top_k_categorical_accuracy", "sparse_top_k_categorical_accuracy",
    "mean_absolute_error", "mean_squared_error", "mae", "mse",
    "confusion_matrix", "get", "serialize", "deserialize", "resolve_accuracy",
]
