"""Dropout: randomly zero inputs during training (inverted scaling), identity otherwise.

>>> import numpy as np
>>> layer = Dropout(0.5, seed=0)
>>> x = np.ones((2, 4), dtype="float32")
>>> layer(x).data.tolist() == x.tolist()      # inference: unchanged
True
>>> sorted(set(layer(x, training=True).data.ravel().tolist()))   # training: 0 or 1 / (1 - rate)
[0.0, 2.0]
"""

from striate import functional as F
from striate import random
from striate.layers.base import Layer

__all__ = ["Dropout"]


class Dropout(Layer):
    """Zero each input with probability ``rate`` while training; scale the rest by ``1 / (1 - rate)``.

    Args:
        rate: fraction to drop, in [0, 1).
        noise_shape: shape of the mask, ``None`` entries taken from the input
            (e.g. ``(None, 1, 1, None)`` drops whole feature maps).
        seed: optional int for a layer-owned generator; default: striate's global generator.

    Input and output shape: any, unchanged.
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(rate, bool) or not isinstance(rate, (int, float)) or not 0 <= rate < 1:
            raise ValueError(f"{type(self).__name__} {self.name!r}: rate must be a number in [0, 1), got {rate!r}")
        self.rate = float(rate)
        self.noise_shape = None if noise_shape is None else tuple(noise_shape)
        self.seed = seed
        self._rng = None if seed is None else random.host_generator(seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        # self._rng is None without a seed: the primitive then draws from the global generator.
        return F.dropout(inputs, self.rate, self._rng, self._mask_shape(inputs.shape))

    def _mask_shape(self, shape):
        return self.noise_shape

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "rate": self.rate,
                "noise_shape": None if self.noise_shape is None else list(self.noise_shape), "seed": self.seed}
