"""Pooling layers: max and average pooling over windows, and global pooling, in 1-D, 2-D and 3-D.

Channels last, Keras's names, arguments and defaults (``pool_size=2``,
``strides=None`` meaning ``pool_size``, ``padding='valid'``).

>>> import numpy as np
>>> x = np.arange(16, dtype="float32").reshape(1, 4, 4, 1)
>>> MaxPooling2D()(x).data[0, :, :, 0].tolist()
[[5.0, 7.0], [13.0, 15.0]]
>>> GlobalAveragePooling2D()(x).data.tolist()
[[7.5]]
"""

from striate.autograd.pooling import AvgPool, MaxPool
from striate.layers.base import InputSpec, Layer
from striate.layers.convolutional import check_data_format, check_padding, check_tuple, keras_name

__all__ = [
    "MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
    "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
    "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D",
    "MaxPool1D", "MaxPool2D", "MaxPool3D", "AvgPool1D", "AvgPool2D", "AvgPool3D",
    "GlobalMaxPool1D", "GlobalMaxPool2D", "GlobalMaxPool3D", "GlobalAvgPool1D", "GlobalAvgPool2D", "GlobalAvgPool3D",
]


class _Pooling(Layer):
    """N-d pooling over windows; the subclasses fix ``rank`` and the op (max or average).

    Args:
        pool_size: int or ``rank`` ints (default 2).
        strides: int or ``rank`` ints; None (default) means ``pool_size``.
        padding: 'valid' (windows inside the input) or 'same' (output ``ceil(n / s)``,
            padding split as Keras/TensorFlow do; average pooling divides by the
            number of real inputs in each window, max pooling ignores the padding).
        data_format: None or 'channels_last'.

    Input shape: ``(N, *spatial, C)``. Output shape: ``(N, *O, C)`` with, per axis,
    'valid' ``O = (n - pool) // s + 1`` and 'same' ``O = ceil(n / s)``.

    Raises:
        ValueError: non-positive ``pool_size`` or ``strides``, unknown ``padding``,
            ``channels_first``, an input of the wrong rank, a pool larger than the input.
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    rank = None
    op = None

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        if kwargs.get("name") is None:
            kwargs["name"] = keras_name(type(self))
        super().__init__(**kwargs)
        label = self._label()
        self.pool_size = check_tuple(pool_size, self.rank, "pool_size", label)
        self.strides = self.pool_size if strides is None else check_tuple(strides, self.rank, "strides", label)
        self.padding = check_padding(padding, label)
        self.data_format = check_data_format(data_format, label)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def _label(self):
        return f"{type(self).__name__} {self.name!r}"

    def call(self, inputs):
        try:
            return self.op.apply(inputs, pool=self.pool_size, strides=self.strides, padding=self.padding)
        except ValueError as error:
            self.compute_output_shape(inputs.shape)  # names the layer and the shapes
            raise ValueError(f"{self._label()}: {error}") from None

    def compute_output_shape(self, input_shape):
        if len(input_shape) != self.rank + 2:
            raise ValueError(f"{self._label()}: expected input of rank {self.rank + 2} (N, *spatial, C), "
                             f"got shape {tuple(input_shape)}")
        spatial = tuple(input_shape[1:-1])
        if self.padding == "same":
            out = tuple(None if n is None else -(-n // s) for n, s in zip(spatial, self.strides))
        else:
            out = tuple(None if n is None else (n - p) // s + 1
                        for n, p, s in zip(spatial, self.pool_size, self.strides))
        if any(o is not None and o <= 0 for o in out):
            raise ValueError(f"{self._label()}: pool_size {self.pool_size} is larger than the input's spatial "
                             f"size {spatial} with padding='valid'; input shape {tuple(input_shape)}")
        return (input_shape[0],) + out + (input_shape[-1],)

    def get_config(self):
        return {**super().get_config(), "pool_size": list(self.pool_size), "padding": self.padding,
                "strides": list(self.strides), "data_format": self.data_format}


class _GlobalPooling(Layer):
    """Mean or maximum over every spatial axis.

    Args:
        data_format: None or 'channels_last'.
        keepdims: keep the spatial axes with size 1.

    Input shape: ``(N, *spatial, C)``. Output shape: ``(N, C)``, or ``(N, 1, ..., 1, C)`` with ``keepdims``.
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    rank = None

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        if kwargs.get("name") is None:
            kwargs["name"] = keras_name(type(self))
        super().__init__(**kwargs)
        self.data_format = check_data_format(data_format, f"{type(self).__name__} {self.name!r}")
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        return self._reduce(inputs, tuple(range(1, self.rank + 1)))

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return (input_shape[0],) + (1,) * self.rank + (input_shape[-1],)
        return (input_shape[0], input_shape[-1])

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format, "keepdims": self.keepdims}


class _GlobalAverage(_GlobalPooling):
    def _reduce(self, x, axes):
        # Sum (a product with ones inside the primitive, see Sum) times 1/P.
        positions = x.size // max(x.shape[0] * x.shape[-1], 1)
        return x.sum(axis=axes, keepdims=self.keepdims) * (1.0 / positions)


class _GlobalMax(_GlobalPooling):
    def _reduce(self, x, axes):
        return x.max(axis=axes, keepdims=self.keepdims)


class MaxPooling1D(_Pooling):
    """Max pooling over 1-D windows of ``(N, steps, C)``; see :class:`_Pooling`."""

    rank, op = 1, MaxPool


class MaxPooling2D(_Pooling):
    """Max pooling over 2-D windows of ``(N, H, W, C)``; see :class:`_Pooling`.

    >>> import numpy as np
    >>> MaxPooling2D(pool_size=3, strides=2, padding="same")(np.ones((1, 7, 7, 2), dtype="float32")).shape
    (1, 4, 4, 2)
    """

    rank, op = 2, MaxPool


class MaxPooling3D(_Pooling):
    """Max pooling over 3-D windows of ``(N, D, H, W, C)``; see :class:`_Pooling`."""

    rank, op = 3, MaxPool


class AveragePooling1D(_Pooling):
    """Average pooling over 1-D windows of ``(N, steps, C)``; see :class:`_Pooling`."""

    rank, op = 1, AvgPool


class AveragePooling2D(_Pooling):
    """Average pooling over 2-D windows of ``(N, H, W, C)``; see :class:`_Pooling`.

    >>> import numpy as np
    >>> x = np.ones((1, 3, 3, 1), dtype="float32")
    >>> AveragePooling2D(padding="same")(x).data[0, :, :, 0].tolist()   # padding is not averaged in
    [[1.0, 1.0], [1.0, 1.0]]
    """

    rank, op = 2, AvgPool


class AveragePooling3D(_Pooling):
    """Average pooling over 3-D windows of ``(N, D, H, W, C)``; see :class:`_Pooling`."""

    rank, op = 3, AvgPool


class GlobalMaxPooling1D(_GlobalMax):
    """Maximum over the steps of ``(N, steps, C)``; see :class:`_GlobalPooling`."""

    rank = 1


class GlobalMaxPooling2D(_GlobalMax):
    """Maximum over the two spatial axes of ``(N, H, W, C)``; see :class:`_GlobalPooling`."""

    rank = 2


class GlobalMaxPooling3D(_GlobalMax):
    """Maximum over the three spatial axes of ``(N, D, H, W, C)``; see :class:`_GlobalPooling`."""

    rank = 3


class GlobalAveragePooling1D(_GlobalAverage):
    """Mean over the steps of ``(N, steps, C)``; see :class:`_GlobalPooling`."""

    rank = 1


class GlobalAveragePooling2D(_GlobalAverage):
    """Mean over the two spatial axes of ``(N, H, W, C)``; see :class:`_GlobalPooling`.

    >>> import numpy as np
    >>> GlobalAveragePooling2D(keepdims=True)(np.ones((2, 4, 4, 3), dtype="float32")).shape
    (2, 1, 1, 3)
    """

    rank = 2


class GlobalAveragePooling3D(_GlobalAverage):
    """Mean over the three spatial axes of ``(N, D, H, W, C)``; see :class:`_GlobalPooling`."""

    rank = 3


# Keras's short aliases: the same classes.
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (GlobalAveragePooling1D, GlobalAveragePooling2D,
                                                     GlobalAveragePooling3D)
