"""Rescaling: ``inputs * scale + offset`` (e.g. pixel values 0..255 to [0, 1] or [-1, 1]).

>>> import numpy as np
>>> Rescaling(1 / 127.5, offset=-1)(np.array([[0, 255]], dtype=np.uint8)).data.tolist()
[[-1.0, 1.0]]
"""

import numbers

from striate.autograd.augment import Rescale
from striate.backend import host
from striate.layers.base import Layer

__all__ = ["Rescaling"]


def _check_number_or_array(value, label, name):
    if isinstance(value, bool):
        raise TypeError(f"{label}: {name} must be a number or a list of numbers, got {value!r}")
    if isinstance(value, numbers.Real):
        return float(value)
    try:
        array = host.asarray(value, dtype=host.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{label}: {name} must be a number or a list of numbers, got {value!r}") from None
    if not host.isfinite(array).all():
        raise ValueError(f"{label}: {name} must be finite, got {value!r}")
    return array.tolist()


class Rescaling(Layer):
    """Multiply the inputs by ``scale`` and add ``offset``; works on any input shape.

    Differentiable (a product and a sum of Tensors), so it may sit anywhere in a model.

    Args:
        scale: a number, or a list broadcast against the last axis (one per channel).
        offset: a number or a list, likewise.

    Input shape: any. Output shape: the same, as floats.

    Raises:
        TypeError: for a scale or offset that is not a number or a list of numbers.
    """

    jit_traceable = True  # compiled steps may record it: call() applies one primitive (Rescale)

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        self.scale = _check_number_or_array(scale, f"Rescaling {self.name!r}", "scale")
        self.offset = _check_number_or_array(offset, f"Rescaling {self.name!r}", "offset")

    def call(self, inputs):
        # One primitive with the numbers as keyword arguments: a compiled step records no constant array.
        return Rescale.apply(inputs, scale=self.scale, offset=self.offset)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "scale": self.scale, "offset": self.offset}
