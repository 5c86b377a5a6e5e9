"""RandomZoom: zoom each image in or out about its centre by a random factor while training.

>>> import numpy as np
>>> x = np.arange(16.0).reshape(1, 4, 4, 1)
>>> layer = RandomZoom((-0.5, -0.5), interpolation="nearest")   # zoom in by 2
>>> layer(x).data[0, ..., 0].tolist()[1]
[5.0, 5.0, 6.0, 6.0]
"""

from striate import random
from striate.backend import host
from striate.layers.preprocessing._affine import FILL_MODES, INTERPOLATIONS, affine_transform
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, check_choice, parse_factor

__all__ = ["RandomZoom", "zoom_transforms"]


def zoom_transforms(height_zoom, width_zoom, height, width):
    """Keras's transforms ``(N, 8)``: output pixel ``x`` samples ``zoom * (x - c) + c``, so a zoom
    above 1 shows more of the image (zooms out) and one below 1 zooms in."""
    hz = host.asarray(height_zoom, dtype=host.float64).reshape(-1)
    wz = host.asarray(width_zoom, dtype=host.float64).reshape(-1)
    zeros = host.zeros_like(hz)
    x_offset = 0.5 * (width - 1) * (1.0 - wz)
    y_offset = 0.5 * (height - 1) * (1.0 - hz)
    return host.stack([wz, zeros, x_offset, zeros, hz, y_offset, zeros, zeros], axis=1)


class RandomZoom(BaseImagePreprocessingLayer):
    """Zoom each image by ``1 + f`` with ``f`` drawn uniformly from the factor's range, while training.

    Args:
        height_factor: a number ``f`` (range ``[-f, f]``) or a pair ``(lower, upper)``,
            each in ``(-1, 1]``. A positive value zooms out (the image shrinks inside
            the frame, the rest is filled), a negative value zooms in.
        width_factor: likewise for the width; None (default) zooms both axes by the
            same draw, keeping the aspect ratio.
        fill_mode: ``"reflect"`` (default), ``"wrap"``, ``"constant"`` or ``"nearest"``.
        interpolation: ``"bilinear"`` (default) or ``"nearest"``.
        seed: None or an int.
        fill_value: the value outside the image in ``"constant"`` mode.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for a factor outside (-1, 1], an unknown fill mode or interpolation.
    """

    def __init__(self, height_factor, width_factor=None, fill_mode="reflect", interpolation="bilinear", seed=None,
                 fill_value=0.0, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height_factor = height_factor
        self.height_lower, self.height_upper = parse_factor(height_factor, (-1.0, 1.0), self.label, "height_factor",
                                                            open_low=True)
        self.width_factor = width_factor
        if width_factor is not None:
            self.width_lower, self.width_upper = parse_factor(width_factor, (-1.0, 1.0), self.label, "width_factor",
                                                              open_low=True)
        self.fill_mode = check_choice(fill_mode, FILL_MODES, self.label, "fill_mode")
        self.interpolation = check_choice(interpolation, INTERPOLATIONS, self.label, "interpolation")
        self.fill_value = float(fill_value)

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        rng, n = self._generator(), images.shape[0]  # on the host (see RandomFlip)
        height_zoom = random.draw_batch(lambda s: rng.uniform(1.0 + self.height_lower, 1.0 + self.height_upper, size=s),
                                        (n, 1))
        if self.width_factor is None:
            width_zoom = height_zoom
        else:
            width_zoom = random.draw_batch(lambda s: rng.uniform(1.0 + self.width_lower, 1.0 + self.width_upper, size=s),
                                           (n, 1))
        return {"height_zoom": height_zoom, "width_zoom": width_zoom}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        hz, wz = transformation["height_zoom"], transformation["width_zoom"]
        if host.all(hz == 1.0) and host.all(wz == 1.0):
            return images
        return affine_transform(images, zoom_transforms(hz, wz, images.shape[1], images.shape[2]),
                                self.interpolation, self.fill_mode, self.fill_value)

    def get_config(self):
        return {**super().get_config(), "height_factor": self.height_factor, "width_factor": self.width_factor,
                "fill_mode": self.fill_mode, "interpolation": self.interpolation, "seed": self.seed,
                "fill_value": self.fill_value}
