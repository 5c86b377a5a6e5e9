"""Keras 3 (on PyTorch) as a second oracle in tests: the same layer, op or model, the same weights,
the same outputs. Imported once, skipped cleanly when Keras or torch is absent.

Call :func:`import_keras` inside a test, or at module level (``keras = import_keras()``):
it sets ``KERAS_BACKEND=torch`` before the first ``import keras``.
"""

import os

import numpy as np
import pytest


def import_keras():
    """Keras 3 on the PyTorch backend, or a skip naming what is missing.

    ``KERAS_BACKEND`` must be set before the first ``import keras``; a Keras already
    imported with another backend is skipped rather than mixed.
    """
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch", reason="the Keras oracle runs on PyTorch: pip install torch==2.13.0")
    keras = pytest.importorskip("keras", reason="the Keras oracle needs Keras 3: pip install keras")
    if not keras.__version__.startswith("3.") or keras.backend.backend() != "torch":
        pytest.skip(f"keras {keras.__version__} on backend {keras.backend.backend()!r}: the oracle needs 3.x on torch",
                    allow_module_level=True)
    return keras


keras_or_skip = import_keras


def to_numpy(value):
    """A Keras (torch) tensor, Variable, array, or a tuple/list of them, as NumPy arrays."""
    if isinstance(value, (tuple, list)):
        return type(value)(to_numpy(v) for v in value)
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    if hasattr(value, "numpy"):
        value = value.numpy()
    if type(value).__module__.startswith("torch"):
        return value.detach().cpu().numpy()
    return np.asarray(value)


def keras_layer_output(class_name, kwargs, weights, x, training=False):
    """Output of ``keras.layers.<class_name>(**kwargs)`` on ``x`` after ``set_weights(weights)``."""
    keras = import_keras()
    layer = getattr(keras.layers, class_name)(**kwargs)
    layer.build(x.shape)
    if weights:
        layer.set_weights(weights)
    return to_numpy(layer(x, training=training))


def float32_tolerance(terms=1, scale=1.0):
    """rtol/atol for float32 results that sum ``terms`` products of size ``scale``:
    each addition rounds by at most 2**-24 relative, so the error grows like ``terms * eps``."""
    eps = np.finfo(np.float32).eps
    return {"rtol": 8 * eps * max(1, terms) ** 0.5 * 4, "atol": 8 * eps * terms * scale}
