"""Gradients averaged over processes in one message: a preallocated flat buffer and one allreduce.

Each process writes its gradients, multiplied by its weight ``n_r`` (the
samples of its shard), one after the other into one contiguous buffer,
preceded by a header of ``n_r`` and one presence flag per variable; one
in-place ``Allreduce(SUM)`` adds the buffers of all processes; dividing by the
summed weight ``N = sum(n_r)`` gives ``sum_r n_r * g_r / N``, which is the
gradient of the global batch's mean loss (a shard's loss is the mean over its
``n_r`` samples). A variable whose gradient is None on every process stays None;
None on some processes counts as zeros there.

Moving statistics (batch normalisation's) ride in the same message: each
process sends ``n_r * (s_r - s_0)``, the change it made to a statistic during
the step relative to the value ``s_0`` that all processes shared before it, and
every process ends the step with ``s_0 + sum_r n_r (s_r - s_0) / N``. A
statistic that no process changed stays exactly ``s_0`` (no rounding drift), and
an exponential moving average updated on every shard becomes the average of the
shards' updates.

The buffer is allocated once per layout (the variables' shapes and dtype) and
reused; the gradients returned are views into it, valid until the next
reduction.

>>> import numpy as np
>>> bucket = GradientBucket()
>>> class TwoProcesses:             # stands in for MPI: the other process sent weight 1 and gradient 3.0
...     size = 2
...     def allreduce(self, buffer, op="sum"):
...         other = np.array([1.0, 1.0, 3.0, 3.0], dtype=buffer.dtype)
...         buffer += other
>>> [g.tolist() for g in bucket.reduce(TwoProcesses(), [np.array([1.0, 1.0])], [(2,)], np.float32, weight=3)]
[[1.5, 1.5]]
"""

from striate.backend import xp

__all__ = ["GradientBucket"]


class GradientBucket:
    """A reusable flat buffer that averages gradients (and moving statistics) over processes.

    Attributes:
        nbytes: bytes of the last message (what each process sends and receives).
        reductions: how many reductions were made.
    """

    def __init__(self):
        self._buffer, self._layout = None, None
        self.nbytes, self.reductions = 0, 0

    def _buffer_for(self, shapes, state_shapes, dtype):
        layout = (tuple(shapes), tuple(state_shapes), xp.dtype(dtype))
        if layout != self._layout:
            sizes = [int(xp.prod(s, dtype=xp.int64)) for s in list(shapes) + list(state_shapes)]
            self._buffer = xp.empty(1 + len(shapes) + sum(sizes), dtype=dtype)
            self._layout, self._sizes = layout, sizes
        return self._buffer

    def reduce(self, comm, grads, shapes, dtype, weight=1.0, state=(), base=()):
        """Average ``grads`` over the processes of ``comm``, weighted by each process's ``weight``.

        Args:
            comm: a communicator (``allreduce(buffer)`` in place).
            grads: arrays (or None), one per variable.
            shapes: the variables' shapes (a None gradient still takes its place).
            dtype: the buffer's dtype (the variables' common float type).
            weight: this process's weight, its number of samples (0 for a stand-in shard).
            state: arrays changed during the step, averaged in place (moving statistics).
            base: for each of ``state``, its value before the step (the same on every process).

        Returns:
            The averaged gradients (views into the buffer; None where no process had one).

        Raises:
            ValueError: when the weights of all processes add up to 0.
        """
        m = len(shapes)
        buf = self._buffer_for(shapes, [s.shape for s in state], dtype)
        buf[0] = weight
        offset = 1 + m
        segments = []
        for i, (g, size) in enumerate(zip(grads, self._sizes)):
            segment = buf[offset:offset + size]
            segments.append(segment)
            offset += size
            buf[1 + i] = g is not None
            if g is None or weight == 0:  # a stand-in shard adds nothing, not even a NaN
                segment.fill(0)
            else:
                xp.multiply(xp.asarray(g).reshape(-1), weight, out=segment, casting="same_kind")
        state_segments = []
        for s, b, size in zip(state, base, self._sizes[m:]):
            segment = buf[offset:offset + size]
            state_segments.append(segment)
            offset += size
            if weight == 0:
                segment.fill(0)
                continue
            xp.subtract(s, b, out=segment.reshape(s.shape), casting="same_kind")
            segment *= weight
        comm.allreduce(buf)
        self.nbytes, self.reductions = buf.nbytes, self.reductions + 1
        total = float(buf[0])
        if not total > 0:
            raise ValueError(f"DataParallel: the processes' weights add up to {total}; at least one process "
                             "must train on samples")
        body = buf[1 + m:]
        body *= 1.0 / total
        for s, b, segment in zip(state, base, state_segments):
            xp.add(b, segment.reshape(s.shape), out=s, casting="same_kind")
        out = []
        for i, (segment, shape, g) in enumerate(zip(segments, shapes, grads)):
            if buf[1 + i] == 0:
                out.append(None)
                continue
            reduced = segment.reshape(shape)
            g_dtype = getattr(g, "dtype", None)
            out.append(reduced if g_dtype is None or g_dtype == reduced.dtype else reduced.astype(g_dtype))
        return out
