"""Keras 3 (on PyTorch) as an oracle for ``striate.ops``: load it or skip the module cleanly."""

import numpy as np

from tests.keras_oracle import import_keras
from tests.keras_oracle import to_numpy as _to_numpy


def load_keras():
    """Keras 3 on its torch backend, or skip the calling test module (see tests/keras_oracle.py)."""
    return import_keras()


def to_numpy(keras, value):
    """Keras results (tensors, tuples, lists) as NumPy arrays."""
    return _to_numpy(value)


def dtype_name(keras, value):
    return keras.backend.standardize_dtype(value.dtype)


def assert_close(actual, expected, dtype="float32"):
    """Equal within float32 (or float16) rounding: a few ulps relative, scaled absolute near zero."""
    eps = np.finfo(dtype if str(dtype).startswith("float") else "float32").eps
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=64 * eps, atol=64 * eps)
