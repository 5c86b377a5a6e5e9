"""Turn a ``seed`` argument into a NumPy Generator, the same way everywhere.

An int gives a fresh, independent ``numpy.random.default_rng(seed)`` (the same
result on every call); ``None`` uses striate's global generator, so
``set_random_seed`` makes unseeded calls repeatable; a Generator is used as is.

>>> from striate.utils.seeding import rng_from_seed
>>> float(rng_from_seed(3).random()) == float(rng_from_seed(3).random())
True
"""

import numpy as np

from striate import random as striate_random

__all__ = ["rng_from_seed"]


def rng_from_seed(seed, caller="rng_from_seed"):
    """A ``numpy.random.Generator`` for ``seed``.

    Args:
        seed: None, a non-negative int, or a ``numpy.random.Generator``.
        caller: the public function's name, used in error messages.

    Returns:
        A ``numpy.random.Generator``.

    Raises:
        TypeError: when ``seed`` is of another type (bool included).
        ValueError: when ``seed`` is negative.
    """
    if seed is None:
        return striate_random.generator()
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{caller}: seed must be an int, a numpy Generator or None, "
                        f"got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{caller}: seed must be non-negative, got {seed}")
    return np.random.default_rng(int(seed))
