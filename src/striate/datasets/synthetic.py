"""Toy 2-D classification sets for the lecture's "synthetic" demos.

Every function returns ``(x, y)`` with ``x`` float32 of shape (N, 2) and ``y``
int64 of shape (N,), balanced classes (sizes differ by at most one, the first
classes getting the extra samples), and draws all randomness from one
Generator: an int ``seed`` gives the same set on every call, ``seed=None``
uses striate's global generator (see ``striate.random.set_random_seed``).
Argument names follow scikit-learn's ``make_moons``/``make_circles``/
``make_blobs`` (``seed`` replaces ``random_state``); the numbers differ from
scikit-learn's for the same seed because the generators differ.

>>> from striate.datasets.synthetic import make_moons
>>> x, y = make_moons(100, noise=0.1, seed=0)
>>> x.shape, x.dtype, y.tolist().count(1)
((100, 2), dtype('float32'), 50)
"""

import numpy as np

from striate.utils.seeding import rng_from_seed

__all__ = ["make_moons", "make_circles", "make_xor", "make_spirals", "make_blobs"]


def _check_int(value, name, caller, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{caller}: {name} must be an int, got {type(value).__name__}")
    if value < minimum:
        raise ValueError(f"{caller}: {name} must be >= {minimum}, got {value}")
    return int(value)


def _check_noise(noise, name, caller):
    noise = 0.0 if noise is None else noise
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)):
        raise TypeError(f"{caller}: {name} must be a number, got {type(noise).__name__}")
    if not noise >= 0:  # also rejects NaN
        raise ValueError(f"{caller}: {name} must be >= 0, got {noise}")
    return float(noise)


def _class_sizes(n_samples, n_classes):
    """Balanced sizes: the first ``n_samples % n_classes`` classes get one more."""
    return [n_samples // n_classes + (k < n_samples % n_classes) for k in range(n_classes)]


def _finish(points, labels, noise, shuffle, rng):
    """Stack per-class parts, add Gaussian noise, shuffle, cast."""
    x = np.concatenate(points)  # (N, 2)
    y = np.concatenate([np.full(len(p), k, dtype=np.int64) for k, p in zip(labels, points)])
    if noise > 0:
        x = x + rng.normal(scale=noise, size=x.shape)
    if shuffle:
        order = rng.permutation(len(y))
        x, y = x[order], y[order]
    return x.astype(np.float32), y


def make_moons(n_samples=100, noise=0.0, seed=None, shuffle=True):
    """Two interleaving half circles (scikit-learn's geometry).

    Class 0 is the upper moon ``(cos t, sin t)``, class 1 the lower one
    ``(1 - cos t, 0.5 - sin t)``, ``t`` evenly spaced in [0, π].

    Args:
        n_samples: total number of points (>= 2).
        noise: standard deviation of Gaussian noise added to each coordinate.
        seed: None, an int or a ``numpy.random.Generator``.
        shuffle: shuffle the samples (else class 0 comes first).

    Returns:
        ``(x, y)``: float32 (N, 2) points and int64 (N,) labels in {0, 1}.

    Raises:
        TypeError, ValueError: for a bad ``n_samples``, ``noise`` or ``seed``.

    >>> make_moons(4, shuffle=False)[1].tolist()
    [0, 0, 1, 1]
    """
    n_samples = _check_int(n_samples, "n_samples", "make_moons", 2)
    noise = _check_noise(noise, "noise", "make_moons")
    rng = rng_from_seed(seed, "make_moons")
    n_out, n_in = _class_sizes(n_samples, 2)
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    outer = np.stack([np.cos(t_out), np.sin(t_out)], axis=1)  # (n_out, 2)
    inner = np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], axis=1)  # (n_in, 2)
    return _finish([outer, inner], [0, 1], noise, shuffle, rng)


def make_circles(n_samples=100, noise=0.0, factor=0.8, seed=None, shuffle=True):
    """A circle of radius ``factor`` (class 1) inside the unit circle (class 0).

    Args:
        n_samples: total number of points (>= 2).
        noise: standard deviation of Gaussian noise added to each coordinate.
        factor: the inner circle's radius, in (0, 1).
        seed: None, an int or a ``numpy.random.Generator``.
        shuffle: shuffle the samples (else class 0 comes first).

    Returns:
        ``(x, y)``: float32 (N, 2) points and int64 (N,) labels in {0, 1}.

    Raises:
        TypeError, ValueError: for a bad argument; ``factor`` outside (0, 1).

    >>> x, y = make_circles(8, factor=0.5, shuffle=False)
    >>> sorted(set(np.round(np.hypot(x[:, 0], x[:, 1]), 3).tolist()))
    [0.5, 1.0]
    """
    n_samples = _check_int(n_samples, "n_samples", "make_circles", 2)
    noise = _check_noise(noise, "noise", "make_circles")
    if not 0 < factor < 1:
        raise ValueError(f"make_circles: factor must be in (0, 1), got {factor}")
    rng = rng_from_seed(seed, "make_circles")
    parts = []
    for n, radius in zip(_class_sizes(n_samples, 2), (1.0, factor)):
        t = np.linspace(0, 2 * np.pi, n, endpoint=False)
        parts.append(radius * np.stack([np.cos(t), np.sin(t)], axis=1))  # (n, 2)
    return _finish(parts, [0, 1], noise, shuffle, rng)


def make_xor(n_samples=100, noise=0.0, seed=None, shuffle=True):
    """The XOR problem: class 0 in quadrants I and III, class 1 in II and IV.

    Each class's points are shared out round-robin between its two quadrants;
    each coordinate's magnitude is uniform in [0, 1). With ``noise=0`` the
    classes are separated exactly by the axes: ``y = (x0 * x1 < 0)``.

    Args:
        n_samples: total number of points (>= 2).
        noise: standard deviation of Gaussian noise added to each coordinate.
        seed: None, an int or a ``numpy.random.Generator``.
        shuffle: shuffle the samples (else class 0 comes first).

    Returns:
        ``(x, y)``: float32 (N, 2) points in [-1, 1]² (before noise) and int64 (N,) labels.

    Raises:
        TypeError, ValueError: for a bad ``n_samples``, ``noise`` or ``seed``.

    >>> x, y = make_xor(200, seed=0)
    >>> bool(np.all(y == (x[:, 0] * x[:, 1] < 0)))
    True
    """
    n_samples = _check_int(n_samples, "n_samples", "make_xor", 2)
    noise = _check_noise(noise, "noise", "make_xor")
    rng = rng_from_seed(seed, "make_xor")
    quadrant_signs = {0: np.array([[1, 1], [-1, -1]]), 1: np.array([[-1, 1], [1, -1]])}
    parts = []
    for label, n in enumerate(_class_sizes(n_samples, 2)):
        signs = quadrant_signs[label][np.arange(n) % 2]  # (n, 2), alternating quadrants
        parts.append(signs * rng.uniform(0.0, 1.0, size=(n, 2)))
    return _finish(parts, [0, 1], noise, shuffle, rng)


def make_spirals(n_samples=100, noise=0.0, n_classes=2, turns=1.0, seed=None, shuffle=True):
    """``n_classes`` interleaved spiral arms, one class each.

    Arm ``k`` has radius ``r`` evenly spaced in [0, 1] and angle
    ``2π k / n_classes + 2π turns r``: all arms start at the centre and wind
    ``turns`` times around it, rotated evenly apart.

    Args:
        n_samples: total number of points (>= n_classes).
        noise: standard deviation of Gaussian noise added to each coordinate.
        n_classes: number of arms (>= 2).
        turns: how many times each arm winds around the centre (> 0); more is harder.
        seed: None, an int or a ``numpy.random.Generator``.
        shuffle: shuffle the samples (else class 0 comes first).

    Returns:
        ``(x, y)``: float32 (N, 2) points in the unit disc (before noise) and
        int64 (N,) labels in ``0 .. n_classes - 1``.

    Raises:
        TypeError, ValueError: for a bad argument.

    >>> x, y = make_spirals(300, n_classes=3, seed=0)
    >>> np.bincount(y).tolist()
    [100, 100, 100]
    """
    n_classes = _check_int(n_classes, "n_classes", "make_spirals", 2)
    n_samples = _check_int(n_samples, "n_samples", "make_spirals", n_classes)
    noise = _check_noise(noise, "noise", "make_spirals")
    if not turns > 0:
        raise ValueError(f"make_spirals: turns must be > 0, got {turns}")
    rng = rng_from_seed(seed, "make_spirals")
    parts = []
    for k, n in enumerate(_class_sizes(n_samples, n_classes)):
        r = np.linspace(0.0, 1.0, n)
        angle = 2 * np.pi * k / n_classes + 2 * np.pi * turns * r
        parts.append(r[:, None] * np.stack([np.cos(angle), np.sin(angle)], axis=1))  # (n, 2)
    return _finish(parts, range(n_classes), noise, shuffle, rng)


def make_blobs(n_samples=100, centers=3, cluster_std=1.0, center_box=(-10.0, 10.0), seed=None,
               shuffle=True):
    """Isotropic Gaussian blobs, one class per centre (scikit-learn's ``make_blobs`` in 2-D).

    Args:
        n_samples: total number of points (>= the number of centres).
        centers: the number of blobs (centres drawn uniformly in ``center_box``),
            or their coordinates as an array (K, 2).
        cluster_std: the blobs' standard deviation (the "noise"), one number or K numbers.
        center_box: ``(low, high)`` bounds for random centres.
        seed: None, an int or a ``numpy.random.Generator``.
        shuffle: shuffle the samples (else class 0 comes first).

    Returns:
        ``(x, y)``: float32 (N, 2) points and int64 (N,) labels in ``0 .. K - 1``.

    Raises:
        TypeError, ValueError: for a bad argument; centres not of shape (K, 2).

    >>> x, y = make_blobs(6, centers=[[0, 0], [5, 5]], cluster_std=0.0, shuffle=False)
    >>> x.tolist()[2:4]
    [[0.0, 0.0], [5.0, 5.0]]
    """
    rng = rng_from_seed(seed, "make_blobs")
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        n_centers = _check_int(centers, "centers", "make_blobs", 1)
        low, high = center_box
        centers = rng.uniform(low, high, size=(n_centers, 2))
    centers = np.asarray(centers, dtype=np.float64)
    if centers.ndim != 2 or centers.shape[1] != 2 or len(centers) == 0:
        raise ValueError(f"make_blobs: centers must be an int or an array of shape (K, 2), got shape {centers.shape}")
    n_samples = _check_int(n_samples, "n_samples", "make_blobs", len(centers))
    stds = np.asarray(cluster_std, dtype=np.float64).reshape(-1)
    if stds.size not in (1, len(centers)):
        raise ValueError(f"make_blobs: cluster_std must be one number or one per centre ({len(centers)}), "
                         f"got {stds.size} values")
    stds = np.broadcast_to(stds, (len(centers),))
    for s in stds:
        _check_noise(float(s), "cluster_std", "make_blobs")
    parts = [center + rng.normal(scale=std, size=(n, 2))
             for center, std, n in zip(centers, stds, _class_sizes(n_samples, len(centers)))]
    return _finish(parts, range(len(centers)), 0.0, shuffle, rng)
