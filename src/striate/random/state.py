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

import random as _python_random

from striate.backend import xp

__all__ = ["set_random_seed", "generator", "get_state", "set_state"]

_generator = xp.random.default_rng()


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
    """The current global ``numpy.random.Generator``."""
    return _generator


def get_state():
    """The global generator's state as a JSON-serialisable dict."""
    return _generator.bit_generator.state


def set_state(state):
    """Restore a state from :func:`get_state`."""
    _generator.bit_generator.state = state
