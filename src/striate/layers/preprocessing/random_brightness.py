"""RandomBrightness: add a random offset to each image while training.

>>> import numpy as np
>>> x = np.full((2, 1, 1, 1), 100.0)
>>> y = RandomBrightness((0.1, 0.1), seed=0)(x).data.ravel().tolist()   # +0.1 of the range 0..255
>>> [round(v, 2) for v in y]
[125.5, 125.5]
"""

import numbers

from striate import backend, random
from striate import functional as F
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, parse_factor

__all__ = ["RandomBrightness", "check_value_range"]


def check_value_range(value_range, label):
    """``sorted(value_range)`` as two floats (Keras sorts it too)."""
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in value_range)):
        raise ValueError(f"{label}: value_range must be a pair of numbers (low, high), got {value_range!r}")
    low, high = sorted(float(v) for v in value_range)
    return low, high


class RandomBrightness(BaseImagePreprocessingLayer):
    """``x + d * (high - low)`` clipped to ``value_range = (low, high)``, ``d`` uniform in the
    factor's range, one draw per image; the identity at inference.

    Args:
        factor: a number ``f`` in [-1, 1] (``d`` in ``[-f, f]``) or a pair ``(lower, upper)``.
        value_range: ``(low, high)`` of the pixel values, ``(0, 255)`` by default.
        seed: None or an int.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for a factor outside [-1, 1] or a malformed value range.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = parse_factor(factor, (-1.0, 1.0), self.label)
        self.value_range = check_value_range(value_range, self.label)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        low, high = self.value_range
        rng = self._generator()  # on the host (see RandomFlip)
        d = random.draw_batch(lambda s: rng.uniform(self.factor[0], self.factor[1], size=s), (images.shape[0], 1, 1, 1))
        return {"rgb_delta": d * (high - low)}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        delta = backend.to_device(transformation["rgb_delta"].astype(images.dtype))
        return F.clip(images + delta, *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "value_range": list(self.value_range),
                "seed": self.seed}
