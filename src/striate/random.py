"""The global random state: one NumPy Generator behind every random choice.

Initialisers without a seed, dropout masks and ``fit``'s shuffling all draw
from :func:`generator`, so ``set_random_seed`` makes a whole run repeatable and
the generator's state can be saved with a checkpoint and restored.

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

from striate.backend import xp

__all__ = ["set_random_seed", "generator", "get_state", "set_state", "scoped_generator", "state_seed"]

_generator = xp.random.default_rng()
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
    if isinstance(seed, bool) or not isinstance(seed, (int, xp.integer)):
        raise TypeError(f"set_random_seed: seed must be an int, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"set_random_seed: seed must be non-negative, got {seed}")
    _python_random.seed(int(seed))
    xp.random.seed(int(seed) % 2**32)
    _generator = xp.random.default_rng(int(seed))


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


def _scoped():
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


def get_state():
    """The global generator's state as a JSON-serialisable dict."""
    return _generator.bit_generator.state


def set_state(state):
    """Restore a state from :func:`get_state`."""
    _generator.bit_generator.state = state
