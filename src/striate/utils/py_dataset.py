"""PyDataset: batches written in Python, prepared in background workers while the model trains.

A subclass implements ``__getitem__(index)`` (one whole batch: ``x``,
``(x, y)`` or ``(x, y, sample_weight)``) and ``__len__`` (the number of
batches), and may implement ``on_epoch_begin`` / ``on_epoch_end``. ``fit``,
``evaluate`` and ``predict`` take it in place of arrays.

How ``fit`` runs it (``striate.models.data_adapters``):

- ``workers`` threads (or processes with ``use_multiprocessing=True``) call
  ``__getitem__`` ahead of the training loop, at most ``max_queue_size`` batches
  ahead; the batches still arrive in order. ``workers=1`` (the default) is one
  background thread (Keras would call ``__getitem__`` in the training thread;
  ``workers=0`` does that here).
- Each ``__getitem__(i)`` runs with ``striate.random.generator()`` set to a
  generator seeded from the global state, the epoch and ``i``
  (``striate.random.scoped_generator``),
  so augmentation that draws from it is the same whatever the number of workers.
  NumPy's legacy global state (``np.random.rand``) is not per batch.
- A worker that raises stops ``fit`` with that exception, which names the batch.
- Processes are forked per epoch on Linux (so changes made in ``on_epoch_end``
  reach them, as in Keras) and spawned elsewhere (then the data set must pickle).

>>> import numpy as np
>>> class Squares(PyDataset):
...     def __len__(self):
...         return 3
...     def __getitem__(self, index):
...         x = np.arange(2.0) + 2 * index
...         return x, x ** 2
>>> data = Squares(workers=2)
>>> [y.tolist() for _, y in data]
[[0.0, 1.0], [4.0, 9.0], [16.0, 25.0]]
"""

import itertools
import numbers
import warnings

__all__ = ["PyDataset"]


def _check_count(value, name, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < minimum:
        raise ValueError(f"PyDataset: {name} must be an int >= {minimum}, got {value!r}")
    return int(value)


class PyDataset:
    """Base class of Python data sets for ``fit``/``evaluate``/``predict`` (Keras's ``keras.utils.PyDataset``).

    Args:
        workers: background workers that prepare batches (0: in the training thread).
        use_multiprocessing: processes instead of threads (for CPU-bound Python code
            that holds the GIL; batches are then pickled back to the trainer).
        max_queue_size: batches prepared ahead at most (memory bound), default 10.

    Raises:
        ValueError: for a negative worker count or a queue size below 1.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self._workers = _check_count(workers, "workers", 0)
        self._use_multiprocessing = bool(use_multiprocessing)
        self._max_queue_size = _check_count(max_queue_size, "max_queue_size", 1)

    def _warn_if_super_not_called(self):
        if not hasattr(self, "_workers"):
            warnings.warn(f"{type(self).__name__} should call super().__init__(**kwargs) in its constructor; "
                          "using workers=1, use_multiprocessing=False, max_queue_size=10", stacklevel=3)
            self._workers, self._use_multiprocessing, self._max_queue_size = 1, False, 10

    @property
    def workers(self):
        self._warn_if_super_not_called()
        return self._workers

    @workers.setter
    def workers(self, value):
        self._workers = _check_count(value, "workers", 0)

    @property
    def use_multiprocessing(self):
        self._warn_if_super_not_called()
        return self._use_multiprocessing

    @use_multiprocessing.setter
    def use_multiprocessing(self, value):
        self._use_multiprocessing = bool(value)

    @property
    def max_queue_size(self):
        self._warn_if_super_not_called()
        return self._max_queue_size

    @max_queue_size.setter
    def max_queue_size(self, value):
        self._max_queue_size = _check_count(value, "max_queue_size", 1)

    def __getitem__(self, index):
        """The batch at position ``index``: ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``."""
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__(index)")

    @property
    def num_batches(self):
        """Batches per epoch: ``len(self)``, or None for an infinite data set."""
        if hasattr(self, "__len__"):
            return len(self)
        raise NotImplementedError(f"{type(self).__name__} must implement __len__ (or a num_batches property "
                                  "returning None for an infinite data set)")

    def on_epoch_begin(self):
        """Called at the start of every epoch (in the training process)."""

    def on_epoch_end(self):
        """Called at the end of every epoch (e.g. to reshuffle)."""

    def __iter__(self):
        """The batches in order, in this thread (no workers), as in Keras."""
        count = self.num_batches
        for index in range(count) if count is not None else itertools.count():
            yield self[index]
