"""``keras.ops.image``: resizing, affine warps, sampling, filters, colour spaces, padding, cropping, patches.

>>> import numpy as np
>>> from striate.ops import image
>>> image.resize(np.ones((1, 4, 4, 3)), (2, 8)).shape
(1, 2, 8, 3)
"""

from striate.ops.image_colour import gaussian_blur, hsv_to_rgb, rgb_to_hsv, sobel_edges
from striate.ops.image_sampling import (affine_transform, crop_images, extract_patches, map_coordinates,
                                        pad_images, resize, rgb_to_grayscale)

__all__ = ["resize", "affine_transform", "map_coordinates", "rgb_to_grayscale", "pad_images", "crop_images",
           "extract_patches", "gaussian_blur", "sobel_edges", "rgb_to_hsv", "hsv_to_rgb"]
