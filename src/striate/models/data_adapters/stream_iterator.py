"""Batches from a ``PyDataset`` or a Python generator, with ``ArrayIterator``'s interface.

``fit``, ``evaluate`` and ``predict`` get ``(step, data)`` from
``enumerate_epoch()`` whatever the source, where ``data`` is Keras's ``x``,
``(x, y)`` or ``(x, y, sample_weight)``. A stream's batches are prepared in
the background (``workers.py``, ``generator_feed.py``) and checked one by one
when they arrive, with the checks ``fit`` runs on arrays (``models/data.py``:
shapes, NaN/inf, label ranges), in the trainer's thread, each error naming the
batch. ``close()`` stops the workers; the trainer calls it in a ``finally``.

>>> import numpy as np, striate
>>> model = striate.Sequential([striate.Input((2,)), striate.layers.Dense(1)])
>>> model.compile("sgd", "mse")
>>> def batches():
...     while True:
...         yield np.ones((4, 2)), np.zeros((4, 1))
>>> it = StreamIterator(model, batches(), "fit", steps=2)
>>> [(step, data[0].shape) for step, data in it.enumerate_epoch()]
[(0, (4, 2)), (1, (4, 2))]
>>> it.close()
"""

import contextlib
import inspect
import warnings

from striate import random
from striate.backend import to_device
from striate.models.data_adapters.generator_feed import GeneratorFeed
from striate.models.data_adapters.workers import BatchWorkers, add_note, compute_batch, describe
from striate.models.epoch_iterator import pack_x_y_sample_weight
from striate.utils.py_dataset import PyDataset

__all__ = ["StreamIterator", "is_stream", "closing", "check_stream_args", "stop_out_of_data"]


def is_stream(data):
    """Whether ``data`` is a PyDataset or a Python generator/iterator (not arrays)."""
    if isinstance(data, PyDataset):
        return True
    if inspect.isgenerator(data):
        return True
    return hasattr(data, "__next__") and hasattr(data, "__iter__") and not hasattr(data, "shape")


def _on_device(arrays):
    """Checked host arrays moved to the device as ArrayIterator moves its batches: one or a list."""
    moved = [to_device(a) for a in arrays]
    return moved[0] if len(moved) == 1 else moved


class StreamIterator:
    """Checked batches of a PyDataset or generator for one fit/evaluate/predict.

    Args:
        model: the model whose inputs and outputs the batches must fit.
        data: a ``striate.utils.PyDataset`` or an iterator of batches.
        mode: ``"fit"``, ``"evaluate"`` or ``"predict"`` (which needs no targets).
        steps: batches per epoch (None: ``len(data)`` for a PyDataset, until
            exhausted for a generator).
        shuffle: visit a PyDataset's batches in a new order each epoch (from
            striate's global generator).
        class_weight: function ``(ys, sample_weight) -> sample_weight`` or None.
        label: ``"x"`` or ``"x_val"``, for the error messages.

    Raises:
        ValueError: for an infinite PyDataset without ``steps``, or a bad ``steps``.
    """

    def __init__(self, model, data, mode, steps=None, shuffle=False, class_weight=None, label="x"):
        if steps is not None and (isinstance(steps, bool) or not isinstance(steps, int) or steps < 1):
            raise ValueError(f"steps must be a positive integer or None, got {steps!r}")
        self.model, self.data, self.mode, self.label = model, data, mode, label
        self.class_weight = class_weight
        self.shuffle = bool(shuffle)
        self._workers = self._feed = None
        # The workers' seeds: fixed by the global generator's state, which they do not advance.
        self._seed = random.state_seed((mode, label))
        self._epoch = 0
        if isinstance(data, PyDataset):
            count = data.num_batches
            if count is None and steps is None:
                raise ValueError(f"{type(data).__name__} is infinite (num_batches is None): pass steps "
                                 f"(steps_per_epoch, validation_steps or steps) to {mode}()")
            self.num_batches = count
            self.steps = count if steps is None else (steps if count is None else min(steps, count))
            if data.workers > 0:
                self._workers = BatchWorkers(data, data.workers, data.use_multiprocessing, data.max_queue_size)
        else:
            self.num_batches = None
            self.steps = steps
            self._feed = GeneratorFeed(data, seed=self._seed)

    def __len__(self):
        return self.steps

    @property
    def exhausted(self):
        """Whether a generator ran out (later epochs then get no batches)."""
        return self._feed is not None and self._feed.exhausted

    # ---- the raw batches -------------------------------------------------------------------
    def _indices(self):
        if self.num_batches is None:
            return list(range(self.steps))
        order = random.generator().permutation(self.num_batches) if self.shuffle else range(self.num_batches)
        return [int(i) for i in order][:self.steps]

    def _raw_epoch(self):
        if self._feed is not None:
            yield from enumerate(self._feed.take(self.steps))
            return
        dataset = self.data
        dataset.on_epoch_begin()
        indices = self._indices()
        self._epoch += 1
        seed = (self._seed, self._epoch)
        if self._workers is None:
            for position, index in enumerate(indices):
                try:
                    batch = compute_batch(dataset, index, seed)
                except Exception as error:
                    add_note(error, describe(dataset, index, position, "the training thread (workers=0)"))
                    raise
                yield position, batch
        else:
            for position, (_, batch) in enumerate(self._workers.run_epoch(indices, seed)):
                yield position, batch
        dataset.on_epoch_end()

    def enumerate_epoch(self):
        """``(step, data)`` for one epoch, each batch checked (see the module docstring)."""
        for step, raw in self._raw_epoch():
            yield step, self.standardize(raw, step)

    def prime(self):
        """Build the model (and its metrics) from the first batch, before any callback runs."""
        if self.model.built and (self.mode == "predict" or self.model._compiled_metrics is not None):
            return
        if self._feed is not None:
            first = self._feed.peek()
            if first is None:
                raise ValueError(f"{self.mode}: the generator yielded no batches")
        else:
            first = compute_batch(self.data, 0, (self._seed, 0))
        self.standardize(first, 0)

    def close(self):
        """Stop the background workers (idempotent)."""
        if self._workers is not None:
            self._workers.close()
        if self._feed is not None:
            self._feed.close()

    # ---- the checks -------------------------------------------------------------------------
    def _source(self):
        return type(self.data).__name__ if isinstance(self.data, PyDataset) else "the generator"

    def standardize(self, batch, step):
        """Keras's ``data`` for one batch, checked and converted like arrays are.

        Raises:
            ValueError / TypeError: naming the batch, for a malformed batch or bad data.
        """
        what = f"{self.label} of batch {step}"
        if isinstance(batch, list):
            batch = tuple(batch)
        if not isinstance(batch, tuple):
            batch = (batch,)  # an array or a dict of arrays: the inputs alone
        if not 1 <= len(batch) <= 3:
            raise ValueError(f"batch {step} from {self._source()} must be x, (x,), (x, y) or (x, y, sample_weight); "
                             f"got a tuple of {len(batch)} elements")
        x, y, sample_weight = (tuple(batch) + (None, None))[:3]
        if self.mode == "predict":
            return pack_x_y_sample_weight(_on_device(self.model._prepare_x(x, what)))
        if y is None:
            raise ValueError(f"batch {step} from {self._source()} has no targets: {self.mode}() needs (x, y) "
                             "or (x, y, sample_weight) batches")
        xs, ys, sample_weight, _ = self.model._prepare_xy(x, y, sample_weight, what=what)
        if self.class_weight is not None:
            sample_weight = self.class_weight(ys, sample_weight)
        sample_weight = None if sample_weight is None else to_device(sample_weight)
        return pack_x_y_sample_weight(_on_device(xs), _on_device(ys), sample_weight)


# ---- what fit/evaluate/predict need around a stream -------------------------------------------
@contextlib.contextmanager
def closing(*iterators):
    """Stop the iterators' background workers however the block ends (error, Ctrl-C, a callback)."""
    try:
        yield
    finally:
        for iterator in iterators:
            if isinstance(iterator, StreamIterator):
                iterator.close()


def check_stream_args(method, y, sample_weight, validation_split=0.0):
    for name, value in (("y", y), ("sample_weight", sample_weight)):
        if value is not None:
            raise ValueError(f"{method}: {name} must be None when x is a PyDataset or a generator "
                             f"(its batches carry the {'targets' if name == 'y' else 'sample weights'})")
    if validation_split:
        raise ValueError(f"{method}: validation_split needs arrays; with a PyDataset or a generator pass "
                         "validation_data instead")


def stop_out_of_data(model, epoch):
    """A generator that ran out ends training after this epoch, with Keras's warning."""
    warnings.warn(f"Model {model.name!r}: the data generator ran out of data in epoch {epoch + 1}; training "
                  "stops after it. Make sure it yields at least steps_per_epoch * epochs batches.", UserWarning,
                  stacklevel=4)
    model.stop_training = True


def warn_validation_ran_out(model, epoch):
    """A validation generator that ran out in an earlier epoch gives no ``val_`` metrics from
    this epoch on: say so (once per ``fit``) instead of leaving the history's lists uneven."""
    warnings.warn(f"Model {model.name!r}: validation_data (a generator) had no batches left for epoch "
                  f"{epoch + 1}, so this and later epochs have no val_ metrics. Pass a PyDataset, or a "
                  "generator that repeats together with validation_steps.", UserWarning, stacklevel=4)
