"""UpSampling1D/2D/3D: repeat each spatial entry (nearest) or interpolate (bilinear, 2-D).

Written once for any number of spatial axes; nearest upsampling is reshape +
broadcast + reshape, bilinear is one ``MatMul`` per axis with an interpolation
matrix, so neither writes a backward.

>>> import numpy as np
>>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
>>> UpSampling2D(2)(x).data[0, :, :, 0].tolist()
[[0.0, 0.0, 1.0, 1.0], [0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0], [2.0, 2.0, 3.0, 3.0]]
"""

from striate.autograd import BroadcastTo
from striate.backend import xp
from striate.layers.base import InputSpec
from striate.layers.reshaping import _data_format, _int_tuple, _Spatial

__all__ = ["UpSampling1D", "UpSampling2D", "UpSampling3D"]


class _UpSampling(_Spatial):
    """Repeat each entry of ``rank`` spatial axes ``size`` times (nearest neighbour)."""

    def __init__(self, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.size = _int_tuple(size, self.rank, "size", self._label())
        self.data_format = _data_format(data_format, self._label())
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return _repeat_nearest(inputs, self._spatial_axes(), self.size)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(self._spatial_axes(), self.size):
            shape[axis] = None if shape[axis] is None else shape[axis] * factor
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "size": list(self.size), "data_format": self.data_format}


def _repeat_nearest(x, axes, factors):
    """Each entry along ``axes`` repeated ``factors`` times, as reshape + broadcast + reshape
    (the broadcast's backward sums each block of copies)."""
    split, expanded, out = [], [], []
    for i, n in enumerate(x.shape):
        if i in axes:
            factor = factors[axes.index(i)]
            split += [n, 1]
            expanded += [n, factor]
            out.append(n * factor)
        else:
            split.append(n)
            expanded.append(n)
            out.append(n)
    y = x.reshape(tuple(split))                          # (N, d1, 1, d2, 1, ..., C)
    y = BroadcastTo.apply(y, shape=tuple(expanded))      # (N, d1, s1, d2, s2, ..., C)
    return y.reshape(tuple(out))                         # (N, d1*s1, d2*s2, ..., C)


def _linear_weights(n_in, factor, dtype):
    """The ``(n_in * factor, n_in)`` matrix of linear interpolation with half-pixel centres.

    Output ``o`` samples the input at ``(o + 0.5) / factor - 0.5``, clamped to the
    edges: the convention of ``tf.image.resize``, ``jax.image.resize`` (upsampling)
    and PyTorch's ``interpolate(..., align_corners=False)``.
    """
    n_out = n_in * factor
    src = xp.clip((xp.arange(n_out) + 0.5) / factor - 0.5, 0, n_in - 1)
    low = xp.floor(src).astype(int)
    high = xp.minimum(low + 1, n_in - 1)
    frac = src - low
    weights = xp.zeros((n_out, n_in))
    xp.add.at(weights, (xp.arange(n_out), low), 1 - frac)
    xp.add.at(weights, (xp.arange(n_out), high), frac)
    return weights.astype(dtype)


class UpSampling1D(_UpSampling):
    """Repeat each step ``size`` times.

    Args:
        size: the repetition factor (positive int).

    Input shape: ``(N, steps, C)``. Output shape: ``(N, steps * size, C)``.

    Raises:
        ValueError: for a non-positive ``size`` or an input that is not 3-D.

    >>> import numpy as np
    >>> UpSampling1D(3)(np.array([[[1.0], [2.0]]], "float32")).data[0, :, 0].tolist()
    [1.0, 1.0, 1.0, 2.0, 2.0, 2.0]
    """

    rank = 1

    def __init__(self, size=2, **kwargs):
        super().__init__(size, None, **kwargs)

    def get_config(self):
        config = super().get_config()
        # Keras's UpSampling1D takes one int and has no data_format.
        config["size"] = self.size[0]
        del config["data_format"]
        return config


class UpSampling2D(_UpSampling):
    """Enlarge images by integer factors: repeat rows and columns, or interpolate bilinearly.

    Args:
        size: int or ``(rows_factor, cols_factor)``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.
        interpolation: ``'nearest'`` (default) or ``'bilinear'`` (half-pixel centres,
            edges clamped: the same numbers as Keras and PyTorch's ``align_corners=False``).

    Input shape: ``(N, H, W, C)``. Output shape: ``(N, H * rows_factor, W * cols_factor, C)``.

    Raises:
        ValueError: for a non-positive ``size``, an unknown ``interpolation``, or a non-4-D input.

    >>> import numpy as np
    >>> x = np.array([0.0, 4.0], "float32").reshape(1, 1, 2, 1)
    >>> UpSampling2D((1, 2), interpolation="bilinear")(x).data[0, 0, :, 0].tolist()
    [0.0, 1.0, 3.0, 4.0]
    """

    rank = 2
    _INTERPOLATIONS = ("nearest", "bilinear")

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(size, data_format, **kwargs)
        interpolation = str(interpolation).lower()
        if interpolation not in self._INTERPOLATIONS:
            raise ValueError(f"{self._label()}: interpolation must be one of {self._INTERPOLATIONS}, "
                             f"got {interpolation!r} (bicubic and lanczos are not implemented)")
        self.interpolation = interpolation

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        return self._bilinear(inputs)

    def _bilinear(self, x):
        # Separable: one matmul with a fixed interpolation matrix per spatial axis.
        if self.data_format == "channels_first":
            x = x.transpose(0, 2, 3, 1)                     # (N, H, W, C)
        _, h, w, _ = x.shape
        rows = _linear_weights(h, self.size[0], x.dtype)    # (OH, H)
        cols = _linear_weights(w, self.size[1], x.dtype)    # (OW, W)
        y = x.transpose(0, 2, 3, 1) @ rows.T                # (N, W, C, OH)
        y = y.transpose(0, 3, 2, 1) @ cols.T                # (N, OH, C, OW)
        y = y.transpose(0, 1, 3, 2)                         # (N, OH, OW, C)
        if self.data_format == "channels_first":
            y = y.transpose(0, 3, 1, 2)                     # (N, C, OH, OW)
        return y

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}


class UpSampling3D(_UpSampling):
    """Repeat each entry of volumes along depth, rows and columns.

    Args:
        size: int or three factors.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(N, D, H, W, C)``. Output shape: ``(N, D * s1, H * s2, W * s3, C)``.

    Raises:
        ValueError: for a non-positive ``size`` or an input that is not 5-D.

    >>> import numpy as np
    >>> UpSampling3D(2)(np.zeros((1, 1, 2, 3, 4), "float32")).shape
    (1, 2, 4, 6, 4)
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(size, data_format, **kwargs)
