"""RandomFlip: mirror images left-right and/or upside down, each with probability 1/2, while training.

>>> import numpy as np
>>> layer = RandomFlip("horizontal", seed=0)
>>> x = np.arange(3.0).reshape(1, 1, 3, 1)
>>> sorted({tuple(layer(x).data.ravel().tolist()) for _ in range(20)})
[(0.0, 1.0, 2.0), (2.0, 1.0, 0.0)]
"""

from striate import backend, random
from striate import functional as F
from striate.layers.preprocessing._affine import _needs_graph
from striate.layers.preprocessing._base import BaseImagePreprocessingLayer, check_choice
from striate.tensor import Tensor

__all__ = ["RandomFlip", "HORIZONTAL", "VERTICAL", "HORIZONTAL_AND_VERTICAL"]

HORIZONTAL = "horizontal"
VERTICAL = "vertical"
HORIZONTAL_AND_VERTICAL = "horizontal_and_vertical"


class RandomFlip(BaseImagePreprocessingLayer):
    """Flip each image with probability 1/2 while training; the identity at inference.

    Args:
        mode: ``"horizontal"`` (left-right), ``"vertical"`` (upside down) or
            ``"horizontal_and_vertical"`` (default). In the last mode one draw per
            image decides both flips, as in Keras 3: an image is either unchanged or
            turned by 180 degrees.
        seed: None or an int.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Input shape: ``(N, H, W, C)`` or ``(H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for another mode.
    """

    def __init__(self, mode=HORIZONTAL_AND_VERTICAL, seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.mode = check_choice(mode, (HORIZONTAL, VERTICAL, HORIZONTAL_AND_VERTICAL), self.label, "mode")

    def get_random_transformation(self, images, training=True):
        if not training:
            return None
        # Keras's draw: uniform <= 0.5 means flip. On the host: a seed gives the same flips on
        # every backend, and data parallelism gives each process its rows of the global batch.
        rng = self._generator()
        return {"flips": random.draw_batch(lambda s: rng.uniform(size=s), (images.shape[0], 1, 1, 1)) <= 0.5}

    def transform_images(self, images, transformation, training=True):
        if not training or transformation is None:
            return images
        flips = backend.to_device(transformation["flips"])
        if not _needs_graph(images):
            return Tensor._wrap(_flip_arrays(images.data, flips.reshape(-1), self.mode), False)
        out = images
        if self.mode in (HORIZONTAL, HORIZONTAL_AND_VERTICAL):
            out = F.where(flips, out[:, :, ::-1, :], out)
        if self.mode in (VERTICAL, HORIZONTAL_AND_VERTICAL):
            out = F.where(flips, out[:, ::-1, :, :], out)
        return out

    def get_config(self):
        return {**super().get_config(), "mode": self.mode, "seed": self.seed}


def _flip_arrays(x, flips, mode):
    """The flipped images of ``x`` ``(N, H, W, C)`` where ``flips`` ``(N,)`` is set, without a graph.

    A copy and a write of the flipped images only: 4x faster than ``where`` over the whole
    batch with a reversed view (64x32x32x3: 0.28 against 1.2 ms), and the same numbers.
    """
    out = x.copy()
    if mode == HORIZONTAL:
        out[flips] = x[flips, :, ::-1]
    elif mode == VERTICAL:
        out[flips] = x[flips, ::-1]
    else:
        out[flips] = x[flips, ::-1, ::-1]
    return out

