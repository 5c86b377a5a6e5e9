"""Gradient clipping as Keras 3 does it; always new arrays, never in place.

Gradients may alias other arrays (a layer's cache, another gradient), so a
clipped gradient is a fresh array, and an unclipped one is returned as is.

* ``clip_by_norm``: ``g * clipnorm / max(||g||, clipnorm)``, per variable.
* ``clip_by_global_norm``: every gradient times ``clipnorm / max(N, clipnorm)``
  with ``N = sqrt(sum_i ||g_i||^2)``; a non-finite ``N`` makes every gradient
  NaN, as in Keras (the training loop then sees a NaN loss).
* ``clip_by_value``: ``clip(g, -clipvalue, clipvalue)``.

>>> import numpy as np
>>> clip_by_norm(np.array([3.0, 4.0]), 1.0)
array([0.6, 0.8])
>>> [g.round(6).tolist() for g in clip_by_global_norm([np.array([3.0]), np.array([4.0])], 1.0)]
[[0.6], [0.8]]
"""

import math

from striate.backend import xp

__all__ = ["clip_by_norm", "clip_by_global_norm", "clip_by_value"]


def _norm(g):
    # vdot flattens without a copy for contiguous arrays and runs in BLAS.
    return math.sqrt(float(xp.vdot(g, g)))


def clip_by_norm(g, clipnorm):
    """``g`` rescaled so that its L2 norm is at most ``clipnorm``."""
    norm = _norm(g)
    if norm <= clipnorm:
        return g
    # norm = inf gives scale 0 (finite entries -> 0, inf entries -> NaN) and
    # norm = NaN gives NaN everywhere: the values Keras's formula produces.
    return g * (clipnorm / norm)


def clip_by_global_norm(grads, clipnorm):
    """All of ``grads`` rescaled by one factor so that their joint norm is at most ``clipnorm``."""
    norm = math.sqrt(sum(float(xp.vdot(g, g)) for g in grads))
    if norm <= clipnorm:
        return grads
    scale = clipnorm / norm if math.isfinite(norm) else math.nan
    return [g * scale for g in grads]


def clip_by_value(g, clipvalue):
    """``g`` with every entry clipped to ``[-clipvalue, clipvalue]``."""
    return xp.clip(g, -clipvalue, clipvalue)
