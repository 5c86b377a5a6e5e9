"""``striate.random``: Keras's seed semantics, shapes, dtypes and statistics of every draw
(Keras 3 as the oracle of shapes and dtypes, not of values)."""

import numpy as np
import pytest

import striate
from striate import random
from tests.ops.keras_oracle import dtype_name, load_keras

N = 20000
DRAWS = [  # (name, args, kwargs, expected mean, expected std)
    ("normal", ((N,),), {"mean": 2.0, "stddev": 3.0}, 2.0, 3.0),
    ("uniform", ((N,),), {"minval": -1.0, "maxval": 3.0}, 1.0, 4 / np.sqrt(12)),
    ("truncated_normal", ((N,),), {"stddev": 2.0}, 0.0, 2.0 * 0.8796),
    ("randint", ((N,), 0, 10), {}, 4.5, np.sqrt(99 / 12)),
    ("gamma", ((N,), 3.0), {}, 3.0, np.sqrt(3.0)),
    ("binomial", ((N,), 10, 0.3), {}, 3.0, np.sqrt(2.1)),
    ("beta", ((N,), 2.0, 5.0), {}, 2 / 7, np.sqrt(10 / (49 * 8))),
]


@pytest.mark.parametrize("name, args, kwargs, mean, std", DRAWS, ids=[d[0] for d in DRAWS])
def test_statistics(name, args, kwargs, mean, std):
    x = getattr(random, name)(*args, seed=3, **kwargs).astype(np.float64)
    assert abs(x.mean() - mean) < 5 * std / np.sqrt(N)  # 5 standard errors
    assert abs(x.std() - std) < 0.03 * std


def test_truncated_normal_stays_within_two_deviations():
    x = random.truncated_normal((N,), mean=1.0, stddev=0.5, seed=0)
    assert x.min() >= 0.0 and x.max() <= 2.0


def test_categorical_follows_the_softmax():
    logits = np.log(np.array([[0.1, 0.6, 0.3], [0.5, 0.0 + 1e-9, 0.5]]))
    ids = random.categorical(logits, N, seed=1)
    assert ids.shape == (2, N) and ids.dtype == np.int32
    freq = np.stack([(ids == k).mean(axis=1) for k in range(3)], axis=1)
    np.testing.assert_allclose(freq, np.exp(logits), atol=0.015)


def test_seed_rules():
    a, b = random.normal((5,), seed=7), random.normal((5,), seed=7)
    np.testing.assert_array_equal(a, b)  # an int seed: the same values every call
    gen = random.SeedGenerator(7)
    first, second = random.normal((5,), seed=gen), random.normal((5,), seed=gen)
    assert not np.array_equal(first, second)  # a SeedGenerator advances
    np.testing.assert_array_equal(first, a)  # its first draw is the int seed's draw
    again = random.SeedGenerator(7)
    np.testing.assert_array_equal(random.normal((5,), seed=again), first)
    random.set_random_seed(11)
    x = random.uniform((3,))
    unseeded = random.SeedGenerator()
    y = random.uniform((3,), seed=unseeded)
    random.set_random_seed(11)
    np.testing.assert_array_equal(random.uniform((3,)), x)  # None: the global generator
    np.testing.assert_array_equal(random.uniform((3,), seed=random.SeedGenerator()), y)
    state = gen.state.copy()
    z = random.normal((2,), seed=gen)
    gen.state = state
    np.testing.assert_array_equal(random.normal((2,), seed=gen), z)  # state restore replays
    assert random.SeedGenerator.from_config(gen.get_config()).state.tolist() == [7, 0]


def test_dropout_and_shuffle():
    x = np.ones((200, 50), "float32")
    y = random.dropout(x, 0.3, seed=2)
    assert isinstance(y, np.ndarray) and y.dtype == np.float32
    kept = y != 0
    assert abs(kept.mean() - 0.7) < 0.02 and np.allclose(y[kept], 1 / 0.7)
    maps = random.dropout(np.ones((4, 3, 3, 8)), 0.5, noise_shape=(4, 1, 1, 8), seed=1)
    assert (maps.std(axis=(1, 2)) == 0).all()  # whole feature maps dropped together
    t = striate.Tensor(np.arange(1.0, 13.0).reshape(4, 3), requires_grad=True)
    out = random.dropout(t, 0.5, seed=0)
    (out * 2.0).sum().backward()
    np.testing.assert_allclose(t.grad, np.where(out.data != 0, 4.0, 0.0))
    s = random.shuffle(t, axis=1, seed=4)
    assert sorted(s.data[0].tolist()) == [1.0, 2.0, 3.0] and np.allclose(np.sort(s.data, axis=1), t.data)
    s.sum().backward()
    assert isinstance(random.shuffle(np.arange(5), seed=1), np.ndarray)


def test_bad_arguments():
    for call in [lambda: random.normal((2,), seed=-1), lambda: random.dropout(np.ones(2), 1.0),
                 lambda: random.randint((2,), 5, 5), lambda: random.uniform((2,), dtype="int32"),
                 lambda: random.normal((-1,)), lambda: random.categorical(np.ones(3), 2),
                 lambda: random.gamma((2,), -1.0), lambda: random.binomial((2,), 3, 1.5)]:
        with pytest.raises(ValueError):
            call()
    for call in [lambda: random.normal((2,), seed="x"), lambda: random.SeedGenerator(1.5),
                 lambda: random.normal("shape")]:
        with pytest.raises(TypeError):
            call()


def test_shapes_and_dtypes_match_keras():
    keras = load_keras()
    cases = [("normal", ((2, 3),), {}), ("normal", ((4,),), {"dtype": "float16"}), ("uniform", ((2, 3),), {}),
             ("truncated_normal", ((3,),), {"dtype": "float64"}), ("randint", ((2, 2), 0, 5), {}),
             ("randint", ((3,), 0, 5), {"dtype": "int8"}), ("categorical", (np.zeros((2, 4)), 5), {}),
             ("gamma", ((3,), 2.0), {}), ("binomial", ((3,), 5, 0.5), {}), ("beta", ((3,), 2.0, 3.0), {}),
             ("dropout", (np.ones((3, 4), "float32"), 0.5), {}), ("shuffle", (np.arange(6),), {})]
    for name, args, kwargs in cases:
        ours = getattr(random, name)(*args, seed=1, **kwargs)
        keras_args = [keras.ops.convert_to_tensor(a) if isinstance(a, np.ndarray) else a for a in args]
        theirs = getattr(keras.random, name)(*keras_args, seed=1, **kwargs)
        assert ours.shape == tuple(theirs.shape), name
        assert ours.dtype.name == dtype_name(keras, theirs), f"{name}: {ours.dtype} vs Keras {theirs.dtype}"
