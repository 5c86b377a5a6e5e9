"""Keras 3 (on PyTorch) as an oracle for ``striate.ops``: load it or skip the module cleanly."""

import os

import numpy as np
import pytest


def load_keras():
    """Keras 3 on its torch backend, or skip the calling test module."""
    if "keras" not in __import__("sys").modules:
        os.environ["KERAS_BACKEND"] = "torch"
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("Keras is loaded with another backend", allow_module_level=True)
    return keras


def to_numpy(keras, value):
    """Keras results (tensors, tuples, lists) as NumPy arrays."""
    if isinstance(value, (tuple, list)):
        return type(value)(to_numpy(keras, v) for v in value)
    return np.asarray(keras.ops.convert_to_numpy(value))


def dtype_name(keras, value):
    return keras.backend.standardize_dtype(value.dtype)


def assert_close(actual, expected, dtype="float32"):
    """Equal within float32 (or float16) rounding: a few ulps relative, scaled absolute near zero."""
    eps = np.finfo(dtype if str(dtype).startswith("float") else "float32").eps
    np.testing.assert_allclose(np.asarray(actual, dtype=np.float64), np.asarray(expected, dtype=np.float64),
                               rtol=64 * eps, atol=64 * eps)
