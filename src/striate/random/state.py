"""The global random state: one NumPy Generator behind every random choice.

Initialisers without a seed, dropout masks and ``fit``'s shuffling all draw
from :func:`generator`, so ``set_random_seed`` makes a whole run repeatable and
the generator's state can be saved with a checkpoint and restored.

The generator lives on the host on every backend: a GPU run draws the same
numbers as a NumPy run with the same seed, and :func:`to_device` moves what is
drawn (initial weights once, dropout masks per step).

>>> from striate import random
>>> random.set_random_seed(1); a = random.generator().random()
>>> random.set_random_seed(1); b = random.generator().random()
>>> a == b
True
"""

import contextlib
import random as _python_random

from striate import backend
from striate.backend import host

__all__ = ["set_random_seed", "generator", "get_state", "set_state", "host_generator", "batch_shard", "draw_batch"]

_generator = host.random.default_rng()
_shard = None  # (global batch size, start, stop) while a data-parallel step runs on rows [start, stop)


def set_random_seed(seed):
    """Seed striate's generator, Python's ``random`` and NumPy's legacy global state
    (as ``keras.utils.set_random_seed`` does).

    Raises:
        TypeError: when ``seed`` is not an int.
        ValueError: when it is negative.
    """
    global _generator
    if isinstance(seed, bool) or not isinstance(seed, (int, host.integer)):
        raise TypeError(f"set_random_seed: seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"set_random_seed: seed must be non-negative, got {seed}")
    _python_random.seed(int(seed))
    host.random.seed(int(seed) % 2**32)
    _generator = host.random.default_rng(int(seed))


def generator():
    """The current global ``numpy.random.Generator``."""
    return _generator


def host_generator(seed):
    """A fresh host ``numpy.random.Generator`` for a layer's or an initializer's own ``seed``."""
    return host.random.default_rng(seed)


def get_state():
    """The global generator's state as a JSON-serialisable dict."""
    return _generator.bit_generator.state


def set_state(state):
    """Restore a state from :func:`get_state`."""
    _generator.bit_generator.state = state


@contextlib.contextmanager
def batch_shard(batch_size, start, stop):
    """Inside the block, this process computes rows ``[start, stop)`` of a global batch of ``batch_size``.

    Data parallelism (``striate.distribution``) sets it around each training
    step, so that :func:`draw_batch` gives every process its rows of the random
    numbers that one process training on the whole batch would have drawn.
    """
    global _shard
    previous, _shard = _shard, (int(batch_size), int(start), int(stop))
    try:
        yield
    finally:
        _shard = previous


def draw_batch(draw, shape):
    """``draw(shape)`` for random numbers whose first axis is the batch (dropout masks, noise).

    Under :func:`batch_shard` the numbers of the whole global batch are drawn and
    this process's rows returned: the masks then match a one-process run, and
    every process's generator advances alike (so their shuffles stay the same).

    >>> import numpy as np
    >>> full = np.random.default_rng(0).random((4, 2))
    >>> rng = np.random.default_rng(0)
    >>> with batch_shard(4, 2, 4):
    ...     part = draw_batch(rng.random, (2, 2))
    >>> bool((part == full[2:]).all())
    True
    """
    shard = _shard
    if shard is None or not shape or shape[0] != shard[2] - shard[1]:
        return draw(shape)
    batch_size, start, stop = shard
    return draw((batch_size, *shape[1:]))[start:stop]
