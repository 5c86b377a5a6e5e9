"""Split a batch over striate's threads: the convolutions' parallel loop.

NumPy releases the GIL in its copies and ufunc loops and BLAS in its GEMMs, so
Python threads that each take a contiguous part of the batch run truly in
parallel. The parts write disjoint slices of preallocated outputs; anything that
sums over the batch (a weight gradient) is returned per part and added up by
the caller. BLAS is single-threaded for the duration (see ``backend.blas_threads``).

>>> import numpy as np
>>> out = np.zeros(10)
>>> def fill(start, stop):
...     out[start:stop] = np.arange(start, stop)
...     return stop - start
>>> sum(over_batch(fill, 10, work_bytes=1 << 30)), out.tolist() == list(range(10))
(10, True)
"""

import os
from concurrent.futures import ThreadPoolExecutor, wait

from striate import backend
from striate.backend import xp

__all__ = ["over_batch", "matmul", "matmul_tn", "MIN_PARALLEL_BYTES"]

# Below this much work (bytes of columns) a second thread costs more than it saves.
MIN_PARALLEL_BYTES = 1 << 20

_pool = None
_pool_size = 0


def _forget_pool():
    global _pool, _pool_size
    _pool, _pool_size = None, 0  # a forked child has none of its parent's threads


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pool)


def over_batch(part, n, work_bytes):
    """``[part(start, stop), ...]`` over contiguous ranges that cover ``range(n)``.

    Args:
        part: function of a sample range; it must only write its own slice of any shared output.
        n: number of samples.
        work_bytes: rough size of the work, to decide whether threads pay.

    Returns:
        The parts' results, in order.
    """
    if not backend.uses_host_threads():  # a GPU backend: the device runs the whole batch at once
        return [part(0, n)]
    threads = min(backend.num_threads(), n)
    if work_bytes < MIN_PARALLEL_BYTES or (threads <= 1 and not backend.is_deterministic()):
        return [part(0, n)]
    # One part per thread; in deterministic mode a fixed number of parts, whatever the threads.
    count = min(n, backend.DETERMINISTIC_PARTS) if backend.is_deterministic() else threads
    bounds = [n * i // count for i in range(count + 1)]
    ranges = list(zip(bounds, bounds[1:]))
    threads = min(threads, len(ranges))
    if threads <= 1:
        return [part(start, stop) for start, stop in ranges]
    return _run_on_threads(part, ranges, threads)


def _run_on_threads(part, ranges, threads):
    """Run ``part`` over ``ranges`` on ``threads`` threads (this one included); results in order."""
    global _pool, _pool_size
    if _pool is None or _pool_size < threads - 1:
        _pool = ThreadPoolExecutor(max_workers=threads - 1, thread_name_prefix="striate")
        _pool_size = threads - 1
    # Thread t takes parts t, t + threads, ...: with one part per thread, one each.
    def chain(first_index):
        return [(i, part(*ranges[i])) for i in range(first_index, len(ranges), threads)]

    with backend.blas_threads(1):
        futures = [_pool.submit(chain, t) for t in range(1, threads)]
        try:
            mine = chain(0)  # this thread takes its share too
        finally:
            wait(futures)  # never leave a part running behind an error
        done = dict(mine)
        for future in futures:
            done.update(future.result())
        return [done[i] for i in range(len(ranges))]


# A product of fewer multiply-adds is done by one thread.
MIN_PARALLEL_FLOPS = 4_000_000


def _split_pays(flops):
    if backend.is_deterministic():  # the same split whatever the thread count
        return flops >= MIN_PARALLEL_FLOPS
    return flops >= MIN_PARALLEL_FLOPS and backend.num_threads() > 1 and backend.current_blas_threads() == 1


def matmul(a, b):
    """``a @ b`` for a 2-D ``a``, its rows split over striate's threads when the BLAS is
    single-threaded (inside ``backend.striate_threads``); else one BLAS call."""
    m, k = a.shape
    if a.ndim != 2 or b.ndim != 2 or not _split_pays(m * k * b.shape[1]):
        return a @ b
    out = xp.empty((m, b.shape[1]), dtype=xp.result_type(a, b))

    def part(start, stop):
        xp.matmul(a[start:stop], b, out=out[start:stop])

    over_batch(part, m, work_bytes=1 << 30)
    return out


def matmul_tn(a, b):
    """``a.T @ b`` (2-D, same number of rows): a weight gradient. When the BLAS is
    single-threaded, striate's threads each make a block of the output's rows (columns
    of ``a``): no partial sums to add up and no second copy of the gradient (splitting
    the summed rows instead cost 2.7x the CPU time for network (d)'s 2304x512 gradient)."""
    m, k = a.shape
    if not _split_pays(m * k * b.shape[1]):
        return a.T @ b
    out = xp.empty((k, b.shape[1]), dtype=xp.result_type(a, b))

    def part(start, stop):
        xp.matmul(a[:, start:stop].T, b, out=out[start:stop])

    over_batch(part, k, work_bytes=1 << 30)
    return out
