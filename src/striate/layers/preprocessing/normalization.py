"""Normalization: ``(x - mean) / sqrt(variance)`` per feature, with the statistics given or learned by ``adapt``.

>>> import numpy as np
>>> layer = Normalization()
>>> layer.adapt(np.array([[0.0, 10.0], [2.0, 30.0]]))
>>> layer(np.array([[1.0, 20.0]])).data.tolist()
[[0.0, 0.0]]
"""

import math

from striate import backend
from striate.autograd.augment import Standardize
from striate.backend import host
from striate.layers.base import Layer
from striate.tensor import Tensor

__all__ = ["Normalization"]

_EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation divided by


def _first_x(batch):
    """The inputs of a batch (``x`` of ``(x, y)`` / ``(x, y, sample_weight)``, or the batch itself)
    as a host array."""
    x = batch[0] if isinstance(batch, tuple) else batch
    return backend.to_host(x.data if isinstance(x, Tensor) else x)


class Normalization(Layer):
    """Shift and scale inputs to mean 0 and variance 1 per feature along ``axis``.

    The statistics are either given (``mean``, ``variance``) or computed by
    :meth:`adapt` from data (kept as the non-trainable weights ``mean``,
    ``variance`` and ``count``, so they are saved with the model). Differentiable.

    Args:
        axis: the axis (or axes) that keep separate statistics; -1 (default) is one
            mean per feature or channel; None computes a single mean and variance.
        mean, variance: fixed statistics broadcast against the kept axes (both or neither).
        invert: apply the inverse, ``mean + x * sqrt(variance)``.

    Input shape: any with the kept axes of known size. Output shape: the same.

    Raises:
        ValueError: for only one of mean and variance, an axis outside the input, or
            data in ``adapt`` whose kept axes do not match.
    """

    jit_traceable = True  # compiled steps may record it: call() applies one primitive (Standardize)

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        self.axis = () if axis is None else ((int(axis),) if isinstance(axis, (int, host.integer)) else tuple(axis))
        if (mean is None) != (variance is None):
            raise ValueError(f"Normalization {self.name!r}: give both mean and variance or neither, "
                             f"got mean={mean!r}, variance={variance!r}")
        if mean is not None and host.shape(mean) != host.shape(variance):
            raise ValueError(f"Normalization {self.name!r}: mean and variance must have the same shape, "
                             f"got {host.shape(mean)} and {host.shape(variance)}")
        if mean is not None and host.ndim(mean) > len(self.axis):
            raise ValueError(f"Normalization {self.name!r}: mean has rank {host.ndim(mean)}, more than the "
                             f"{len(self.axis)} kept axes {self.axis}")
        self.input_mean, self.input_variance = mean, variance
        self.invert = bool(invert)
        self._build_shape = None

    def build(self, input_shape):
        ndim = len(input_shape)
        if any(a < -ndim or a >= ndim for a in self.axis):
            raise ValueError(f"Normalization {self.name!r}: axis {self.axis} is outside inputs of rank {ndim} "
                             f"(shape {tuple(input_shape)})")
        self._keep = tuple(sorted(a % ndim for a in self.axis))
        if any(input_shape[a] is None for a in self._keep):
            raise ValueError(f"Normalization {self.name!r}: the kept axes {self._keep} must have known sizes, "
                             f"got input shape {tuple(input_shape)}")
        self._reduce = tuple(a for a in range(ndim) if a not in self._keep)
        self._broadcast = tuple(input_shape[a] if a in self._keep else 1 for a in range(ndim))
        self._build_shape = tuple(input_shape)
        stats_shape = tuple(input_shape[a] for a in self._keep)
        if self.input_mean is None:
            self.adapt_mean = self.add_weight(stats_shape, "zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(stats_shape, "ones", trainable=False, name="variance")
            self.count = self.add_weight((), "zeros", dtype="int64", trainable=False, name="count")
        self.built = True

    def _fixed_statistics(self):
        """The given mean and variance broadcast to ``(1, ..., kept sizes, ..., 1)``, as nested lists."""
        mean, variance = (host.asarray(v, dtype=host.float64) for v in (self.input_mean, self.input_variance))
        shape = [1] * len(self._broadcast)
        for i in range(1, mean.ndim + 1):  # trailing axes of mean go to the trailing kept axes
            shape[self._keep[-i]] = mean.shape[-i]
        return (host.broadcast_to(mean.reshape(shape), self._broadcast).tolist(),
                host.broadcast_to(variance.reshape(shape), self._broadcast).tolist())

    def call(self, inputs):
        # One primitive: the adapted statistics are its operands (Variables, read afresh at every
        # replay of a compiled step), fixed ones its keyword arguments.
        options = {"shape": self._broadcast, "invert": self.invert, "epsilon": _EPSILON}
        if self.input_mean is None:
            return Standardize.apply(inputs, self.adapt_mean, self.adapt_variance, **options)
        mean, variance = self._fixed_statistics()
        return Standardize.apply(inputs, mean=mean, variance=variance, **options)

    def adapt(self, data, batch_size=None, steps=None):
        """Compute the mean and variance of ``data`` over the reduced axes.

        Args:
            data: an array, or an iterable of batches: a ``striate.utils.PyDataset``,
                the result of ``image_dataset_from_directory``, a list or generator of
                arrays or of ``(x, y)`` tuples (only ``x`` is used).
            batch_size, steps: accepted for Keras compatibility; ``steps`` limits the
                number of batches read.

        Raises:
            ValueError: for empty data or batches whose kept axes do not match the layer.
            TypeError: for data that is neither an array nor an iterable of arrays.
        """
        if self.input_mean is not None:
            raise ValueError(f"Normalization {self.name!r}: adapt() cannot change fixed mean and variance")
        if hasattr(data, "shape") and not isinstance(data, (list, tuple)):
            batches = [data]
        elif hasattr(data, "__getitem__") and hasattr(data, "__len__") and hasattr(data, "on_epoch_end"):
            batches = (data[i] for i in range(len(data)))  # a PyDataset: read in order, no workers
        elif hasattr(data, "__iter__"):
            batches = iter(data)
        else:
            raise TypeError(f"Normalization {self.name!r}: adapt() takes an array or an iterable of batches, "
                            f"got {type(data).__name__}")
        mean = var = None
        total = 0
        for step, batch in enumerate(batches):
            if steps is not None and step >= steps:
                break
            x = host.asarray(_first_x(batch), dtype=host.float64)  # statistics on the host, in float64
            if not self.built:
                self._build_from_shapes((None,) + x.shape[1:] if x.ndim else ())
            self._check_batch(x, step)
            count = math.prod(x.shape[a] for a in self._reduce) if self._reduce else 1
            b_mean, b_var = x.mean(axis=self._reduce), x.var(axis=self._reduce)
            if total == 0:
                mean, var, total = b_mean, b_var, count
                continue
            # Chan et al.'s pairwise update: exact for any split into batches.
            new_total = total + count
            delta = b_mean - mean
            mean = mean + delta * (count / new_total)
            var = (var * total + b_var * count + delta ** 2 * (total * count / new_total)) / new_total
            total = new_total
        if total == 0:
            raise ValueError(f"Normalization {self.name!r}: adapt() received no data")
        self.adapt_mean.data[...] = backend.to_device(mean.astype(self.adapt_mean.dtype))
        self.adapt_variance.data[...] = backend.to_device(var.astype(self.adapt_variance.dtype))
        self.count.data[...] = total

    def _check_batch(self, x, step):
        if x.ndim != len(self._build_shape) or any(x.shape[a] != self._build_shape[a] for a in self._keep):
            raise ValueError(f"Normalization {self.name!r}: adapt() batch {step} has shape {x.shape}, but the layer "
                             f"was built for {self._build_shape} (axes {self._keep} must match)")
        if not host.isfinite(x).all():
            raise ValueError(f"Normalization {self.name!r}: adapt() batch {step} contains NaN or infinite values")

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "axis": list(self.axis), "invert": self.invert,
                "mean": None if self.input_mean is None else host.asarray(self.input_mean).tolist(),
                "variance": None if self.input_variance is None else host.asarray(self.input_variance).tolist()}
