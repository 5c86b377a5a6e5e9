"""Keras 3 (on PyTorch) as a second oracle: the same layer or model, the same weights, the same outputs.

Import :func:`keras` inside a test (or a module-level ``keras = keras_or_skip()``): it sets
``KERAS_BACKEND=torch`` before the first ``import keras`` and skips cleanly when keras or
torch is absent.
"""

import os

import numpy as np
import pytest


def keras_or_skip():
    """The keras module on the torch backend, or a skip."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    pytest.importorskip("torch")
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip(f"these oracle tests run Keras on torch, found backend {keras.backend.backend()!r}")
    return keras


def to_numpy(value):
    import keras

    return np.asarray(keras.ops.convert_to_numpy(value))


def keras_layer_output(class_name, kwargs, weights, x, training=False):
    """Output of ``keras.layers.<class_name>(**kwargs)`` on ``x`` after ``set_weights(weights)``."""
    keras = keras_or_skip()
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
