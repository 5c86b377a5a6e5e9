"""``SeedGenerator``: a seeded source of per-draw random streams, as ``keras.random.SeedGenerator``.

Its state is ``[seed, counter]``; each draw reads the state and advances the
counter, and the draw's values come from a NumPy Generator built from that pair,
so a SeedGenerator made with the same seed replays the same sequence of draws.

>>> from striate.random import SeedGenerator
>>> a, b = SeedGenerator(3), SeedGenerator(3)
>>> a.next().tolist(), a.next().tolist(), b.next().tolist()
([3, 0], [3, 1], [3, 0])
"""

import random as _python_random

from striate.backend import host
from striate.random import state as _state

__all__ = ["SeedGenerator", "draw_rng"]


def _check_seed(seed, caller):
    if isinstance(seed, bool) or not isinstance(seed, (int, host.integer)):
        raise TypeError(f"{caller}: seed must be an int, a SeedGenerator or None, got {type(seed).__name__}")
    if seed < 0:
        raise ValueError(f"{caller}: seed must be non-negative, got {seed}")
    return int(seed)


class SeedGenerator:
    """A random seed that advances with every draw.

    Args:
        seed: a non-negative int; None draws one from Python's ``random`` (which
            ``set_random_seed`` seeds, so unseeded generators are repeatable too).
        name: an optional label.

    Attributes:
        state: int64 array ``[seed, counter]``; assign a saved state to replay.
    """

    def __init__(self, seed=None, name=None, **kwargs):
        kwargs.pop("backend", None)
        if kwargs:
            raise TypeError(f"SeedGenerator: unexpected arguments {sorted(kwargs)}")
        self._initial_seed = _python_random.randint(1, 10**9) if seed is None else _check_seed(seed, "SeedGenerator")
        self.name = name or "seed_generator"
        self.state = host.array([self._initial_seed, 0], dtype=host.int64)

    def next(self, ordered=True):
        """The current ``[seed, counter]`` (a copy); the counter advances by one."""
        current = self.state.copy()
        self.state = self.state + host.array([0, 1], dtype=host.int64)
        return current

    def get_config(self):
        return {"seed": self._initial_seed, "name": self.name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<SeedGenerator seed={self._initial_seed} counter={int(self.state[1])}>"


def draw_rng(seed, caller="random"):
    """The NumPy Generator for one draw: the global one for None, a fixed one for an int,
    the next stream of a :class:`SeedGenerator`."""
    if seed is None:
        return _state.generator()
    if isinstance(seed, SeedGenerator):
        return host.random.default_rng([int(v) for v in seed.next()])
    if isinstance(seed, host.random.Generator):
        return seed
    return host.random.default_rng([_check_seed(seed, caller), 0])
