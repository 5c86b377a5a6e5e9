"""RandomGrayscale: turn each image grey with probability ``factor`` while training.

>>> import numpy as np
>>> x = np.array([[[[255.0, 0.0, 0.0]]]])               # one red pixel
>>> [round(float(v), 2) for v in RandomGrayscale(factor=1.0)(x).data.ravel()]
[76.22, 76.22, 76.22]
"""

import numbers

from striate import backend, random
from striate import functional as F
from striate.backend import xp
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer

__all__ = ["RandomGrayscale"]

# ITU-R BT.601 luma, the weights of Keras's rgb_to_grayscale
_LUMA = (0.2989, 0.5870, 0.1140)


class RandomGrayscale(BaseImagePreprocessingLayer):
    """Replace each RGB image by its luma in all three channels with probability ``factor``.

    Args:
        factor: the probability, in [0, 1] (default 0.5).
        data_format: ``"channels_last"`` or ``"channels_first"``.
        seed: None or an int.

    Input shape: ``(N, H, W, 3)`` or ``(H, W, 3)``. Output shape: the same.

    Raises:
        ValueError: for a factor outside [0, 1] or images without 3 channels.
    """

    def __init__(self, factor=0.5, data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        if isinstance(factor, bool) or not isinstance(factor, numbers.Real) or not 0 <= factor <= 1:
            raise ValueError(f"{self.label}: factor must be a number in [0, 1], got {factor!r}")
        self.factor = float(factor)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        rng = self._generator()  # on the host: a seed gives the same draws on every backend
        return random.draw_batch(lambda s: rng.uniform(size=s), (images.shape[0], 1, 1, 1)) < self.factor

    def transform_images(self, images, transformation, training=True):
        if images.shape[-1] != 3:
            raise ValueError(f"{self.label}: expects RGB images (3 channels), got shape {tuple(images.shape)}")
        if not training or transformation is None or not transformation.any():
            return images
        grey = (images * xp.asarray(_LUMA, dtype=images.dtype)).sum(axis=-1, keepdims=True)  # (N, H, W, 1)
        return F.where(backend.to_device(transformation), grey, images)  # (N, 1, 1, 1) picks (N, H, W, 1) or (N, H, W, 3)

    def get_config(self):
        return {**super().get_config(), "factor": self.factor, "seed": self.seed}
