"""The preprocessing layers' primitives: one op per layer call, the random draw made inside it.

Why a primitive (as ``noise.py`` for dropout): a compiled step (``striate.jit``)
replays the primitives it recorded, so a transformation drawn outside any
primitive — a flip decided in Python, a resampling matrix built with NumPy —
would be frozen into the recording, and every replayed batch would get the
traced batch's flips and angles. :class:`Augment` makes a preprocessing layer's
whole call one op whose ``forward`` draws the transformation (the layer's
``get_random_transformation``, through its ``LayerSeed``: a data worker's
scoped generator, the layer's own seeded one, or striate's global one, looked up
at every call) and applies it (the layer's ``transform_images`` on a graph-free
Tensor, which takes the layers' plain-NumPy paths: ``einsum``, ``take``). So a
replay draws new flips and angles for every batch, the same numbers eager would
draw from the same generator state.

Backward: the gradient of the same transformation, by running the layer's
differentiable ``transform_images`` (compositions of Tensor ops) on the saved
input with that draw and pulling ``dy`` back through it: an exact vector-Jacobian
product for every layer (a flip's is the flip, a crop's a zero-padded window,
the resamplings' the transposed matrices or a scatter-add). It only runs when a
gradient has to reach the input (augmentation sits on the input images, so
usually never). A layer whose ``transform_images`` builds no graph (a user's subclass
computing in NumPy) raises NotImplementedError naming it when a gradient is needed.

:class:`Rescale` (``x * scale + offset``) and :class:`Standardize` (Normalization)
take their fixed numbers as keyword arguments (numbers or nested lists), so a
recording sees no array from outside.

>>> import numpy as np
>>> from striate.layers import RandomFlip
>>> layer = RandomFlip("horizontal", seed=0)
>>> x = np.arange(3.0, dtype="float32").reshape(1, 1, 3, 1)
>>> sorted({tuple(Augment.apply(x, layer=layer, training=True).data.ravel().tolist()) for _ in range(20)})
[(0.0, 1.0, 2.0), (2.0, 1.0, 0.0)]
>>> Rescale.apply(np.array([0.0, 255.0], "float32"), scale=1 / 127.5, offset=-1.0).data.tolist()
[-1.0, 1.0]
"""

from striate.autograd.function import Function, enable_grad, no_grad, set_tracer, unbroadcast
from striate.backend import xp

__all__ = ["Augment", "Rescale", "Standardize"]


class Augment(Function):
    """A preprocessing layer's transformation of a channels-last batch ``(N, H, W, C)``, drawn and applied inside the op.

    Keyword arguments:
        layer: the ``BaseImagePreprocessingLayer`` whose ``get_random_transformation``
            and ``transform_images`` are run.
        rng: the layer's own generator (None when unseeded). The draw goes through the
            layer's ``LayerSeed``, which returns this same generator unless a data worker's
            scoped one is active; it is named here so that a compiled step's check
            (``jit/step.py``) puts its state back as it does for dropout's.
        training: whether to augment (False: the layer's inference path).
    """

    def forward(self, x, layer=None, rng=None, training=True):
        del rng  # drawn through layer._generator(), see the class docstring
        previous = set_tracer(None)  # the ops below are this op's insides, not the step's
        try:
            with no_grad():
                images = _wrap(x)
                transformation = layer.get_random_transformation(images, training=training)
                out = layer.transform_images(images, transformation, training=training)
        finally:
            set_tracer(previous)
        self.saved = (x, layer, transformation, training)
        return out.data

    def backward(self, dy):
        x, layer, transformation, training = self.saved
        previous = set_tracer(None)
        try:
            with enable_grad():
                images = _wrap(x, requires_grad=True)
                out = layer.transform_images(images, transformation, training=training)
                if out is images:
                    return (dy,)
                if not out.requires_grad:
                    raise NotImplementedError(
                        f"{layer.label}: a gradient has to pass back through the layer, but its "
                        f"transform_images() made no graph to its input (it computes outside the Tensor ops); "
                        "put the layer before any trainable layer or make transform_images differentiable")
                out.backward(dy)
        finally:
            set_tracer(previous)
        return (images.grad,)


class Rescale(Function):
    """``x * scale + offset``; ``scale`` and ``offset`` are numbers or (nested) tuples broadcast
    against ``x``'s trailing axes. Backward: ``dy * scale``."""

    def forward(self, x, scale=1.0, offset=0.0):
        scale, offset = _constant(scale, x.dtype), _constant(offset, x.dtype)
        self.saved = (scale, x.shape)
        return x * scale + offset

    def backward(self, dy):
        scale, shape = self.saved
        return (unbroadcast(dy * scale, shape),)


class Standardize(Function):
    """Normalization's ``(x - mean) / std`` (``invert``: ``x * std + mean``), ``std = max(sqrt(variance), eps)``.

    ``mean`` and ``variance`` are either operands (an adapted layer's Variables, read afresh at
    every replay) or keyword arguments as nested lists (fixed statistics); either way they are
    reshaped to ``shape``, which broadcasts against ``x``. Gradients reach ``x`` only
    (``dy / std``, or ``dy * std``): the statistics are not trained.
    """

    def forward(self, x, mean=None, variance=None, shape=(), invert=False, epsilon=1e-7):
        mean, variance = xp.asarray(mean).reshape(shape), xp.asarray(variance).reshape(shape)
        std = xp.maximum(xp.sqrt(variance), epsilon).astype(x.dtype)
        mean = mean.astype(x.dtype)
        self.saved = (std, invert, x.shape)
        return x * std + mean if invert else (x - mean) * (1.0 / std)

    def backward(self, dy):
        std, invert, shape = self.saved
        return (unbroadcast(dy * std if invert else dy * (1.0 / std), shape), None, None)


def _constant(value, dtype):
    return value if isinstance(value, float) else xp.asarray(value, dtype=dtype)


def _wrap(array, requires_grad=False):
    from striate.tensor import Tensor  # here: tensor.py imports the ops

    return Tensor._wrap(array, requires_grad)
