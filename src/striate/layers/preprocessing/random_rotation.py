"""RandomRotation: turn each image by a random angle about its centre while training.

>>> import numpy as np
>>> x = np.zeros((1, 5, 5, 1)); x[0, 2, 4] = 1.0          # a dot right of the centre
>>> layer = RandomRotation((0.25, 0.25), interpolation="nearest", fill_mode="constant")
>>> y = layer(x).data[0, ..., 0]                            # a quarter turn (counter-clockwise)
>>> [tuple(int(i) for i in p) for p in np.argwhere(y)]
[(0, 2)]
"""

from striate import random
from striate.backend import host
from striate.layers.preprocessing._affine import FILL_MODES, INTERPOLATIONS, affine_transform
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, check_choice, parse_factor

__all__ = ["RandomRotation", "rotation_transforms"]


def rotation_transforms(angles, height, width):
    """Keras's transforms ``(N, 8)`` that rotate ``(height, width)`` images by ``angles`` (degrees)
    about the centre ``((width - 1) / 2, (height - 1) / 2)``; positive is counter-clockwise."""
    theta = host.radians(host.asarray(angles, dtype=host.float64))
    cos, sin = host.cos(theta), host.sin(theta)
    cx, cy = 0.5 * (width - 1), 0.5 * (height - 1)
    zeros = host.zeros_like(theta)
    # Output (x, y) samples the input at R(theta) (x - c) + c, with R = [[cos, -sin], [sin, cos]].
    return host.stack([cos, -sin, cx - cx * cos + cy * sin, sin, cos, cy - cx * sin - cy * cos, zeros, zeros], axis=1)


class RandomRotation(BaseImagePreprocessingLayer):
    """Rotate each image by an angle drawn uniformly from ``factor * 360`` degrees while training.

    Args:
        factor: a number ``f`` (angles in ``[-f, f] * 360`` degrees, i.e. ``f * 2 pi``)
            or a pair ``(lower, upper)``. Positive angles turn counter-clockwise.
        fill_mode: how points outside the image are filled: ``"reflect"`` (default),
            ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: None or an int.
        fill_value: the value outside the image in ``"constant"`` mode.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for a factor outside [-1, 1], an unknown fill mode or interpolation.
    """

    def __init__(self, factor, fill_mode="reflect", interpolation="bilinear", seed=None, fill_value=0.0,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = parse_factor(factor, (-1.0, 1.0), self.label)
        self.fill_mode = check_choice(fill_mode, FILL_MODES, self.label, "fill_mode")
        self.interpolation = check_choice(interpolation, INTERPOLATIONS, self.label, "interpolation")
        self.fill_value = float(fill_value)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        lower, upper = self.factor[0] * 360.0, self.factor[1] * 360.0
        rng = self._generator()  # on the host (see RandomFlip); the resampling plan is built there too
        angle = random.draw_batch(lambda s: rng.uniform(lower, upper, size=s), (images.shape[0],))
        return {"angle": angle, "rotation_matrix": rotation_transforms(angle, images.shape[1], images.shape[2])}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        if not host.any(transformation["angle"] % 360.0):
            return images  # factor 0: nothing to resample
        return affine_transform(images, transformation["rotation_matrix"], self.interpolation, self.fill_mode,
                                self.fill_value)

    def get_config(self):
        return {**super().get_config(), "factor": list(self.factor), "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "interpolation": self.interpolation, "seed": self.seed}

