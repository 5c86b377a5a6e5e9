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

import random as _python_random

from striate import backend
from striate.backend import host

__all__ = ["set_random_seed", "generator", "get_state", "set_state", "host_generator"]

_generator = host.random.default_rng()


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
