import numpy as np
import pytest

from striate import random as striate_random
from striate.datasets import make_blobs, make_circles, make_moons, make_spirals, make_xor

GENERATORS = {
    "moons": lambda n, **kw: make_moons(n, noise=0.1, **kw),
    "circles": lambda n, **kw: make_circles(n, noise=0.1, **kw),
    "xor": lambda n, **kw: make_xor(n, noise=0.1, **kw),
    "spirals2": lambda n, **kw: make_spirals(n, noise=0.1, **kw),
    "spirals5": lambda n, **kw: make_spirals(n, noise=0.1, n_classes=5, **kw),
    "blobs": lambda n, **kw: make_blobs(n, centers=4, **kw),
}


@pytest.mark.parametrize("name", GENERATORS)
@pytest.mark.parametrize("n", [50, 101])
def test_shapes_dtypes_and_balance(name, n):
    x, y = GENERATORS[name](n, seed=0)
    assert x.shape == (n, 2) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert counts.max() - counts.min() <= 1 and counts.sum() == n
    assert np.all(np.isfinite(x))


@pytest.mark.parametrize("name", GENERATORS)
def test_deterministic_per_seed(name):
    x1, y1 = GENERATORS[name](60, seed=3)
    x2, y2 = GENERATORS[name](60, seed=3)
    x3, _ = GENERATORS[name](60, seed=4)
    np.testing.assert_array_equal(x1, x2)
    np.testing.assert_array_equal(y1, y2)
    assert not np.array_equal(x1, x3)


@pytest.mark.parametrize("name", GENERATORS)
def test_seed_none_follows_set_random_seed(name):
    striate_random.set_random_seed(5)
    x1, _ = GENERATORS[name](40)
    striate_random.set_random_seed(5)
    x2, _ = GENERATORS[name](40)
    np.testing.assert_array_equal(x1, x2)


@pytest.mark.parametrize("name", GENERATORS)
def test_shuffle_false_puts_classes_in_order(name):
    _, y = GENERATORS[name](30, seed=0, shuffle=False)
    assert np.all(np.diff(y) >= 0)
    _, y = GENERATORS[name](30, seed=0)
    assert np.any(np.diff(y) < 0)


def test_moons_geometry_without_noise():
    x, y = make_moons(200, shuffle=False)
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)  # unit circle around (0, 0)
    np.testing.assert_allclose(np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6)  # around (1, 0.5)
    assert upper[:, 1].min() >= 0 and lower[:, 1].max() <= 0.5


def test_circles_radii_and_factor():
    x, y = make_circles(100, factor=0.3, seed=0)
    radius = np.hypot(x[:, 0], x[:, 1])
    np.testing.assert_allclose(radius[y == 0], 1.0, atol=1e-6)
    np.testing.assert_allclose(radius[y == 1], 0.3, atol=1e-6)


def test_xor_rule_and_all_quadrants():
    x, y = make_xor(400, seed=1)
    np.testing.assert_array_equal(y, (x[:, 0] * x[:, 1] < 0).astype(np.int64))
    quadrants = set(map(tuple, np.sign(x).astype(int).tolist()))
    assert quadrants == {(1, 1), (-1, -1), (-1, 1), (1, -1)}
    assert np.abs(x).max() <= 1


def test_spirals_are_rotated_copies():
    x, y = make_spirals(300, n_classes=3, turns=1.5, shuffle=False)
    assert np.hypot(x[:, 0], x[:, 1]).max() <= 1 + 1e-6
    rotation = np.array([[np.cos(2 * np.pi / 3), -np.sin(2 * np.pi / 3)],
                         [np.sin(2 * np.pi / 3), np.cos(2 * np.pi / 3)]])
    np.testing.assert_allclose(x[y == 0] @ rotation.T, x[y == 1], atol=1e-5)


def test_blobs_centres_and_spread():
    centers = np.array([[0.0, 0.0], [10.0, -5.0], [-7.0, 3.0]])
    x, y = make_blobs(3000, centers=centers, cluster_std=[0.5, 1.0, 2.0], seed=0)
    for k in range(3):
        np.testing.assert_allclose(x[y == k].mean(axis=0), centers[k], atol=0.2)
        np.testing.assert_allclose(x[y == k].std(axis=0), [0.5, 1.0, 2.0][k], rtol=0.1)
    x, _ = make_blobs(50, centers=5, center_box=(-1.0, 1.0), cluster_std=0.0, seed=0)
    assert np.abs(x).max() <= 1


@pytest.mark.parametrize("call, error, match", [
    (lambda: make_moons(1), ValueError, "n_samples"),
    (lambda: make_moons(10.0), TypeError, "n_samples must be an int"),
    (lambda: make_moons(True), TypeError, "n_samples"),
    (lambda: make_moons(10, noise=-0.1), ValueError, "noise must be >= 0"),
    (lambda: make_moons(10, noise=float("nan")), ValueError, "noise"),
    (lambda: make_moons(10, noise="a lot"), TypeError, "noise"),
    (lambda: make_moons(10, seed=-1), ValueError, "seed"),
    (lambda: make_moons(10, seed=1.5), TypeError, "seed"),
    (lambda: make_circles(10, factor=1.0), ValueError, "factor"),
    (lambda: make_spirals(10, n_classes=1), ValueError, "n_classes"),
    (lambda: make_spirals(3, n_classes=4), ValueError, "n_samples"),
    (lambda: make_spirals(10, turns=0), ValueError, "turns"),
    (lambda: make_blobs(10, centers=[[0, 0, 0]]), ValueError, r"\(K, 2\)"),
    (lambda: make_blobs(10, centers=0), ValueError, "centers"),
    (lambda: make_blobs(2, centers=3), ValueError, "n_samples"),
    (lambda: make_blobs(10, centers=3, cluster_std=[1.0, 2.0]), ValueError, "cluster_std"),
    (lambda: make_blobs(10, centers=2, cluster_std=-1.0), ValueError, "cluster_std"),
])
def test_bad_arguments_name_the_argument(call, error, match):
    with pytest.raises(error, match=match):
        call()
