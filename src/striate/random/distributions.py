"""The draws of ``keras.random``: shapes, dtypes and defaults as Keras (floats are ``floatx()``).

>>> from striate import random
>>> x = random.truncated_normal((1000,), stddev=2.0, seed=0)
>>> bool(abs(x).max() <= 4.0), x.dtype.name
(True, 'float32')
"""

from striate import backend
from striate import functional as F
from striate.backend import host, xp
from striate.ops._convert import array_op, floating, to_tensor
from striate.ops._dtypes import standardize_dtype
from striate.random.seed_generator import draw_rng

__all__ = ["normal", "uniform", "truncated_normal", "randint", "categorical", "dropout", "shuffle", "gamma",
           "binomial", "beta"]


def _shape(shape, caller):
    if isinstance(shape, (int, host.integer)) and not isinstance(shape, bool):
        shape = (int(shape),)
    try:
        shape = tuple(int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"{caller}: shape must be a tuple of ints, got {shape!r}") from None
    if any(n < 0 for n in shape):
        raise ValueError(f"{caller}: shape must not have negative sizes, got {shape}")
    return shape


def _float_dtype(dtype, caller):
    name = standardize_dtype(dtype, caller)
    if not name.startswith("float"):
        raise ValueError(f"{caller}: dtype must be a float type, got {name!r}")
    return name


def _value(v):
    """A parameter as a host array: draws are made on the host (the same values on every backend)
    and moved to the device once, by :func:`_out`."""
    return backend.to_host(to_tensor(v).data)


def _out(values, dtype):
    return backend.to_device(values.astype(dtype))


def normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Samples of a normal distribution with ``mean`` and ``stddev``."""
    dtype = _float_dtype(dtype, "normal")
    rng = draw_rng(seed, "normal")
    return _out(rng.standard_normal(_shape(shape, "normal")) * _value(stddev) + _value(mean), dtype)


def uniform(shape, minval=0.0, maxval=1.0, dtype=None, seed=None):
    """Samples uniform in ``[minval, maxval)``."""
    dtype = _float_dtype(dtype, "uniform")
    rng = draw_rng(seed, "uniform")
    low, high = _value(minval), _value(maxval)
    return _out(rng.random(_shape(shape, "uniform")) * (high - low) + low, dtype)


def truncated_normal(shape, mean=0.0, stddev=1.0, dtype=None, seed=None):
    """Normal samples redrawn until they lie within two standard deviations of the mean."""
    dtype = _float_dtype(dtype, "truncated_normal")
    rng = draw_rng(seed, "truncated_normal")
    z = rng.standard_normal(_shape(shape, "truncated_normal"))
    outside = host.abs(z) > 2.0
    while outside.any():  # each pass redraws the ~4.6 % outside, so a few passes suffice
        z[outside] = rng.standard_normal(int(outside.sum()))
        outside = host.abs(z) > 2.0
    return _out(z * _value(stddev) + _value(mean), dtype)


def randint(shape, minval, maxval, dtype="int32", seed=None):
    """Integers uniform in ``[minval, maxval)``."""
    dtype = standardize_dtype(dtype, "randint")
    if dtype[0] not in "iu":
        raise ValueError(f"randint: dtype must be an integer type, got {dtype!r}")
    low, high = _value(minval), _value(maxval)
    if host.any(low >= high):
        raise ValueError(f"randint: need minval < maxval, got {minval} and {maxval}")
    return _out(draw_rng(seed, "randint").integers(low, high, size=_shape(shape, "randint")), dtype)


def categorical(logits, num_samples, dtype="int32", seed=None):
    """Class ids drawn from ``softmax(logits)`` of each row: ``(batch, classes) -> (batch, num_samples)``."""
    z = backend.to_host(to_tensor(logits, caller="categorical").data).astype(host.float64)
    if z.ndim != 2 or z.shape[1] == 0:
        raise ValueError(f"categorical: logits must be (batch, classes), got shape {z.shape}")
    dtype = standardize_dtype(dtype, "categorical")
    z = z - z.max(axis=1, keepdims=True)
    p = host.exp(z)
    cdf = host.cumsum(p, axis=1)
    cdf /= cdf[:, -1:]
    u = draw_rng(seed, "categorical").random((z.shape[0], int(num_samples)))
    ids = (u[:, :, None] >= cdf[:, None, :]).sum(axis=-1)  # (batch, samples): classes whose cdf is passed
    return _out(host.minimum(ids, z.shape[1] - 1), dtype)


@array_op("inputs")
def dropout(inputs, rate, noise_shape=None, seed=None):
    """``inputs`` with each element zeroed with probability ``rate`` and the rest scaled by ``1 / (1 - rate)``.

    ``noise_shape`` broadcasts one mask (e.g. ``(N, 1, 1, C)`` drops whole feature maps).
    """
    if not 0 <= rate < 1:
        raise ValueError(f"dropout: rate must be in [0, 1), got {rate}")
    x = floating(inputs, "dropout")
    if noise_shape is not None:
        noise_shape = tuple(noise_shape)
        if len(noise_shape) != x.ndim:
            raise ValueError(f"dropout: noise_shape {noise_shape} must have rank {x.ndim}")
    return F.dropout(x, rate, draw_rng(seed, "dropout"), noise_shape=noise_shape)


@array_op("x")
def shuffle(x, axis=0, seed=None):
    """``x`` with its slices along ``axis`` in a random order (differentiable: a permutation)."""
    t = to_tensor(x, caller="shuffle")
    if t.ndim == 0:
        raise ValueError("shuffle: expected a tensor of rank >= 1")
    axis = axis % t.ndim
    order = backend.to_device(draw_rng(seed, "shuffle").permutation(t.shape[axis]))
    return t[(slice(None),) * axis + (order,)]


def gamma(shape, alpha, dtype=None, seed=None):
    """Samples of the gamma distribution with shape ``alpha`` and scale 1."""
    dtype = _float_dtype(dtype, "gamma")
    if host.any(_value(alpha) <= 0):
        raise ValueError(f"gamma: alpha must be positive, got {alpha}")
    return _out(draw_rng(seed, "gamma").gamma(_value(alpha), size=_shape(shape, "gamma")), dtype)


def binomial(shape, counts, probabilities, dtype=None, seed=None):
    """Numbers of successes in ``counts`` trials of probability ``probabilities`` (as floats, as Keras)."""
    dtype = standardize_dtype(dtype, "binomial")
    p = _value(probabilities)
    if host.any((p < 0) | (p > 1)):
        raise ValueError(f"binomial: probabilities must be in [0, 1], got {probabilities}")
    n = _value(counts)
    return _out(draw_rng(seed, "binomial").binomial(n.astype(host.int64), p, size=_shape(shape, "binomial")), dtype)


def beta(shape, alpha, beta, dtype=None, seed=None):  # noqa: F811 - Keras's argument name
    """Samples of the beta distribution with parameters ``alpha`` and ``beta``."""
    dtype = _float_dtype(dtype, "beta")
    a, b = _value(alpha), _value(beta)
    if host.any(a <= 0) or host.any(b <= 0):
        raise ValueError(f"beta: alpha and beta must be positive, got {alpha} and {beta}")
    return _out(draw_rng(seed, "beta").beta(a, b, size=_shape(shape, "beta")), dtype)
