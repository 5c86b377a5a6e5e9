"""Where a random preprocessing layer draws its numbers: the one place that decides.

Keras gives each random layer a ``SeedGenerator(seed)``; striate has none yet, so
this small class stands in for it (point it at ``striate.random.SeedGenerator``
when that exists):

- inside a data worker (``striate.random.scoped_generator``, which ``fit`` uses
  for every ``PyDataset`` batch), the batch's own generator, so an augmentation
  done while loading is the same whatever the number of workers;
- else a layer-owned ``numpy.random.default_rng(seed)`` when ``seed`` is an int;
- else striate's global generator, so ``striate.utils.set_random_seed`` makes
  unseeded layers repeatable, as ``keras.utils.set_random_seed`` does.

>>> a = LayerSeed(3).generator().random()
>>> b = LayerSeed(3).generator().random()
>>> a == b
True
"""

import numbers

from striate import random

__all__ = ["LayerSeed"]


class LayerSeed:
    """The random source of one layer (see the module docstring).

    Args:
        seed: None or a non-negative int.
        label: the layer's description for error messages.

    Raises:
        TypeError: for a seed that is not an int (bool included).
        ValueError: for a negative seed.
    """

    def __init__(self, seed, label="layer"):
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
                raise TypeError(f"{label}: seed must be an int or None, got {type(seed).__name__}")
            if seed < 0:
                raise ValueError(f"{label}: seed must be non-negative, got {seed}")
        self.seed = None if seed is None else int(seed)
        self.own = None if seed is None else random.host_generator(self.seed)  # host: same draws on every backend

    def generator(self):
        """The ``numpy.random.Generator`` to draw from now."""
        return random.active_scoped_generator() or self.own or random.generator()
