"""RandomTranslation: shift each image by a random fraction of its height and width while training.

>>> import numpy as np
>>> x = np.arange(4.0).reshape(1, 1, 4, 1)
>>> layer = RandomTranslation(0.0, (0.25, 0.25), fill_mode="constant")   # one pixel to the right
>>> layer(x).data.ravel().tolist()
[0.0, 0.0, 1.0, 2.0]
"""

from striate import random
from striate.backend import host
from striate.layers.preprocessing._affine import FILL_MODES, INTERPOLATIONS, affine_transform
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, check_choice, parse_factor

__all__ = ["RandomTranslation", "translation_transforms"]


def translation_transforms(translations):
    """Keras's transforms ``(N, 8)`` for shifts ``(N, 2)`` of ``(dx, dy)`` pixels (right, down)."""
    t = host.asarray(translations, dtype=host.float64).reshape(-1, 2)
    ones, zeros = host.ones(len(t)), host.zeros(len(t))
    return host.stack([ones, zeros, -t[:, 0], zeros, ones, -t[:, 1], zeros, zeros], axis=1)


class RandomTranslation(BaseImagePreprocessingLayer):
    """Shift each image by ``(f_h * H, f_w * W)`` pixels, ``f`` drawn uniformly, while training.

    Args:
        height_factor: a number ``f`` (shift in ``[-f, f] * H``; positive is down) or a
            pair ``(lower, upper)``, values in [-1, 1].
        width_factor: likewise for the width (positive is right).
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: None or an int.
        fill_value: the value outside the image in ``"constant"`` mode.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for a factor outside [-1, 1], an unknown fill mode or interpolation.
    """

    def __init__(self, height_factor, width_factor, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = parse_factor(height_factor, (-1.0, 1.0), self.label, "height_factor")
        self.width_factor = width_factor
        self.width_lower, self.width_upper = parse_factor(width_factor, (-1.0, 1.0), self.label, "width_factor")
        self.fill_mode = check_choice(fill_mode, FILL_MODES, self.label, "fill_mode")
        self.interpolation = check_choice(interpolation, INTERPOLATIONS, self.label, "interpolation")
        self.fill_value = float(fill_value)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        rng, (n, h, w) = self._generator(), images.shape[:3]  # on the host (see RandomFlip)
        dy = random.draw_batch(lambda s: rng.uniform(self.height_lower, self.height_upper, size=s), (n, 1)) * h
        dx = random.draw_batch(lambda s: rng.uniform(self.width_lower, self.width_upper, size=s), (n, 1)) * w
        return {"translations": host.concatenate([dx, dy], axis=1)}  # (N, 2): (dx, dy) as Keras

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        t = transformation["translations"]
        if not host.any(t):
            return images
        return affine_transform(images, translation_transforms(t), self.interpolation, self.fill_mode,
                                self.fill_value)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}
