"""Each process's part of a global batch: contiguous rows, sizes differing by at most one.

A global batch of ``n`` samples over ``size`` processes gives process ``rank``
rows ``[start, stop)`` with ``stop - start`` equal to ``n // size`` or one more
(the first ``n % size`` processes take the extra sample), so the shards are
disjoint and together are the whole batch, in order.

When ``n < size`` (the last batch of an epoch can be that small) some processes
get no rows. Such a process still runs the same step, on a stand-in shard of
one sample (the batch's first), with weight 0: it takes part in every
collective, draws the same random numbers as the others, and contributes
nothing to the gradients, the moving statistics or the metrics.

>>> [shard_bounds(10, rank, 3) for rank in range(3)]
[(0, 4), (4, 7), (7, 10)]
>>> [shard_bounds(2, rank, 3) for rank in range(3)]
[(0, 1), (1, 2), (2, 2)]
>>> import numpy as np
>>> take((np.arange(6), [np.arange(6) * 10, None]), slice(2, 4))
(array([2, 3]), [array([20, 30]), None])
"""

__all__ = ["shard_bounds", "batch_length", "take"]


def shard_bounds(n, rank, size):
    """Rows ``(start, stop)`` of a batch of ``n`` samples that process ``rank`` of ``size`` trains on."""
    q, extra = divmod(int(n), int(size))
    start = rank * q + min(rank, extra)
    return start, start + q + (1 if rank < extra else 0)


def _arrays(data):
    if hasattr(data, "shape") and hasattr(data, "__getitem__"):
        yield data
    elif isinstance(data, (list, tuple)):
        for item in data:
            yield from _arrays(item)
    elif isinstance(data, dict):
        for item in data.values():
            yield from _arrays(item)


def batch_length(data):
    """The number of samples in ``data`` (x, ``(x, y)`` or ``(x, y, sample_weight)``; lists and dicts of arrays).

    Raises:
        ValueError: when the data hold no array, or arrays of different lengths.
    """
    lengths = {len(a) for a in _arrays(data) if getattr(a, "ndim", 1) > 0}
    if len(lengths) != 1:
        raise ValueError("DataParallel: a batch must hold arrays that all have the same number of samples "
                         f"(first axis); got lengths {sorted(lengths)}")
    return lengths.pop()


def take(data, index):
    """``data`` with every array replaced by ``array[index]`` (tuples, lists and dicts keep their form)."""
    if hasattr(data, "shape") and hasattr(data, "__getitem__"):
        return data[index] if getattr(data, "ndim", 1) > 0 else data
    if isinstance(data, tuple):
        return tuple(take(item, index) for item in data)
    if isinstance(data, list):
        return [take(item, index) for item in data]
    if isinstance(data, dict):
        return {key: take(item, index) for key, item in data.items()}
    return data
