"""Generated grey scenes for the hierarchical-feature demo: cityscapes and landscapes.

A cityscape is a row of buildings (long vertical sides, rows of windows) against
a sky; a landscape is layers of smooth hills under a sky, sometimes with a sun.
Both get random brightness, sizes and pixel noise, so that the classes differ in
structure (long vertical lines or not), not in overall brightness. A data set: NumPy arrays on
every backend (``striate.backend.to_device`` moves them).

>>> images, labels = make_scenes(2, size=32, seed=0)
>>> images.shape, labels.tolist()
((4, 32, 32), [1, 0, 1, 0])
"""

import math

from striate.backend import host  # a data set: made on the host, as datasets/ are

__all__ = ["cityscape", "landscape", "make_scenes"]


def _sky(size, rng):
    top, bottom = rng.uniform(0.55, 0.75), rng.uniform(0.8, 0.95)
    return host.repeat(host.linspace(top, bottom, size)[:, None], size, axis=1)


def cityscape(size, rng):
    """One ``(size, size)`` image of buildings: rectangles rising from the ground,
    with lighter windows, against a sky gradient."""
    image = _sky(size, rng)
    ground = size - int(rng.integers(2, max(3, size // 10)))
    image[ground:] = rng.uniform(0.2, 0.4)
    column = int(rng.integers(0, max(1, size // 8)))
    while column < size - 3:
        width = int(rng.integers(max(3, size // 10), max(4, size // 4)))
        height = int(rng.integers(size // 4, int(size * 0.75)))
        shade = rng.uniform(0.05, 0.5)
        top = max(ground - height, 0)
        image[top:ground, column:column + width] = shade
        for row in range(top + 2, ground - 2, 4):  # windows: a grid of small light squares
            for col in range(column + 1, min(column + width, size) - 1, 3):
                if rng.random() < 0.6:
                    image[row:row + 2, col:col + 1] = shade + rng.uniform(0.15, 0.35)
        column += width + int(rng.integers(0, max(2, size // 16)))
    return image


def landscape(size, rng):
    """One ``(size, size)`` image of smooth hills (sums of slow sines) in layers
    under a sky gradient; sometimes a sun, a cliff (one steep step) and trees
    (vertical trunks, a few of them long), which give landscapes vertical edges too."""
    image = _sky(size, rng)
    cols = host.arange(size)
    rows = host.arange(size)[:, None]
    if rng.random() < 0.5:  # a sun: round, so its vertical edges are short
        cy, cx, r = rng.uniform(0.1, 0.3) * size, rng.uniform(0.2, 0.8) * size, rng.uniform(0.05, 0.1) * size
        image[(rows - cy) ** 2 + (cols[None, :] - cx) ** 2 <= r * r] = rng.uniform(0.9, 1.0)
    layers = int(rng.integers(1, 4))
    for layer in range(layers):
        base = size * (0.35 + 0.5 * (layer + 1) / (layers + 1))
        horizon = base + sum(
            rng.uniform(0.03, 0.12) * size * host.sin(2 * math.pi * cols / (size * rng.uniform(0.5, 2.0))
                                                    + rng.uniform(0, 2 * math.pi))
            for _ in range(2))
        if rng.random() < 0.3:  # a cliff: one steep step in the horizon
            step_at = int(rng.integers(size // 4, 3 * size // 4))
            horizon[step_at:] += rng.uniform(0.1, 0.35) * size * rng.choice([-1, 1])
        shade = rng.uniform(0.15, 0.55) - 0.08 * layer
        image[rows >= horizon[None, :]] = shade
    for _ in range(int(rng.integers(0, 8))):  # trees: trunks (a few tall) under round crowns
        col, height = int(rng.integers(2, size - 3)), int(rng.integers(size // 16, size // 3))
        foot = int(rng.integers(int(size * 0.7), size))
        image[max(foot - height, 0):foot, col:col + 2] = rng.uniform(0.05, 0.2)
        crown = (rows - (foot - height)) ** 2 + (cols[None, :] - col) ** 2 <= (size / 20) ** 2
        image[crown] = rng.uniform(0.1, 0.35)
    return image


def make_scenes(n_per_class, size=64, seed=0, noise=0.03):
    """``n_per_class`` cityscapes and landscapes, alternating, with Gaussian pixel noise.

    Returns:
        ``(images, labels)``: float64 ``(2 n, size, size)`` in about ``[0, 1]`` and
        int ``(2 n,)`` with 1 for a cityscape and 0 for a landscape.

    Raises:
        ValueError: ``n_per_class < 1`` or ``size < 16``.
    """
    if isinstance(n_per_class, bool) or not isinstance(n_per_class, int) or n_per_class < 1:
        raise ValueError(f"make_scenes: n_per_class must be a positive int, got {n_per_class!r}")
    if not isinstance(size, int) or size < 16:
        raise ValueError(f"make_scenes: size must be an int of at least 16, got {size!r}")
    rng = host.random.default_rng(seed)
    images, labels = [], []
    for _ in range(n_per_class):
        for label, make in ((1, cityscape), (0, landscape)):
            images.append(make(size, rng) + rng.normal(0.0, noise, (size, size)))
            labels.append(label)
    return host.stack(images), host.array(labels)
