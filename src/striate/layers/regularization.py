"""Regularization layers beyond Dropout: SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
ActivityRegularization.

All of them act only while training (``fit``, or ``training=True``) and are the
identity at inference, as in Keras.

>>> import numpy as np
>>> layer = SpatialDropout2D(0.5, seed=0)
>>> y = layer(np.ones((1, 3, 3, 4), dtype="float32"), training=True).data
>>> [sorted(set(y[0, :, :, c].ravel().tolist())) for c in range(4)]   # whole maps: all 0 or all 2
[[2.0], [2.0], [2.0], [0.0]]
"""

import math

from striate import random, regularizers
from striate.autograd import Noise
from striate.layers.base import InputSpec, Layer
from striate.layers.dropout import Dropout

__all__ = ["SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D", "GaussianNoise", "GaussianDropout",
           "ActivityRegularization"]


def _check_rate(value, label, name="rate"):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ValueError(f"{label}: {name} must be a number in [0, 1), got {value!r}")
    return float(value)


class _SpatialDropout(Dropout):
    """Dropout of whole channels: the mask has shape ``(N, 1, ..., 1, C)`` (channels last)."""

    rank = None

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        # Checked here too so that the message names this class, not Dropout.
        name = kwargs.get("name")
        _check_rate(rate, type(self).__name__ + ("" if name is None else f" {name!r}"))
        super().__init__(rate, seed=seed, **kwargs)
        data_format = "channels_last" if data_format is None else str(data_format).lower()
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError(f"{type(self).__name__} {self.name!r}: data_format must be 'channels_last' or "
                             f"'channels_first', got {data_format!r}")
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _mask_shape(self, shape):
        channel = 1 if self.data_format == "channels_first" else len(shape) - 1
        return tuple(n if i in (0, channel) else 1 for i, n in enumerate(shape))  # (N, 1, ..., 1, C)

    def get_config(self):
        # Keras's spatial dropouts take no noise_shape: it is fixed by the layer.
        return {**Layer.get_config(self), "rate": self.rate, "seed": self.seed, "data_format": self.data_format}


class SpatialDropout1D(_SpatialDropout):
    """Drop whole feature maps of sequences: every step of a dropped channel is zeroed.

    Adjacent steps of a conv feature map are strongly correlated, so plain dropout
    barely regularises them; dropping whole channels does (Tompson et al., 2014).
    Kept channels are scaled by ``1 / (1 - rate)``.

    Args:
        rate: fraction of channels to drop, in [0, 1).
        seed: optional int for a layer-owned generator (default: striate's global one).

    Input shape: ``(N, steps, C)``. Output shape: the same. Mask shape ``(N, 1, C)``.

    Raises:
        ValueError: for a rate outside [0, 1) or an input that is not 3-D.

    >>> import numpy as np
    >>> SpatialDropout1D(0.5)(np.ones((2, 5, 3), "float32")).shape     # inference: identity
    (2, 5, 3)
    """

    rank = 1

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(rate, None, seed, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's SpatialDropout1D has none
        return config


class SpatialDropout2D(_SpatialDropout):
    """Drop whole feature maps of images (mask ``(N, 1, 1, C)``); kept maps scaled by ``1 / (1 - rate)``.

    Args:
        rate: fraction of channels to drop, in [0, 1).
        data_format: ``'channels_last'`` (default) or ``'channels_first'`` (mask ``(N, C, 1, 1)``).
        seed: optional int for a layer-owned generator.

    Input shape: ``(N, H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for a rate outside [0, 1), a bad ``data_format``, or an input that is not 4-D.

    >>> import numpy as np
    >>> SpatialDropout2D(0.2)(np.ones((2, 4, 4, 3), "float32")).shape
    (2, 4, 4, 3)
    """

    rank = 2


class SpatialDropout3D(_SpatialDropout):
    """Drop whole feature maps of volumes (mask ``(N, 1, 1, 1, C)``); kept maps scaled by ``1 / (1 - rate)``.

    Args:
        rate: fraction of channels to drop, in [0, 1).
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        seed: optional int for a layer-owned generator.

    Input shape: ``(N, D, H, W, C)``. Output shape: the same.

    Raises:
        ValueError: for a rate outside [0, 1), a bad ``data_format``, or an input that is not 5-D.

    >>> import numpy as np
    >>> SpatialDropout3D(0.2)(np.ones((1, 2, 2, 2, 3), "float32")).shape
    (1, 2, 2, 2, 3)
    """

    rank = 3


class _Noise(Layer):
    """A layer that draws noise while training; identity otherwise."""

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self._rng = None if seed is None else random.host_generator(seed)

    def compute_output_shape(self, input_shape):
        return input_shape


class GaussianNoise(_Noise):
    """Add zero-mean Gaussian noise of standard deviation ``stddev`` while training.

    Args:
        stddev: standard deviation of the noise (non-negative float).
        seed: optional int for a layer-owned generator.

    Input and output shape: any, unchanged.

    Raises:
        ValueError: for a negative ``stddev``.

    >>> import numpy as np
    >>> layer = GaussianNoise(0.1, seed=0)
    >>> x = np.zeros((1000, 10), "float32")
    >>> float(layer(x).data.std()), round(float(layer(x, training=True).data.std()), 1)
    (0.0, 0.1)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        if isinstance(stddev, bool) or not isinstance(stddev, (int, float)) or stddev < 0:
            raise ValueError(f"GaussianNoise {self.name!r}: stddev must be a non-negative number, got {stddev!r}")
        self.stddev = float(stddev)

    def call(self, inputs, training=False):
        if not training or self.stddev == 0:
            return inputs
        return Noise.apply(inputs, kind="gaussian", stddev=self.stddev, rng=self._rng)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}


class GaussianDropout(_Noise):
    """Multiply by Gaussian noise of mean 1 and standard deviation ``sqrt(rate / (1 - rate))`` while training.

    The continuous counterpart of dropout with the same variance (Srivastava et al., 2014).

    Args:
        rate: drop probability of the equivalent dropout, in [0, 1).
        seed: optional int for a layer-owned generator.

    Input and output shape: any, unchanged.

    Raises:
        ValueError: for a rate outside [0, 1).

    >>> import numpy as np
    >>> y = GaussianDropout(0.5, seed=0)(np.ones((1000, 10), "float32"), training=True).data
    >>> round(float(y.mean()), 1), round(float(y.std()), 1)
    (1.0, 1.0)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(seed=seed, **kwargs)
        self.rate = _check_rate(rate, f"GaussianDropout {self.name!r}")

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate))
        return Noise.apply(inputs, kind="gaussian_dropout", stddev=stddev, rng=self._rng)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}


class ActivityRegularization(Layer):
    """Identity that adds ``l1 * sum(|x|) + l2 * sum(x^2)`` of its input to the loss.

    Args:
        l1, l2: non-negative penalty factors.

    Input and output shape: any, unchanged.

    Raises:
        ValueError: for a negative factor.

    >>> import numpy as np
    >>> layer = ActivityRegularization(l1=0.5)
    >>> _ = layer(np.array([[1.0, -2.0]], "float32"))
    >>> [float(loss.item()) for loss in layer.losses]
    [1.5]
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        super().__init__(activity_regularizer=regularizers.L1L2(l1=l1, l2=l2), **kwargs)
        self.l1, self.l2 = float(l1), float(l2)

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)  # l1 and l2 say it (as Keras)
        return {**config, "l1": self.l1, "l2": self.l2}
