"""Normalization layers: BatchNormalization and LayerNormalization (Keras 3's arguments and behaviour).

LayerNormalization and batch norm's inference pass are compositions of Tensor
ops, so their gradients come from the chain rule. Batch norm's training pass
is the fused primitive ``striate.autograd.normalization.BatchNorm`` (3-5x
faster than the composition on conv-net activations; its docstring has the
measurements); no layer here writes a backward.

>>> import numpy as np
>>> bn = BatchNormalization()
>>> x = np.array([[0.0, 10.0], [2.0, 30.0]], dtype="float32")
>>> np.round(bn(x, training=True).data, 3).tolist()      # batch statistics
[[-1.0, -1.0], [1.0, 1.0]]
>>> [round(float(v), 2) for v in bn.moving_mean.numpy()]      # 0.99 * 0 + 0.01 * mean
[0.01, 0.2]
>>> [round(float(v), 2) for v in bn.moving_variance.numpy()]  # 0.99 * 1 + 0.01 * var (biased)
[1.0, 1.99]
>>> np.round(bn(x).data.astype(float), 2).tolist()        # inference: moving statistics
[[-0.01, 6.95], [1.99, 21.12]]
"""

from striate import initializers, regularizers
from striate.autograd.normalization import BatchNorm, ChannelAffine
from striate.backend import xp
from striate.layers.base import InputSpec, Layer

__all__ = ["BatchNormalization", "LayerNormalization"]


def _check_number(value, layer, name, low=None, high=None, low_open=False):
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{layer}: {name} must be a number, got {value!r}")
    too_low = low is not None and (value <= low if low_open else value < low)
    if too_low or (high is not None and value > high):
        bracket = "(" if low_open else "["
        raise ValueError(f"{layer}: {name} must be in {bracket}{low}, {high}], got {value!r}")
    return float(value)


class BatchNormalization(Layer):
    """Normalize each feature with batch statistics while training, moving statistics otherwise.

    Training (``fit``, or ``training=True``) normalizes with the mean and the
    *biased* variance of the current batch, over every axis except ``axis``::

        y = gamma * (x - mean(x)) / sqrt(var(x) + epsilon) + beta

    and updates the non-trainable moving statistics, as Keras 3 does::

        moving_mean     = moving_mean * momentum     + mean(x) * (1 - momentum)
        moving_variance = moving_variance * momentum + var(x)  * (1 - momentum)

    Inference (``evaluate``, ``predict``, ``training=False``) uses
    ``moving_mean`` and ``moving_variance`` instead.

    Differences from PyTorch's ``BatchNorm2d`` (same maths, other conventions):
    PyTorch's ``momentum`` is ``1 - momentum`` here (0.1 there is 0.9 here;
    Keras's default 0.99 adapts more slowly), its default ``eps`` is 1e-5, and
    its ``running_var`` averages the *unbiased* batch variance (times
    ``n / (n - 1)``, ``n`` the number of values per feature), while Keras, and
    striate, average the biased variance that the normalisation itself uses.

    Frozen layer: with ``layer.trainable = False`` the layer runs in inference
    mode even when called with ``training=True`` (inside ``fit``), and never
    updates its moving statistics — Keras's behaviour since 2.1.3, which is
    what fine-tuning a pretrained network needs.

    Args:
        axis: the features axis (default -1, channels last); every other axis is reduced.
        momentum: momentum of the moving averages, in [0, 1].
        epsilon: small positive float added to the variance.
        center: whether to add the learned offset ``beta``.
        scale: whether to multiply by the learned ``gamma``.
        beta_initializer, gamma_initializer: initialisers of ``beta`` (zeros) and ``gamma`` (ones).
        moving_mean_initializer, moving_variance_initializer: zeros and ones.
        beta_regularizer, gamma_regularizer: optional penalties.
        synchronized: Keras's cross-device option; striate runs on one device, so only False.

    Weights, in Keras's order: ``gamma``, ``beta`` (trainable, those present),
    ``moving_mean``, ``moving_variance`` (non-trainable), each of shape ``(C,)``
    with ``C = input_shape[axis]``.

    Input shape: any rank >= 2 with a known size along ``axis``. Output shape: the same.

    Raises:
        ValueError: for an ``axis`` that is the batch axis or out of range, an
            unknown feature size, bad ``momentum``/``epsilon``, ``synchronized=True``,
            or an input whose rank or feature size differs from the built one.

    >>> import numpy as np
    >>> bn = BatchNormalization(momentum=0.9)
    >>> _ = bn(np.random.default_rng(0).normal(5.0, 2.0, (64, 3)).astype("float32"), training=True)
    >>> [w.name for w in bn.weights], [w.name for w in bn.non_trainable_weights]
    (['gamma', 'beta', 'moving_mean', 'moving_variance'], ['moving_mean', 'moving_variance'])
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True, beta_initializer="zeros",
                 gamma_initializer="ones", moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        label = f"BatchNormalization {self.name!r}"
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise TypeError(f"{label}: axis must be an int, got {axis!r}")
        self.axis = axis
        self.momentum = _check_number(momentum, label, "momentum", 0.0, 1.0)
        self.epsilon = _check_number(epsilon, label, "epsilon", 0.0, None, low_open=True)
        if synchronized:
            raise ValueError(f"{label}: synchronized=True synchronises statistics across devices; "
                             "striate runs on one device, so it must be False")
        self.synchronized = False
        self.center, self.scale = bool(center), bool(scale)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.input_spec = InputSpec(min_ndim=2)

    def build(self, input_shape):
        rank = len(input_shape)
        if not -rank <= self.axis < rank or self.axis % rank == 0:
            raise ValueError(f"BatchNormalization {self.name!r}: axis {self.axis} is out of range or the batch axis "
                             f"for inputs of shape {tuple(input_shape)}")
        axis = self.axis % rank
        features = input_shape[axis]
        if features is None:
            raise ValueError(f"BatchNormalization {self.name!r}: the size of axis {self.axis} must be known, "
                             f"got input shape {tuple(input_shape)}")
        shape = (features,)
        self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma",
                                     regularizer=self.gamma_regularizer) if self.scale else None
        self.beta = self.add_weight(shape, self.beta_initializer, name="beta",
                                    regularizer=self.beta_regularizer) if self.center else None
        self.moving_mean = self.add_weight(shape, self.moving_mean_initializer, trainable=False, name="moving_mean")
        self.moving_variance = self.add_weight(shape, self.moving_variance_initializer, trainable=False,
                                               name="moving_variance")
        # (1, ..., C, ..., 1): per-feature vectors broadcast against the input; None when
        # the features axis is last and (C,) already broadcasts.
        self._broadcast_shape = None if axis == rank - 1 else tuple(features if i == axis else 1 for i in range(rank))
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: features})
        self.built = True

    def _per_feature(self, t):
        return t if self._broadcast_shape is None or t is None else t.reshape(self._broadcast_shape)

    def call(self, inputs, training=False):
        if training and self.trainable:
            return self._normalize_with_batch_statistics(inputs)
        return self._normalize_with_moving_statistics(inputs)

    def _normalize_with_batch_statistics(self, x):
        # One fused primitive (see striate.autograd.normalization for why and the timings);
        # it is the composition (x - mean) * (var + eps) ** -0.5 * gamma + beta.
        # The primitive also updates the moving statistics in place (state, not graph).
        return BatchNorm.apply(x, self.gamma, self.beta, self.moving_mean, self.moving_variance, axis=self.axis,
                               epsilon=self.epsilon, momentum=self.momentum)

    def _normalize_with_moving_statistics(self, x):
        # Fold the statistics into one per-feature scale and shift, so the big tensor
        # sees one multiply and one add; gamma and beta still get their gradients.
        # Computed with ops on the Variables (not on their arrays), so that a compiled step
        # reads the moving statistics as they are at each call.
        inv = ((self.moving_variance + self.epsilon) ** -0.5).astype(x.dtype)  # (C,)
        mean = self.moving_mean.astype(x.dtype)
        factor = inv if self.gamma is None else self.gamma * inv
        shift = -(factor * mean)
        if self.beta is not None:
            shift = shift + self.beta
        if self._broadcast_shape is None:  # features last: one fused pass (see ChannelAffine)
            return ChannelAffine.apply(x, factor, shift)
        return x * self._per_feature(factor) + self._per_feature(shift)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "momentum": self.momentum, "epsilon": self.epsilon,
            "center": self.center, "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "synchronized": self.synchronized,
        }


class LayerNormalization(Layer):
    """Normalize each sample over ``axis`` (Ba et al., 2016); the same in training and inference.

    ``y = gamma * (x - mean) / sqrt(var + epsilon) + beta`` with the mean and the
    biased variance taken over ``axis`` for each sample separately. With
    ``rms_scaling=True`` the mean is not subtracted and there is no ``beta``:
    ``y = gamma * x / sqrt(mean(x^2) + epsilon)`` (RMSNorm, as newer Keras 3 releases).

    Args:
        axis: int or list of ints: the axes to normalize over (default -1).
        epsilon: small positive float added to the variance (Keras: 1e-3).
        center: whether to add the learned ``beta``.
        scale: whether to multiply by the learned ``gamma``.
        rms_scaling: RMSNorm instead (ignores ``center`` and ``scale``; keeps ``gamma``).
        beta_initializer, gamma_initializer: zeros and ones.
        beta_regularizer, gamma_regularizer: optional penalties.

    Weights: ``gamma`` then ``beta``, each shaped like the input's ``axis`` sizes.

    Input shape: any; the sizes along ``axis`` must be known. Output shape: the same.

    Raises:
        TypeError: when ``axis`` is not an int or a list of ints.
        ValueError: for an axis out of range, the batch axis, a repeated axis, or an unknown size.

    >>> import numpy as np
    >>> ln = LayerNormalization()
    >>> np.round(ln(np.array([[1.0, 3.0], [10.0, 10.0]], dtype="float32")).data, 3).tolist()
    [[-1.0, 1.0], [0.0, 0.0]]
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False, beta_initializer="zeros",
                 gamma_initializer="ones", beta_regularizer=None, gamma_regularizer=None, **kwargs):
        super().__init__(**kwargs)
        label = f"LayerNormalization {self.name!r}"
        axes = axis if isinstance(axis, (list, tuple)) else [axis]
        if not axes or any(isinstance(a, bool) or not isinstance(a, int) for a in axes):
            raise TypeError(f"{label}: axis must be an int or a list of ints, got {axis!r}")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = _check_number(epsilon, label, "epsilon", 0.0, None, low_open=True)
        self.center, self.scale, self.rms_scaling = bool(center), bool(scale), bool(rms_scaling)
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)

    def _axes(self, input_shape):
        rank = len(input_shape)
        raw = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -rank <= a < rank for a in raw):
            raise ValueError(f"LayerNormalization {self.name!r}: axis {self.axis} is out of range for inputs of "
                             f"shape {tuple(input_shape)}")
        axes = tuple(sorted(a % rank for a in raw))
        if len(set(axes)) != len(axes) or (0 in axes and rank > 1):
            raise ValueError(f"LayerNormalization {self.name!r}: axis {self.axis} repeats an axis or includes the "
                             f"batch axis, for inputs of shape {tuple(input_shape)}")
        return axes

    def build(self, input_shape):
        rank = len(input_shape)
        axes = self._axes(input_shape)
        shape = tuple(input_shape[a] for a in axes)
        if None in shape:
            raise ValueError(f"LayerNormalization {self.name!r}: the sizes along axis {self.axis} must be known, "
                             f"got input shape {tuple(input_shape)}")
        self.gamma = self.add_weight(shape, self.gamma_initializer, name="gamma", regularizer=self.gamma_regularizer) \
            if self.scale or self.rms_scaling else None
        self.beta = self.add_weight(shape, self.beta_initializer, name="beta", regularizer=self.beta_regularizer) \
            if self.center and not self.rms_scaling else None
        self._reduction_axes = axes
        trailing = axes == tuple(range(rank - len(axes), rank))
        # Weights of shape sizes-along-axes broadcast as they are when the axes are the
        # trailing ones; otherwise they become (1, .., n_a, .., 1).
        self._broadcast_shape = None if trailing else tuple(input_shape[i] if i in axes else 1 for i in range(rank))
        self.input_spec = InputSpec(ndim=rank, axes={a: input_shape[a] for a in axes})
        self.built = True

    def _shaped(self, t):
        return t if self._broadcast_shape is None or t is None else t.reshape(self._broadcast_shape)

    def call(self, inputs):
        axes = self._reduction_axes
        if self.rms_scaling:
            y = inputs * ((inputs * inputs).mean(axis=axes, keepdims=True) + self.epsilon) ** -0.5
            return y * self._shaped(self.gamma)
        centered = inputs - inputs.mean(axis=axes, keepdims=True)
        factor = ((centered * centered).mean(axis=axes, keepdims=True) + self.epsilon) ** -0.5
        y = centered * factor
        if self.gamma is not None:
            y = y * self._shaped(self.gamma)
        if self.beta is not None:
            y = y + self._shaped(self.beta)
        return y

    def compute_output_shape(self, input_shape):
        self._axes(input_shape)
        return input_shape

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "epsilon": self.epsilon, "center": self.center,
            "scale": self.scale, "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
        }
