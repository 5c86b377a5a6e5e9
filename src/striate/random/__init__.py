"""``keras.random`` for striate: random draws, dropout and shuffling, with Keras's ``seed`` rules.

``seed=None`` draws from striate's global generator (``set_random_seed`` makes a
run repeatable, and its state is saved with checkpoints); an int gives the same
values on every call; a :class:`SeedGenerator` gives new values on every call,
repeatable from its seed. Draws return NumPy arrays (as every op without a
Tensor argument does); ``dropout`` and ``shuffle`` of a Tensor return Tensors.

>>> from striate import random
>>> random.normal((2, 3), seed=1).shape, random.randint((4,), 0, 10, seed=1).dtype.name
((2, 3), 'int32')
>>> gen = random.SeedGenerator(7)
>>> bool((random.uniform((3,), seed=gen) != random.uniform((3,), seed=gen)).all())
True
"""

from striate.random.distributions import (beta, binomial, categorical, dropout, gamma, normal, randint,
                                          shuffle, truncated_normal, uniform)
from striate.random.seed_generator import SeedGenerator, draw_rng
from striate.random.state import (batch_shard, draw_batch, generator, get_state, host_generator, set_random_seed,
                                  set_state)

__all__ = ["set_random_seed", "generator", "get_state", "set_state", "host_generator", "batch_shard", "draw_batch",
           "SeedGenerator", "draw_rng",
           "normal", "uniform", "truncated_normal", "randint", "categorical", "dropout", "shuffle",
           "gamma", "binomial", "beta"]
