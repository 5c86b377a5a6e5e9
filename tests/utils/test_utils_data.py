import numpy as np
import pytest

import striate
from striate import random as striate_random
from striate import utils
from striate.utils import normalize, to_categorical, train_test_split


# ---- to_categorical: Keras's shape rules, float32, strict errors ----

@pytest.mark.parametrize("shape, expected", [
    ((5,), (5, 4)), ((5, 1), (5, 4)), ((2, 3), (2, 3, 4)), ((2, 3, 1), (2, 3, 4)), ((), (4,)), ((1,), (1, 4)),
])
def test_to_categorical_shapes(shape, expected):
    y = np.arange(int(np.prod(shape))).reshape(shape) % 4
    out = to_categorical(y, num_classes=4)
    assert out.shape == expected and out.dtype == np.float32
    np.testing.assert_array_equal(out.argmax(-1), y.reshape(expected[:-1]))
    np.testing.assert_array_equal(out.sum(-1), 1)


def test_to_categorical_infers_classes_and_accepts_lists_and_whole_floats():
    np.testing.assert_array_equal(to_categorical([0, 2]), [[1, 0, 0], [0, 0, 1]])
    np.testing.assert_array_equal(to_categorical(np.array([1.0, 0.0])), [[0, 1], [1, 0]])
    assert to_categorical(np.array([1, 0], np.uint8), 3, dtype="float64").dtype == np.float64
    assert to_categorical([], num_classes=3).shape == (0, 3)


@pytest.mark.parametrize("y, num_classes, error, match", [
    ([0, -1], None, ValueError, "non-negative"),
    ([0, 3], 3, ValueError, "out of range for num_classes=3"),
    ([0.5], None, ValueError, "whole numbers"),
    ([np.nan], None, ValueError, "whole numbers"),
    (["a"], None, TypeError, "integers"),
    ([], None, ValueError, "empty"),
    ([0], 0, ValueError, "num_classes must be >= 1"),
    ([0], 2.0, TypeError, "num_classes must be an int"),
])
def test_to_categorical_errors(y, num_classes, error, match):
    with pytest.raises(error, match=match):
        to_categorical(y, num_classes)


# ---- normalize: keras.utils.normalize ----

def test_normalize_l2_rows_zero_rows_and_other_orders():
    x = np.array([[3.0, 4.0], [0.0, 0.0], [-1.0, 1.0]], dtype=np.float32)
    out = normalize(x)
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, [[0.6, 0.8], [0, 0], [-0.5 ** 0.5, 0.5 ** 0.5]], rtol=1e-6)
    np.testing.assert_allclose(normalize(x, order=1)[0], [3 / 7, 4 / 7], rtol=1e-6)
    np.testing.assert_allclose(normalize(x, axis=0)[:, 0], x[:, 0] / np.linalg.norm(x[:, 0]), rtol=1e-6)
    assert normalize(np.array([[3, 4]])).dtype == np.float32  # ints become floats


def test_normalize_bad_axis():
    with pytest.raises(ValueError, match="axis 2 is out of range"):
        normalize(np.ones((2, 2)), axis=2)


# ---- train_test_split ----

def reference_split(y, n_test, seed):
    """The docstring's recipe, written out independently."""
    rng = np.random.default_rng(seed)
    classes, counts = np.unique(y, return_counts=True)
    n = len(y)
    quotas = [n_test * c // n for c in counts]
    remainders = [n_test * c % n for c in counts]
    for k in sorted(range(len(classes)), key=lambda k: (-remainders[k], k))[: n_test - sum(quotas)]:
        quotas[k] += 1
    train, test = [], []
    for c, q in zip(classes, quotas):
        perm = rng.permutation(np.flatnonzero(y == c))
        test += list(perm[:q])
        train += list(perm[q:])
    return rng.permutation(np.array(train)), rng.permutation(np.array(test))


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_split_follows_the_documented_recipe_exactly(seed):
    y = np.repeat(np.arange(4), [13, 7, 29, 1])
    x = np.arange(len(y))
    (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_size=11, seed=seed)
    train_idx, test_idx = reference_split(y, 11, seed)
    np.testing.assert_array_equal(x_train, train_idx)
    np.testing.assert_array_equal(x_test, test_idx)
    np.testing.assert_array_equal(y_test, y[test_idx])


def test_split_is_stratified_disjoint_and_complete():
    y = np.repeat(np.arange(3), [50, 30, 20])
    x = np.arange(100).reshape(100, 1) * np.ones((1, 3))
    (x_train, y_train), (x_test, y_test) = train_test_split(x, y, test_size=0.2, seed=0)
    assert np.bincount(y_test).tolist() == [10, 6, 4]
    assert np.bincount(y_train).tolist() == [40, 24, 16]
    ids = np.concatenate([x_train[:, 0], x_test[:, 0]]).astype(int)
    assert sorted(ids.tolist()) == list(range(100))
    np.testing.assert_array_equal(y[x_test[:, 0].astype(int)], y_test)  # rows stay with their labels


def test_largest_remainder_quotas_sum_exactly():
    y = np.repeat(np.arange(3), [1, 1, 1])
    (_, _), (_, y_test) = train_test_split(np.zeros(3), y, test_size=2, seed=0)
    assert len(y_test) == 2 and sorted(y_test.tolist()) == [0, 1]  # ties: smaller labels first


def test_float_test_size_rounds_up_and_unstratified_split():
    x = np.arange(10)
    (x_train, _), (x_test, _) = train_test_split(x, x, test_size=0.25, seed=0, stratify=False)
    assert len(x_test) == 3 and len(x_train) == 7  # ceil(2.5), as scikit-learn
    perm = np.random.default_rng(0).permutation(10)
    np.testing.assert_array_equal(x_test, perm[:3])
    np.testing.assert_array_equal(x_train, perm[3:])


def test_split_seeding():
    x, y = np.arange(40), np.arange(40) % 2
    a = train_test_split(x, y, 10, seed=3)[1][0]
    np.testing.assert_array_equal(a, train_test_split(x, y, 10, seed=3)[1][0])
    assert not np.array_equal(a, train_test_split(x, y, 10, seed=4)[1][0])
    striate_random.set_random_seed(9)
    b = train_test_split(x, y, 10)[1][0]
    striate_random.set_random_seed(9)
    np.testing.assert_array_equal(b, train_test_split(x, y, 10)[1][0])


def test_split_accepts_keras_column_labels():
    y = (np.arange(20) % 2).reshape(20, 1).astype(np.uint8)
    (_, y_train), (_, y_test) = train_test_split(np.zeros((20, 2)), y, test_size=4, seed=0)
    assert y_test.shape == (4, 1) and np.bincount(y_test.ravel()).tolist() == [2, 2]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(x=np.zeros(5), y=np.zeros(4)), ValueError, "same length"),
    (dict(test_size=0), ValueError, "empty train or test"),
    (dict(test_size=10), ValueError, "empty train or test"),
    (dict(test_size=1.0), ValueError, r"in \(0, 1\)"),
    (dict(test_size=True), TypeError, "test_size"),
    (dict(test_size="10%"), TypeError, "test_size"),
    (dict(y=np.eye(10)), ValueError, "stratify=False"),
    (dict(y=np.linspace(0, 1, 10)), ValueError, "whole numbers"),
    (dict(seed="zero"), TypeError, "seed"),
])
def test_split_errors(kwargs, error, match):
    args = dict(x=np.zeros(10), y=np.arange(10) % 2, test_size=2, seed=0)
    args.update(kwargs)
    with pytest.raises(error, match=match):
        train_test_split(**args)


def test_utils_namespace_reexports_set_random_seed():
    assert utils.set_random_seed is striate.random.set_random_seed
    assert set(utils.__all__) >= {"to_categorical", "normalize", "train_test_split", "resize_images",
                                  "set_random_seed"}
