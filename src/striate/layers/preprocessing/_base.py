"""What the image preprocessing layers share: shapes, data format, factors, the training rule.

Each layer takes a batch ``(N, H, W, C)`` or one image ``(H, W, C)``
(``channels_first``: ``(N, C, H, W)`` or ``(C, H, W)``) and works on a
channels-last batch inside. As in Keras, a random layer draws its transformation
in ``get_random_transformation`` and applies it in ``transform_images`` (``call`` runs both
inside one primitive, ``striate.autograd.augment.Augment``, so that a compiled step's
replay draws afresh for every batch); its
``call`` defaults to ``training=True``, so calling the layer directly augments
(to look at the augmented images), while ``fit`` augments and ``evaluate`` and
``predict`` pass ``training=False``, which makes it the identity.

>>> import numpy as np
>>> from striate.layers import RandomFlip
>>> x = np.arange(4.0).reshape(1, 1, 4, 1)
>>> RandomFlip("horizontal", seed=1)(x, training=False).data.ravel().tolist()   # inference: identity
[0.0, 1.0, 2.0, 3.0]
"""

import numbers

from striate.autograd.augment import Augment
from striate.layers.base import Layer
from striate.layers.preprocessing._seed import LayerSeed

__all__ = ["BaseImagePreprocessingLayer", "check_data_format", "parse_factor", "check_choice", "check_size"]


def check_data_format(data_format, label):
    data_format = "channels_last" if data_format is None else str(data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"{label}: data_format must be 'channels_last' or 'channels_first', got {data_format!r}")
    return data_format


def check_choice(value, choices, label, name):
    if value not in choices:
        raise ValueError(f"{label}: {name} must be one of {choices}, got {value!r}")
    return value


def check_size(value, label, name):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{label}: {name} must be a positive int, got {value!r}")
    return int(value)


def _is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def parse_factor(factor, bounds, label, name="factor", symmetric=True, open_low=False):
    """Keras's ``factor`` rule: a number ``f`` means ``(-|f|, |f|)`` (``(|f|, |f|)`` when not
    ``symmetric``), a pair means ``sorted(pair)``; every value must lie in ``bounds``
    (``open_low``: the lower bound itself excluded, as RandomZoom's ``(-1, 1]``).

    Returns:
        ``(lower, upper)`` as floats.

    Raises:
        ValueError: naming the layer, for anything else.
    """
    low, high = bounds
    interval = f"{'(' if open_low else '['}{low}, {high}]"
    message = f"{label}: {name} must be a number or a pair of numbers in {interval}, got {factor!r}"

    def inside(v):
        return (low < v if open_low else low <= v) and v <= high

    if isinstance(factor, (tuple, list)):
        if len(factor) != 2 or not all(_is_number(f) and inside(f) for f in factor):
            raise ValueError(message)
        lower, upper = sorted(float(f) for f in factor)
        return lower, upper
    if not _is_number(factor) or not inside(factor):
        raise ValueError(message)
    f = abs(float(factor))
    return (max(-f, low) if symmetric else f), f


class BaseImagePreprocessingLayer(Layer):
    """Base class: rank and data-format handling around ``get_random_transformation`` and
    ``transform_images`` (both on channels-last batches ``(N, H, W, C)``).

    Args:
        seed: None or an int (see ``_seed.py`` for where the numbers come from).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    jit_traceable = True  # compiled steps may record it: call() applies only primitives (Augment, Reshape, Transpose)

    def __init__(self, seed=None, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._seed = LayerSeed(seed, self.label)
        self.data_format = check_data_format(data_format, self.label)

    @property
    def label(self):
        return f"{type(self).__name__} {self.name!r}"

    def _generator(self):
        return self._seed.generator()

    def call(self, inputs, training=True):
        x = inputs
        if x.ndim not in (3, 4):
            raise ValueError(f"{self.label}: expects a batch of images (N, H, W, C) or one image (H, W, C), "
                             f"got shape {tuple(x.shape)}")
        single = x.ndim == 3
        if single:
            x = x.reshape((1,) + tuple(x.shape))  # (1, H, W, C)
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)  # (N, H, W, C)
        # One primitive draws and applies the transformation, so a compiled step's replay
        # draws afresh for every batch (striate.autograd.augment).
        y = Augment.apply(x, layer=self, rng=self._seed.own, training=bool(training))
        if self.data_format == "channels_first":
            y = y.transpose(0, 3, 1, 2)  # (N, C, H, W)
        if single:
            y = y.reshape(tuple(y.shape[1:]))
        return y

    def get_random_transformation(self, images, training=True):
        """The random draw for a channels-last batch (None: nothing random or not training)."""
        return None

    def transform_images(self, images, transformation, training=True):
        raise NotImplementedError(f"{type(self).__name__} must implement transform_images()")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}

    def _axes(self, shape):
        """(height axis, width axis) of an input of ``shape`` (batched or not)."""
        offset = len(shape) - 3
        return (offset + 1, offset + 2) if self.data_format == "channels_first" else (offset, offset + 1)
