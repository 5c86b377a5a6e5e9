"""Batches for fit/evaluate/predict, in the form Keras 3 hands to ``train_step(data)``.

The data were checked and converted once, up front (``models/data.py``); an
iterator only cuts them into batches. Each batch is Keras's ``data``: ``x`` for
prediction, ``(x, y)`` for training and evaluation, ``(x, y, sample_weight)``
when sample weights are given, where ``x`` and ``y`` are one array for a model
with one input (output) and a list of arrays in the model's order otherwise.

>>> import numpy as np
>>> it = ArrayIterator([np.arange(5.0)], [np.arange(5)], batch_size=2)
>>> [(step, data[0].tolist()) for step, data in it.enumerate_epoch()]
[(0, [0.0, 1.0]), (1, [2.0, 3.0]), (2, [4.0])]
>>> len(it)
3
"""

import math

from striate import random
from striate.backend import to_device

__all__ = ["ArrayIterator", "pack_x_y_sample_weight", "unpack_x_y_sample_weight"]


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """Keras's packing: ``x``, ``(x, y)`` or ``(x, y, sample_weight)`` (a tuple, never a list,
    because a list is a list of inputs)."""
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """The inverse of :func:`pack_x_y_sample_weight`: always ``(x, y, sample_weight)``.

    Raises:
        ValueError: for a tuple of more than three elements.
    """
    if isinstance(data, list):
        data = tuple(data)
    if not isinstance(data, tuple):
        return data, None, None
    if len(data) == 1:
        return data[0], None, None
    if len(data) == 2:
        return data[0], data[1], None
    if len(data) == 3:
        return data[0], data[1], data[2]
    raise ValueError(f"data must be x, (x,), (x, y) or (x, y, sample_weight); got a tuple of {len(data)} elements")


def _one_or_list(arrays):
    return arrays[0] if len(arrays) == 1 else list(arrays)


class ArrayIterator:
    """Consecutive (or shuffled) batches of in-memory arrays.

    Args:
        xs: list of input arrays, one per model input, all with N samples.
        ys: list of target arrays (one per output), or None for prediction.
        sample_weight: array of shape ``(N,)`` or None.
        batch_size: samples per batch (the last batch may be smaller).
        shuffle: draw a new order from striate's generator at each epoch.
        steps: batches per epoch at most (None: all of the data).
    """

    def __init__(self, xs, ys=None, sample_weight=None, batch_size=32, shuffle=False, steps=None):
        self.xs, self.ys, self.sample_weight = xs, ys, sample_weight
        self.num_samples = len(xs[0])
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        full = math.ceil(self.num_samples / self.batch_size)
        self.steps = full if steps is None else min(full, int(steps))

    def __len__(self):
        return self.steps

    def enumerate_epoch(self):
        """``(step, data)`` for one epoch; a shuffled epoch draws its order here."""
        n, size = self.num_samples, self.batch_size
        order = random.generator().permutation(n) if self.shuffle else None
        for step in range(self.steps):
            start, stop = step * size, min(step * size + size, n)
            index = slice(start, stop) if order is None else order[start:stop]
            yield step, self._batch(index)

    def _batch(self, index):
        # The data stay on the host; each batch is sliced there and moved to the device here,
        # the one place where fit/evaluate/predict cross (no copy on NumPy).
        x = _one_or_list([to_device(a[index]) for a in self.xs])
        if self.ys is None:
            return pack_x_y_sample_weight(x)
        y = _one_or_list([to_device(a[index]) for a in self.ys])
        sw = None if self.sample_weight is None else to_device(self.sample_weight[index])
        return pack_x_y_sample_weight(x, y, sw)
