"""Keras 3 (PyTorch backend) as a second oracle in tests: imported once, skipped cleanly when absent."""

import os

import pytest


def import_keras():
    """Keras 3 on the PyTorch backend, or a skip naming what is missing.

    ``KERAS_BACKEND`` must be set before the first ``import keras``; a Keras already
    imported with another backend is skipped rather than mixed.
    """
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch", reason="the Keras oracle runs on PyTorch: pip install torch")
    keras = pytest.importorskip("keras", reason="the Keras oracle needs Keras 3: pip install keras")
    if not keras.__version__.startswith("3.") or keras.backend.backend() != "torch":
        pytest.skip(f"keras {keras.__version__} on backend {keras.backend.backend()!r}: the oracle needs 3.x on torch")
    return keras


def to_numpy(value):
    """A Keras (torch) tensor, Variable or array as a NumPy array."""
    import numpy as np

    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    if hasattr(value, "numpy"):
        value = value.numpy()
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return np.asarray(value)
