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
import hashlib
import random as _python_random
import threading

from striate import backend
from striate.backend import host

__all__ = ["set_random_seed", "generator", "get_state", "set_state", "host_generator", "batch_shard", "draw_batch",
           "state_seed", "scoped_generator", "active_scoped_generator"]

_generator = host.random.default_rng()
_shard = None  # (global batch size, start, stop) while a data-parallel step runs on rows [start, stop)
# A thread's own generator while it prepares a batch (see scoped_generator): data workers
# draw from it, so their draws neither race with the training thread's nor depend on
# which worker ran which batch.
_local = threading.local()


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
    """The current global ``numpy.random.Generator`` (or this thread's scoped one)."""
    return getattr(_local, "generator", None) or _generator


def state_seed(salt=""):
    """A 63-bit seed that the global generator's current state fixes, drawn without advancing it.

    Data workers take their seeds from it, so ``set_random_seed`` makes them repeatable
    and training's own draws (shuffling, dropout) stay the same as without workers.

    >>> set_random_seed(3); a = state_seed("x")
    >>> set_random_seed(3); a == state_seed("x") != state_seed("y")
    True
    """
    digest = hashlib.sha256(repr((generator().bit_generator.state, salt)).encode()).digest()
    return int.from_bytes(digest[:8], "little") >> 1


def active_scoped_generator():
    """This thread's scoped generator, or None outside ``scoped_generator``."""
    return getattr(_local, "generator", None)


@contextlib.contextmanager
def scoped_generator(rng):
    """Make ``generator()`` return ``rng`` in this thread only, inside the ``with`` block.

    fit's data workers run each ``PyDataset.__getitem__(i)`` inside one, with a
    generator seeded from the epoch and ``i``, so random augmentation in a data set
    is the same whatever the number of workers.

    >>> import numpy as np
    >>> with scoped_generator(np.random.default_rng(0)):
    ...     a = generator().random()
    >>> a == np.random.default_rng(0).random()
    True
    """
    previous = getattr(_local, "generator", None)
    _local.generator = rng
    try:
        yield rng
    finally:
        _local.generator = previous


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
