"""CenterCrop and RandomCrop: a ``(height, width)`` window of each image.

When an image is smaller than the window (and, for RandomCrop, at inference),
both do what Keras's ``smart_resize`` does: crop the largest centred window with
the target aspect ratio and resize it to ``(height, width)``.

>>> import numpy as np
>>> x = np.arange(16.0).reshape(4, 4, 1)
>>> CenterCrop(2, 2)(x).data[..., 0].tolist()
[[5.0, 6.0], [9.0, 10.0]]
"""

from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, check_size
from striate.layers.preprocessing.resizing import resize_batch

__all__ = ["CenterCrop", "RandomCrop"]


class _Crop(BaseImagePreprocessingLayer):
    def __init__(self, height, width, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.height = check_size(height, self.label, "height")
        self.width = check_size(width, self.label, "width")

    def _window(self, images, top, left):
        return images[:, top:top + self.height, left:left + self.width, :]

    def _smart_resize(self, images):
        return resize_batch(images, self.height, self.width, "bilinear", crop_to_aspect_ratio=True)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._axes(shape)
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)


class CenterCrop(_Crop):
    """The centred ``(height, width)`` window of each image (top-left margin rounded down).

    An image smaller than the window along an axis is resized instead (see the
    module docstring). Deterministic: the same at training and inference.

    Args:
        height, width: the window's size.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: ``(N, height, width, C)``.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(height, width, data_format=data_format, **kwargs)

    def transform_images(self, images, transformation, training=True):
        h, w = images.shape[1], images.shape[2]
        if h < self.height or w < self.width:
            return self._smart_resize(images)
        return self._window(images, (h - self.height) // 2, (w - self.width) // 2)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width}


class RandomCrop(_Crop):
    """A random ``(height, width)`` window while training; the centred smart resize otherwise.

    As in Keras 3, one window position is drawn per batch (uniform over the
    ``(H - height + 1) x (W - width + 1)`` positions) and cut from every image. At
    inference, and while training on images not larger than the window along both
    axes, the layer crops the centred window of the target aspect ratio and resizes
    it (what keras.io documents; Keras 3.15 itself returns the input unchanged at
    inference, whose shape then differs from the layer's output shape).

    Args:
        height, width: the window's size.
        seed: None or an int.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: ``(N, height, width, C)``.
    """

    def get_random_transformation(self, images, training=True):
        h, w = images.shape[1], images.shape[2]
        if not training or h <= self.height or w <= self.width:
            return None
        rng = self._generator()
        return int(rng.uniform(0, h - self.height + 1)), int(rng.uniform(0, w - self.width + 1))

    def transform_images(self, images, transformation, training=True):
        if transformation is None:
            h, w = images.shape[1], images.shape[2]
            if (h, w) == (self.height, self.width):
                return images
            return self._smart_resize(images)
        return self._window(images, *transformation)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width, "seed": self.seed}
