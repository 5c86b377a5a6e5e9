"""One training or test step under data parallelism: shard, run the model's own step, reduce the logs.

``Model.make_train_function`` and ``make_test_function`` pass their step through
:func:`distributed_step`. Without a distribution (or with one process) it calls
the step unchanged. Otherwise, for each global batch:

0. the first step of a model under this distribution (outside ``fit``, which does it when
   training begins) copies process 0's weights and optimizer state to every process;
1. this process takes its rows (``sharding.shard_bounds``; a stand-in row of
   weight 0 when it has none), unless ``auto_shard_dataset=False``;
2. the model's step runs on them (``train_step``, or a custom one) with the
   random draws of the global batch (``random.batch_shard``) and a context that
   tells :func:`~striate.distribution.reduce_gradients` this shard's weight and
   the moving statistics to average along with the gradients;
3. the metrics' states are added up over the processes (one small float64
   allreduce: each process sends what its step added), so every process holds the
   metrics of the whole global batch and the logs equal a one-process run's.

An exception in the step, in any one process, prints that process's traceback
and aborts the job: the other processes would otherwise wait for it for ever.
"""

import contextlib
import traceback

from striate import random
from striate.backend import xp
from striate.distribution.data_parallel import distribution
from striate.distribution.sharding import batch_length, shard_bounds, take
from striate.distribution.sync import broadcast_training_state

__all__ = ["distributed_step", "moving_statistics"]


class _StepContext:
    """What ``reduce_gradients`` needs to know about the step that runs now."""

    def __init__(self, count, state):
        self.count = count                          # samples of this process's shard (0: a stand-in)
        self.state = state                          # moving statistics, averaged with the gradients
        self.state_base = [s.copy() for s in state]  # their values before the step (equal everywhere)
        self.state_reduced = False


def moving_statistics(model):
    """The float variables that training changes without gradients: the non-trainable weights of
    trainable layers (batch normalisation's moving mean and variance). Frozen layers' are left out."""
    out, seen = [], set()
    for layer in [model] + model._flatten_layers():
        if not getattr(layer, "trainable", True):
            continue
        for v in getattr(layer, "_own_weights", ()):
            if id(v) not in seen and not v.trainable and v.data.dtype.kind == "f":
                seen.add(id(v))
                out.append(v.data)
    return out


def _metric_variables(model):
    return [v for metric in model.metrics for v in metric.variables if isinstance(v, xp.ndarray)]


def _number(value):
    value = getattr(value, "data", value)
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _reduce_logs(dist, model, logs, before, count):
    """Add every process's metric updates of this step into every process's metrics; returns the global logs."""
    variables = _metric_variables(model)
    bases = [before[i] if i < len(before) and before[i].shape == v.shape else xp.zeros_like(v)
             for i, v in enumerate(variables)]
    extra = sorted(k for k, v in logs.items() if _number(v) is not None) if isinstance(logs, dict) else []
    metric_names = set(model.get_metrics_result()) if variables else set()
    extra = [k for k in extra if k not in metric_names]
    sizes = [v.size for v in variables]
    buffer = xp.zeros(sum(sizes) + len(extra) + 1, dtype=xp.float64)
    if count:
        offset = 0
        for v, base, size in zip(variables, bases, sizes):
            buffer[offset:offset + size] = (v - base).reshape(-1)
            offset += size
        for i, key in enumerate(extra):
            buffer[offset + i] = _number(logs[key]) * count
        buffer[-1] = count
    dist.communicator.allreduce(buffer)
    offset = 0
    for v, base, size in zip(variables, bases, sizes):
        v[...] = base + buffer[offset:offset + size].reshape(v.shape)
        offset += size
    if not isinstance(logs, dict):
        return logs
    results = model.get_metrics_result() if variables else {}
    total = buffer[-1]
    out = dict(logs)
    for key in out:
        if key in results:
            out[key] = results[key]
    for i, key in enumerate(extra):
        out[key] = float(buffer[offset + i] / total) if total else out[key]
    return out


def _run(dist, model, step, data, training):
    comm = dist.communicator
    if getattr(model, "_distribution_synced", None) is not dist:
        # The first step of a model outside fit (train_on_batch, evaluate, a custom loop):
        # start from process 0's state, as fit does in on_train_begin.
        broadcast_training_state(comm, model)
        model._distribution_synced = dist
    shard_rows = contextlib.nullcontext()
    if dist.auto_shard_dataset:
        n = batch_length(data)
        start, stop = shard_bounds(n, comm.rank, comm.size)
        count = stop - start
        if count == 0:            # fewer samples than processes: a stand-in row of weight 0
            start, stop = 0, 1
        data = take(data, slice(start, stop))
        if training:
            shard_rows = random.batch_shard(n, start, stop)
    else:
        count = batch_length(data)
    before = [v.copy() for v in _metric_variables(model)]
    context = _StepContext(count, moving_statistics(model) if training else [])
    dist._step = context
    try:
        with shard_rows:
            logs = step(data)
        if context.state and not context.state_reduced:
            # The step updated no gradients (a frozen model, a custom step); the statistics still agree.
            dist.bucket.reduce(comm, [], [], xp.float32, count, context.state, context.state_base)
        return _reduce_logs(dist, model, logs, before, count)
    finally:
        dist._step = None


def distributed_step(model, step, training):
    """``step`` (``data -> logs``) made data-parallel when a distribution with several processes is set.

    The distribution is looked up at every call, so a model whose train function was
    made before ``set_distribution`` still follows it.
    """
    def run(data):
        dist = distribution()
        if dist is None or dist.num_processes == 1:
            return step(data)
        try:
            return _run(dist, model, step, data, training)
        except BaseException as error:  # noqa: B902 -- any error: the others must not wait for ever
            what = "training" if training else "evaluation"
            dist.abort(f"{type(error).__name__} in a {what} step; aborting all processes.\n"
                       + "".join(traceback.format_exception(type(error), error, error.__traceback__)))
            raise
    run.__wrapped__ = step
    return run
