"""Helpers shared by the reproduction scripts in ``examples/``.

Small, NumPy-only pieces that Keras itself does not ship, written so that the
scripts stay plain Keras code (``import striate as keras``):

- :class:`LeCun1989Uniform`: the weight initialisation of LeCun et al. (1989),
  uniform in ``+-2.4 / F`` (``F`` the unit's fan-in), or ``+-2.4 / sqrt(F)`` as the
  2022 re-implementation read it;
- :func:`random_shifts`: data augmentation by whole-pixel shifts, one random shift
  per image, the uncovered border filled with the background value;
- :func:`per_class_subset`: a seeded choice of ``n`` examples of every class;
- :func:`markdown_table` and :func:`write_results`: the "ours vs published" table
  every script prints and writes to its ``--out`` folder.

>>> import numpy as np
>>> random_shifts(np.arange(9.0).reshape(1, 3, 3), 1, seed=0, fill=-1.0).shape
(1, 3, 3)
"""

import json
import math
import os
import platform
import time

import numpy as np

import striate as keras

__all__ = ["LeCun1989Uniform", "random_shifts", "per_class_subset", "markdown_table", "write_results",
           "Timer", "machine_note"]


class LeCun1989Uniform(keras.initializers.Initializer):
    """Uniform in ``[-scale / F**power, scale / F**power]`` with ``F`` the fan-in (Keras's fan-in rule).

    LeCun et al. (1989): "The weights were initialized with random values uniformly
    distributed between -2.4/F_i and 2.4/F_i, where F_i is the number of inputs (fan-in)
    of the unit": ``power=1``. Karpathy's 2022 re-implementation used ``2.4 / sqrt(F)``
    ("it doesn't look right" as written): ``power=0.5``.

    Args:
        scale: the numerator (2.4).
        power: 1 for the paper's ``2.4 / F``, 0.5 for ``2.4 / sqrt(F)``.
        fan_in: override the fan-in computed from the shape (a sparsely connected layer
            whose kernel is stored as several dense ones).
        seed: None (striate's global generator) or an int (fixed values).

    >>> w = LeCun1989Uniform(seed=0)((5, 5, 1, 12))
    >>> bool(abs(w).max() <= 2.4 / 25), w.dtype.name
    (True, 'float32')
    """

    def __init__(self, scale=2.4, power=1.0, fan_in=None, seed=None):
        self.scale, self.power = float(scale), float(power)
        self.fan_in = None if fan_in is None else int(fan_in)
        self.seed = seed

    def limit(self, shape):
        fan_in = self.fan_in or keras.initializers.compute_fans(shape)[0]
        return self.scale / fan_in ** self.power

    def __call__(self, shape, dtype=None):
        rng = keras.random.generator() if self.seed is None else np.random.default_rng(self.seed)
        limit = self.limit(shape)
        return rng.uniform(-limit, limit, size=shape).astype(dtype or keras.backend.floatx())

    def get_config(self):
        return {"scale": self.scale, "power": self.power, "fan_in": self.fan_in, "seed": self.seed}


def random_shifts(x, max_shift, seed=None, fill=0.0):
    """Shift every image by its own random whole-pixel offset, filling the uncovered border.

    Each image moves by ``(dy, dx)`` drawn uniformly from ``-max_shift .. max_shift``
    (both axes independent); pixels shifted out are lost (no wrap-around, unlike
    ``np.roll``) and the uncovered border takes ``fill`` (the background value).

    Args:
        x: images ``(N, H, W)`` or ``(N, H, W, C)``.
        max_shift: the largest shift in pixels (0 returns a copy).
        seed: None, an int or a ``numpy.random.Generator``.
        fill: value of the uncovered pixels.

    Returns:
        An array shaped and typed like ``x``.

    >>> x = np.arange(9.0).reshape(1, 3, 3)
    >>> random_shifts(x, 1, seed=3, fill=-1.0)[0].tolist()  # this seed draws dy = +1 (down), dx = -1 (left)
    [[-1.0, -1.0, -1.0], [1.0, 2.0, -1.0], [4.0, 5.0, -1.0]]
    """
    x = np.asarray(x)
    if x.ndim not in (3, 4):
        raise ValueError(f"random_shifts: x must be (N, H, W) or (N, H, W, C), got shape {x.shape}")
    if max_shift < 0:
        raise ValueError(f"random_shifts: max_shift must be >= 0, got {max_shift}")
    n, h, w = x.shape[:3]
    rng = keras.utils.rng_from_seed(seed, "random_shifts")
    shifts = rng.integers(-max_shift, max_shift + 1, size=(n, 2))  # (N, 2): dy, dx
    s = max_shift
    pads = [(0, 0), (s, s), (s, s)] + [(0, 0)] * (x.ndim - 3)
    padded = np.pad(x, pads, constant_values=fill)  # (N, H + 2s, W + 2s, ...)
    # Output pixel (i, j) of a shift (dy, dx) reads input pixel (i - dy, j - dx),
    # i.e. padded pixel (i - dy + s, j - dx + s).
    rows = np.arange(h)[None, :] - shifts[:, :1] + s  # (N, H)
    cols = np.arange(w)[None, :] - shifts[:, 1:] + s  # (N, W)
    return padded[np.arange(n)[:, None, None], rows[:, :, None], cols[:, None, :]]  # (N, H, W, ...)


def per_class_subset(y, per_class, seed=0):
    """Indices of ``per_class`` examples of every class, chosen without replacement.

    For each class ``c`` in ascending order: ``rng.choice`` of ``per_class`` of the
    positions where ``y == c`` (``rng = numpy.random.default_rng(seed)``), kept in
    ascending order; the result is the classes' indices concatenated then shuffled
    with the same generator.

    Raises:
        ValueError: when a class has fewer than ``per_class`` examples.

    >>> idx = per_class_subset(np.array([0, 1, 0, 1, 0, 1]), 2, seed=0)
    >>> sorted(np.bincount(np.array([0, 1, 0, 1, 0, 1])[idx]).tolist())
    [2, 2]
    """
    y = np.asarray(y)
    rng = np.random.default_rng(seed)
    chosen = []
    for c in np.unique(y):
        where = np.flatnonzero(y == c)
        if len(where) < per_class:
            raise ValueError(f"per_class_subset: class {c} has only {len(where)} examples, {per_class} asked")
        chosen.append(np.sort(rng.choice(where, per_class, replace=False)))
    return rng.permutation(np.concatenate(chosen))


def _cell(value):
    if value is None:
        return "—"
    if isinstance(value, float):
        if math.isnan(value):
            return "—"
        return f"{value:.2f}"
    return str(value)


def markdown_table(rows, columns):
    """A Markdown table of ``rows`` (dicts) with the given ``columns`` (keys, in order).

    >>> print(markdown_table([{"a": 1, "b": 2.5}], ["a", "b"]))
    | a | b |
    |---|---|
    | 1 | 2.50 |
    """
    lines = ["| " + " | ".join(columns) + " |", "|" + "|".join("---" for _ in columns) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(_cell(row.get(c)) for c in columns) + " |")
    return "\n".join(lines)


def machine_note():
    """One line naming the machine the numbers come from."""
    threads = os.environ.get("OPENBLAS_NUM_THREADS") or os.environ.get("OMP_NUM_THREADS") or "default"
    return (f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
            f"NumPy {np.__version__}, OPENBLAS_NUM_THREADS={threads}")


def write_results(out, name, table, payload):
    """Write ``<out>/results.md`` (the table) and ``<out>/results.json`` (``payload``); return the folder."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write(f"## {name}\n\n{table}\n\n{machine_note()}\n")
    with open(os.path.join(out, "results.json"), "w", encoding="utf-8") as f:
        json.dump(payload, f, indent=2, default=float)
    return out


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False
