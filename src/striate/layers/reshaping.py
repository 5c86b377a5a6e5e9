"""Reshaping layers for conv nets: ZeroPadding and Cropping (1-D, 2-D, 3-D), RepeatVector
and Permute (UpSampling lives in ``upsampling.py`` and shares the argument helpers here).

Each family is written once for any number of spatial axes; the 1-D/2-D/3-D
classes only fix the rank and Keras's defaults. All of them are compositions of
the movement primitives (``Pad``, ``GetItem``, ``Reshape``, ``BroadcastTo``,
``Transpose``), so none writes a backward.

>>> import numpy as np
>>> x = np.arange(4, dtype="float32").reshape(1, 2, 2, 1)
>>> ZeroPadding2D(1)(x).shape
(1, 4, 4, 1)
>>> Cropping2D(((1, 0), (0, 1)))(x).data[0, :, :, 0].tolist()
[[2.0]]
"""

from striate.autograd import BroadcastTo, Pad
from striate.backend import xp
from striate.layers.base import InputSpec, Layer

__all__ = ["ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "Cropping1D", "Cropping2D", "Cropping3D",
           "RepeatVector", "Permute"]

_DATA_FORMATS = ("channels_last", "channels_first")


# ---- argument helpers ----------------------------------------------------------------
def _is_int(value):
    return isinstance(value, (int, xp.integer)) and not isinstance(value, bool)


def _data_format(value, label):
    value = "channels_last" if value is None else str(value).lower()
    if value not in _DATA_FORMATS:
        raise ValueError(f"{label}: data_format must be one of {_DATA_FORMATS}, got {value!r}")
    return value


def _int_tuple(value, n, name, label, minimum=1):
    """An int or ``n`` ints to a tuple of ``n`` ints, each ``>= minimum``."""
    items = (value,) * n if _is_int(value) else value
    if not isinstance(items, (tuple, list)) or len(items) != n or not all(_is_int(v) for v in items) \
            or any(v < minimum for v in items):
        what = "a positive int" if minimum == 1 else "a non-negative int"
        raise ValueError(f"{label}: {name} must be {what} or a tuple of {n} of them, got {value!r}")
    return tuple(int(v) for v in items)


def _pairs(value, rank, name, label):
    """Keras's padding/cropping forms to one ``(before, after)`` pair per spatial axis.

    Rank 1: ``k`` or ``(before, after)``. Rank 2 and 3: ``k`` (all sides), ``rank``
    ints (symmetric per axis), or ``rank`` pairs.
    """
    bad = ValueError(f"{label}: {name} must be a non-negative int, "
                     + ("or a tuple (before, after)" if rank == 1 else
                        f"a tuple of {rank} non-negative ints, or a tuple of {rank} (before, after) pairs")
                     + f"; got {value!r}")
    if _is_int(value):
        pairs = ((value, value),) * rank
    elif rank == 1:
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise bad
        pairs = (tuple(value),)
    else:
        if not isinstance(value, (tuple, list)) or len(value) != rank:
            raise bad
        pairs = tuple((v, v) if _is_int(v) else tuple(v) if isinstance(v, (tuple, list)) else None for v in value)
    if any(p is None or len(p) != 2 or not all(_is_int(v) and v >= 0 for v in p) for p in pairs):
        raise bad
    return tuple((int(a), int(b)) for a, b in pairs)


def _pairs_config(pairs):
    """The config form: ``[before, after]`` for rank 1, a list of pairs otherwise (JSON-friendly)."""
    return list(pairs[0]) if len(pairs) == 1 else [list(p) for p in pairs]


class _Spatial(Layer):
    """Shared by the N-d layers: ``rank`` spatial axes, channels last or first."""

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    rank = None

    def _spatial_axes(self):
        start = 2 if getattr(self, "data_format", "channels_last") == "channels_first" else 1
        return tuple(range(start, start + self.rank))

    def _label(self):
        return f"{type(self).__name__} {self.name!r}"


# ---- zero padding --------------------------------------------------------------------
class _ZeroPadding(_Spatial):
    """Zero padding of ``rank`` spatial axes (Keras's ``ZeroPaddingND``)."""

    def __init__(self, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = _pairs(padding, self.rank, "padding", self._label())
        self.data_format = _data_format(data_format, self._label())
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def call(self, inputs):
        pads = [(0, 0)] * inputs.ndim
        for axis, pair in zip(self._spatial_axes(), self.padding):
            pads[axis] = pair
        return Pad.apply(inputs, pads=tuple(pads))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(), self.padding):
            shape[axis] = None if shape[axis] is None else shape[axis] + before + after
        return tuple(shape)

    def get_config(self):
        return {**super().get_config(), "padding": _pairs_config(self.padding), "data_format": self.data_format}


class ZeroPadding1D(_ZeroPadding):
    """Add zeros at the start and end of the steps axis.

    Args:
        padding: ``k`` (both ends) or ``(start, end)``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(N, steps, C)``. Output shape: ``(N, start + steps + end, C)``.

    Raises:
        ValueError: for a negative or malformed ``padding``, or an input that is not 3-D.

    >>> import numpy as np
    >>> ZeroPadding1D((1, 2))(np.ones((1, 2, 1), "float32")).data[0, :, 0].tolist()
    [0.0, 1.0, 1.0, 0.0, 0.0]
    """

    rank = 1

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding2D(_ZeroPadding):
    """Add rows and columns of zeros around images.

    Args:
        padding: ``k`` (all sides), ``(pad_rows, pad_cols)`` (symmetric), or
            ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(N, H, W, C)``. Output shape: ``(N, top + H + bottom, left + W + right, C)``.

    Raises:
        ValueError: for a negative or malformed ``padding``, or an input that is not 4-D.

    >>> import numpy as np
    >>> ZeroPadding2D(((1, 0), (2, 3)))(np.ones((1, 2, 2, 3), "float32")).shape
    (1, 3, 7, 3)
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


class ZeroPadding3D(_ZeroPadding):
    """Add zeros around volumes.

    Args:
        padding: ``k``, three ints (symmetric per axis), or three ``(before, after)`` pairs.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(N, D, H, W, C)``. Output shape: ``(N, D + pd, H + ph, W + pw, C)``.

    Raises:
        ValueError: for a negative or malformed ``padding``, or an input that is not 5-D.

    >>> import numpy as np
    >>> ZeroPadding3D(1)(np.ones((1, 2, 2, 2, 1), "float32")).shape
    (1, 4, 4, 4, 1)
    """

    rank = 3

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(padding, data_format, **kwargs)


# ---- cropping ------------------------------------------------------------------------
class _Cropping(_Spatial):
    """Remove ``(before, after)`` entries from each of ``rank`` spatial axes."""

    def __init__(self, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.cropping = _pairs(cropping, self.rank, "cropping", self._label())
        self.data_format = _data_format(data_format, self._label())
        self.input_spec = InputSpec(ndim=self.rank + 2)

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes(), self.cropping):
            if shape[axis] is None:
                continue
            if before + after >= shape[axis]:
                raise ValueError(f"{self._label()}: cropping {self.cropping} removes all of axis {axis} "
                                 f"(size {shape[axis]}) of input shape {tuple(input_shape)}")
            shape[axis] -= before + after
        return tuple(shape)

    def call(self, inputs):
        self.compute_output_shape(inputs.shape)
        index = [slice(None)] * inputs.ndim
        for axis, (before, after) in zip(self._spatial_axes(), self.cropping):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def get_config(self):
        return {**super().get_config(), "cropping": _pairs_config(self.cropping), "data_format": self.data_format}


class Cropping1D(_Cropping):
    """Remove steps at the start and end of sequences.

    Args:
        cropping: ``k`` (both ends) or ``(start, end)``.

    Input shape: ``(N, steps, C)``. Output shape: ``(N, steps - start - end, C)``.

    Raises:
        ValueError: for a malformed ``cropping``, a crop that leaves nothing, or a non-3-D input.

    >>> import numpy as np
    >>> Cropping1D((1, 0))(np.arange(3, dtype="float32").reshape(1, 3, 1)).data[0, :, 0].tolist()
    [1.0, 2.0]
    """

    rank = 1

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(cropping, None, **kwargs)

    def get_config(self):
        config = super().get_config()
        del config["data_format"]  # Keras's Cropping1D has none: (N, steps, C) only
        return config


class Cropping2D(_Cropping):
    """Remove rows and columns at the borders of images.

    Args:
        cropping: ``k``, ``(rows, cols)`` (symmetric) or ``((top, bottom), (left, right))``.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(N, H, W, C)``. Output shape: ``(N, H - top - bottom, W - left - right, C)``.

    Raises:
        ValueError: for a malformed ``cropping``, a crop that leaves nothing, or a non-4-D input.

    >>> import numpy as np
    >>> Cropping2D(((2, 2), (4, 4)))(np.zeros((1, 28, 28, 3), "float32")).shape
    (1, 24, 20, 3)
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


class Cropping3D(_Cropping):
    """Remove entries at the borders of volumes.

    Args:
        cropping: ``k``, three ints (symmetric per axis), or three ``(before, after)`` pairs.
        data_format: ``'channels_last'`` (default) or ``'channels_first'``.

    Input shape: ``(N, D, H, W, C)``. Output shape: each spatial size minus its two crops.

    Raises:
        ValueError: for a malformed ``cropping``, a crop that leaves nothing, or a non-5-D input.

    >>> import numpy as np
    >>> Cropping3D()(np.zeros((1, 4, 4, 4, 2), "float32")).shape
    (1, 2, 2, 2, 2)
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(cropping, data_format, **kwargs)


# ---- repeat and permute --------------------------------------------------------------
class RepeatVector(Layer):
    """Repeat each input vector ``n`` times.

    Args:
        n: the number of repetitions (positive int).

    Input shape: ``(N, F)``. Output shape: ``(N, n, F)``.

    Raises:
        ValueError: for a non-positive ``n`` or an input that is not 2-D.

    >>> import numpy as np
    >>> RepeatVector(3)(np.ones((2, 5), "float32")).shape
    (2, 3, 5)
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if not _is_int(n) or n < 1:
            raise ValueError(f"RepeatVector {self.name!r}: n must be a positive int, got {n!r}")
        self.n = int(n)
        self.input_spec = InputSpec(ndim=2)

    def call(self, inputs):
        batch, features = inputs.shape
        y = inputs.reshape(batch, 1, features)                            # (N, 1, F)
        return BroadcastTo.apply(y, shape=(batch, self.n, features))      # (N, n, F)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}


class Permute(Layer):
    """Reorder the axes of each sample (the batch axis stays first).

    Args:
        dims: a permutation of ``1 .. rank`` (1-based, as Keras), e.g. ``(2, 1)``
            swaps the two axes of ``(N, steps, C)``.

    Input shape: ``(N, d1, ..., dk)``. Output shape: ``(N, d_dims[0], ..., d_dims[k-1])``.

    Raises:
        ValueError: when ``dims`` is not a permutation of ``1..k`` or the input rank is not ``k + 1``.

    >>> import numpy as np
    >>> Permute((2, 1))(np.zeros((4, 10, 64), "float32")).shape
    (4, 64, 10)
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
        if not all(_is_int(d) for d in dims) or sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(f"Permute {self.name!r}: dims must be a permutation of 1..{len(dims)} "
                             f"(axis 0, the batch, stays), got {dims!r}")
        self.dims = tuple(int(d) for d in dims)
        self.input_spec = InputSpec(ndim=len(self.dims) + 1)

    def call(self, inputs):
        return inputs.transpose((0,) + self.dims)  # (N, d_dims[0], ..., d_dims[k-1])

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": list(self.dims)}
