"""RandomContrast: scale each image's deviation from its mean by a random factor while training.

>>> import numpy as np
>>> x = np.array([[[[40.0], [60.0]]]])                  # one image, mean 50
>>> y = RandomContrast(0.5, seed=0)(x).data.ravel()     # contrast factor in [0.5, 1.5]
>>> float(y.mean()), 5.0 <= float(y[1] - 50) <= 15.0    # the mean stays, the spread changes
(50.0, True)
"""

from striate import backend, random
from striate import functional as F
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, parse_factor
from striate.layers.preprocessing.random_brightness import check_value_range

__all__ = ["RandomContrast"]


class RandomContrast(BaseImagePreprocessingLayer):
    """``(x - mean) * c + mean`` per image and channel, ``c`` uniform in ``[1 - lower, 1 + upper]``,
    clipped to ``value_range``; the identity at inference.

    Args:
        factor: a number ``f`` in [0, 1] (``lower = upper = f``, as keras.io documents; the
            installed Keras 3.15 draws from ``[1, 1 + f]`` for a number) or a pair
            ``(lower, upper)``.
        value_range: ``(low, high)`` of the pixel values, ``(0, 255)`` by default.
        seed: None or an int.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for a factor outside [0, 1] or a malformed value range.
    """

    def __init__(self, factor, value_range=(0, 255), seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.factor = parse_factor(factor, (0.0, 1.0), self.label, symmetric=False)
        self.value_range = check_value_range(value_range, self.label)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        lower, upper = self.factor
        rng = self._generator()  # on the host (see RandomFlip)
        c = random.draw_batch(lambda s: rng.uniform(1.0 - lower, 1.0 + upper, size=s), (images.shape[0], 1, 1, 1))
        return {"contrast_factor": c}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        c = backend.to_device(transformation["contrast_factor"].astype(images.dtype))
        mean = images.mean(axis=(1, 2), keepdims=True)  # (N, 1, 1, C)
        return F.clip((images - mean) * c + mean, *self.value_range)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "value_range": list(self.value_range),
                "seed": self.seed}
