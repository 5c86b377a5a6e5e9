"""Resizing: images to a fixed ``(height, width)``, optionally cropped or padded to its aspect ratio.

One weight matrix per axis (``striate.utils.resampling.resize_weights``) does the interpolation,
the crop and the padding at once; the resized batch is ``R @ x @ C.T``, so the
layer is differentiable through MatMul.

>>> import numpy as np
>>> Resizing(2, 2)(np.arange(16.0).reshape(4, 4, 1)).data[..., 0].tolist()
[[2.5, 4.5], [10.5, 12.5]]
"""

from striate.layers.preprocessing._affine import separable_resample
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, check_choice, check_size
from striate.utils.resampling import RESIZE_INTERPOLATIONS, resize_matrices

__all__ = ["Resizing", "resize_batch"]


def resize_batch(x, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_value=0.0, antialias=False):
    """Resize a channels-last Tensor batch ``(N, H, W, C)`` to ``(N, height, width, C)``."""
    r, c = resize_matrices(x.shape[1], x.shape[2], (height, width), interpolation, crop_to_aspect_ratio,
                           pad_to_aspect_ratio, antialias)  # (height, H), (width, W)
    return separable_resample(x, r, c, fill_value if pad_to_aspect_ratio else 0.0)


class Resizing(BaseImagePreprocessingLayer):
    """Resize images to ``(height, width)``.

    Args:
        height, width: the output size.
        interpolation: ``"bilinear"`` (default; half-pixel centres, no antialiasing
            unless ``antialias``), ``"nearest"`` or ``"area"``.
        crop_to_aspect_ratio: first crop the largest centred window with the target
            aspect ratio, so that the images are not distorted.
        pad_to_aspect_ratio: instead pad evenly on both sides with ``fill_value``.
        fill_mode: ``"constant"`` (the only mode, as in Keras).
        fill_value: the padding's value.
        antialias: filter with a wider triangle when shrinking (bilinear only).
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: ``(N, height, width, C)``
    or ``(height, width, C)``.

    Raises:
        ValueError: for a non-positive size, an unknown interpolation (Keras's
            ``bicubic`` and ``lanczos`` are not implemented) or both aspect options.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False, pad_to_aspect_ratio=False,
                 fill_mode="constant", fill_value=0.0, antialias=False, data_format=None, **kwargs):
        super().__init__(data_format=data_format, **kwargs)
        self.height = check_size(height, self.label, "height")
        self.width = check_size(width, self.label, "width")
        self.interpolation = check_choice(interpolation, RESIZE_INTERPOLATIONS, self.label, "interpolation")
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{self.label}: only one of crop_to_aspect_ratio and pad_to_aspect_ratio can be True")
        self.crop_to_aspect_ratio = bool(crop_to_aspect_ratio)
        self.pad_to_aspect_ratio = bool(pad_to_aspect_ratio)
        self.fill_mode = check_choice(fill_mode, ("constant",), self.label, "fill_mode")
        self.fill_value = float(fill_value)
        self.antialias = bool(antialias)

    def transform_images(self, images, transformation, training=True):
        return resize_batch(images, self.height, self.width, self.interpolation, self.crop_to_aspect_ratio,
                            self.pad_to_aspect_ratio, self.fill_value, self.antialias)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        h_axis, w_axis = self._axes(shape)
        shape[h_axis], shape[w_axis] = self.height, self.width
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "height": self.height, "width": self.width,
                "interpolation": self.interpolation, "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
                "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
                "fill_value": self.fill_value, "antialias": self.antialias}
