import numpy as np
import pytest

from striate import random as striate_random
from striate.utils import rng_from_seed


def test_int_seed_gives_fresh_equal_generators():
    assert rng_from_seed(5).random() == rng_from_seed(np.int64(5)).random()


def test_none_is_the_global_generator_and_generators_pass_through():
    assert rng_from_seed(None) is striate_random.generator()
    rng = np.random.default_rng(0)
    assert rng_from_seed(rng) is rng


@pytest.mark.parametrize("seed, error", [(-1, ValueError), (True, TypeError), (1.0, TypeError), ("1", TypeError)])
def test_bad_seeds_name_the_caller(seed, error):
    with pytest.raises(error, match="my_function: seed"):
        rng_from_seed(seed, "my_function")
