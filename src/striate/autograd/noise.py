"""Random noise applied to a tensor: dropout masks and Gaussian noise, drawn inside the op.

Why a primitive (DESIGN rule 2 composes dropout by default): a compiled step
(``striate.jit``) replays the primitives it recorded, so a mask drawn outside
any primitive would be frozen into the recording and every replayed step would
drop the same units. Drawn here, inside ``forward``, each replay draws afresh.
It also makes one pass where the composition made three (compare, cast, multiply).

Kinds (``kind=``):

- ``'dropout'``: ``x * mask``, ``mask = (u >= rate) / (1 - rate)`` with ``u`` uniform in
  [0, 1) of shape ``noise_shape`` (broadcast against ``x``; default ``x.shape``);
- ``'gaussian'``: ``x + stddev * n`` with ``n`` standard normal (GaussianNoise);
- ``'gaussian_dropout'``: ``x * (1 + stddev * n)`` (GaussianDropout).

The draws use ``rng``, or striate's global generator when it is None (looked up at
each call, so ``set_random_seed`` after a step was compiled still takes effect).
They are made on the host (a seed gives the same numbers on every backend) and
moved to the device; numbers with one row per sample go through
``random.draw_batch``, so data-parallel processes draw their rows of the global
batch's numbers (an explicit leading 1 in ``noise_shape`` shares one row). They
are the same calls, in the same order, as the compositions they replace, so
seeded results are unchanged. Backward: ``dy * mask`` (``dy`` for additive noise).

>>> import numpy as np
>>> y = Noise.apply(np.ones((2, 4), "float32"), kind="dropout", rate=0.5, rng=np.random.default_rng(0))
>>> sorted(set(y.data.ravel().tolist()))
[0.0, 2.0]
"""

from striate import backend
from striate.autograd.function import Function, unbroadcast

__all__ = ["Noise"]

_KINDS = ("dropout", "gaussian", "gaussian_dropout")


class Noise(Function):
    """Dropout or Gaussian noise drawn inside the op (see the module docstring for the kinds)."""

    def forward(self, x, kind="dropout", rate=0.0, stddev=0.0, rng=None, noise_shape=None):
        if kind not in _KINDS:
            raise ValueError(f"Noise: kind must be one of {_KINDS}, got {kind!r}")
        from striate import random  # here: striate.random's keras.random functions import the ops

        gen = rng if rng is not None else random.generator()
        shape = x.shape if noise_shape is None else tuple(x.shape[i] if n is None else n
                                                          for i, n in enumerate(noise_shape))
        per_sample = bool(shape) and shape[0] == x.shape[0] and not (noise_shape is not None and noise_shape[0] == 1)
        if kind == "dropout":
            draw = lambda s: gen.random(s, dtype=backend.host.float32)  # noqa: E731
        else:
            draw = lambda s: gen.standard_normal(s, dtype=backend.host.float32)  # noqa: E731
        drawn = random.draw_batch(draw, shape) if per_sample else draw(shape)
        if kind == "dropout":
            keep = backend.to_device(drawn >= rate)  # bool: 1 byte moved
            mask = keep.astype(x.dtype) * (1.0 / (1.0 - rate))
        elif kind == "gaussian":
            noise = backend.to_device(drawn) * stddev
            self.saved = None
            return x + noise.astype(x.dtype, copy=False)
        else:
            mask = (backend.to_device(drawn) * stddev + 1.0).astype(x.dtype, copy=False)
        self.saved = (mask, x.shape)
        return x * mask

    def backward(self, dy):
        if self.saved is None:  # additive noise
            return (dy,)
        mask, shape = self.saved
        return (unbroadcast(dy * mask, shape),)
