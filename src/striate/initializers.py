"""Weight initialisers with Keras's names, arguments and formulas.

An initialiser is called with a shape and returns an array. ``fan_in`` and
``fan_out`` follow Keras: for a Dense kernel ``(in, out)`` they are ``in`` and
``out``; for a conv kernel ``(*kernel_size, in, out)`` both are multiplied by
the receptive-field size ``prod(kernel_size)``.

Without a seed, values come from striate's global generator (so
``striate.utils.set_random_seed`` makes them repeatable); with a seed, every
call returns the same values, as in Keras 3.

>>> init = GlorotUniform(seed=0)
>>> w = init((784, 256))
>>> w.shape, w.dtype.name, bool(abs(w).max() <= (6 / (784 + 256)) ** 0.5)
((784, 256), 'float32', True)
"""

import math

from striate import backend, random
from striate._object_registry import lookup_custom
from striate.backend import host, xp

__all__ = [
    "Initializer", "Zeros", "Ones", "Constant", "RandomUniform", "RandomNormal", "TruncatedNormal",
    "VarianceScaling", "GlorotUniform", "GlorotNormal", "HeUniform", "HeNormal", "LecunUniform",
    "LecunNormal", "Orthogonal", "Identity", "get", "serialize", "deserialize", "compute_fans",
]


def compute_fans(shape):
    """``(fan_in, fan_out)`` of a weight shape, as Keras computes them."""
    shape = tuple(shape)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: ``__call__(shape, dtype=None)`` returns a new array."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def _dtype(dtype):
    return xp.dtype(dtype or backend.floatx())


class _Seeded(Initializer):
    """An initialiser that draws random numbers: a fixed seed gives fixed values."""

    def __init__(self, seed=None):
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, xp.integer))):
            raise TypeError(f"{type(self).__name__}: seed must be an int or None, got {seed!r}")
        self.seed = None if seed is None else int(seed)

    def _rng(self):
        return random.generator() if self.seed is None else random.host_generator(self.seed)

    def get_config(self):
        return {"seed": self.seed}


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return xp.zeros(shape, dtype=_dtype(dtype))


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return xp.ones(shape, dtype=_dtype(dtype))


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = float(value)

    def __call__(self, shape, dtype=None):
        return xp.full(shape, self.value, dtype=_dtype(dtype))

    def get_config(self):
        return {"value": self.value}


class RandomUniform(_Seeded):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval, self.maxval = float(minval), float(maxval)

    def __call__(self, shape, dtype=None):
        return _drawn(self._rng().uniform(self.minval, self.maxval, size=shape), dtype)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class RandomNormal(_Seeded):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean, self.stddev = float(mean), float(stddev)

    def __call__(self, shape, dtype=None):
        return _drawn(self._rng().normal(self.mean, self.stddev, size=shape), dtype)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


def _drawn(values, dtype):
    """Host random values (drawn from striate's host generator) as a device array of ``dtype``."""
    return backend.to_device(values.astype(_dtype(dtype)))


def _truncated_normal(rng, shape, stddev):
    """Normal samples redrawn until within two standard deviations of 0."""
    values = rng.standard_normal(size=shape)
    outside = host.abs(values) > 2.0
    while outside.any():
        values[outside] = rng.standard_normal(size=int(outside.sum()))
        outside = host.abs(values) > 2.0
    return values * stddev


class TruncatedNormal(RandomNormal):
    """Normal with mean ``mean`` and ``stddev``, values beyond 2 stddev redrawn."""

    def __call__(self, shape, dtype=None):
        return _drawn(self.mean + _truncated_normal(self._rng(), shape, self.stddev), dtype)


class VarianceScaling(_Seeded):
    """Scale ``scale / n`` with ``n`` the fan in, fan out or their average.

    'truncated_normal': stddev sqrt(scale / n) / 0.8796... (the stddev of a unit
    normal truncated at 2); 'untruncated_normal': stddev sqrt(scale / n);
    'uniform': limits +-sqrt(3 scale / n).
    """

    _MODES = ("fan_in", "fan_out", "fan_avg")
    _DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        super().__init__(seed)
        if scale <= 0:
            raise ValueError(f"VarianceScaling: scale must be positive, got {scale}")
        if mode not in self._MODES:
            raise ValueError(f"VarianceScaling: mode must be one of {self._MODES}, got {mode!r}")
        distribution = "truncated_normal" if distribution == "normal" else distribution
        if distribution not in self._DISTRIBUTIONS:
            raise ValueError(f"VarianceScaling: distribution must be one of {self._DISTRIBUTIONS}, got {distribution!r}")
        self.scale, self.mode, self.distribution = float(scale), mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        variance = self.scale / max(1.0, n)
        rng = self._rng()
        if self.distribution == "truncated_normal":
            values = _truncated_normal(rng, shape, math.sqrt(variance) / 0.87962566103423978)
        elif self.distribution == "untruncated_normal":
            values = rng.normal(0.0, math.sqrt(variance), size=shape)
        else:
            limit = math.sqrt(3.0 * variance)
            values = rng.uniform(-limit, limit, size=shape)
        return _drawn(values, dtype)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution, **super().get_config()}


def _variance_scaling_preset(name, scale, mode, distribution, doc):
    def __init__(self, seed=None):
        VarianceScaling.__init__(self, scale, mode, distribution, seed)

    def get_config(self):
        return {"seed": self.seed}

    return type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc})


GlorotUniform = _variance_scaling_preset(
    "GlorotUniform", 1.0, "fan_avg", "uniform", "Xavier uniform: limits +-sqrt(6 / (fan_in + fan_out)).")
GlorotNormal = _variance_scaling_preset(
    "GlorotNormal", 1.0, "fan_avg", "truncated_normal", "Xavier normal: stddev sqrt(2 / (fan_in + fan_out)), truncated.")
HeUniform = _variance_scaling_preset(
    "HeUniform", 2.0, "fan_in", "uniform", "He uniform: limits +-sqrt(6 / fan_in).")
HeNormal = _variance_scaling_preset(
    "HeNormal", 2.0, "fan_in", "truncated_normal", "He normal: stddev sqrt(2 / fan_in), truncated.")
LecunUniform = _variance_scaling_preset(
    "LecunUniform", 1.0, "fan_in", "uniform", "LeCun uniform: limits +-sqrt(3 / fan_in).")
LecunNormal = _variance_scaling_preset(
    "LecunNormal", 1.0, "fan_in", "truncated_normal", "LeCun normal: stddev sqrt(1 / fan_in), truncated.")


class Orthogonal(_Seeded):
    """A (semi-)orthogonal matrix from the QR decomposition of a normal matrix, times ``gain``."""

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) < 2:
            raise ValueError(f"Orthogonal: needs a shape of rank >= 2, got {tuple(shape)}")
        rows, cols = math.prod(shape[:-1]), shape[-1]
        flat = self._rng().standard_normal((max(rows, cols), min(rows, cols)))
        q, r = host.linalg.qr(flat)  # on the host, where the numbers were drawn
        q *= host.sign(host.diag(r))  # makes the result uniformly distributed
        if rows < cols:
            q = q.T
        return _drawn((self.gain * q[:rows, :cols]).reshape(shape), dtype)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


class Identity(Initializer):
    def __init__(self, gain=1.0):
        self.gain = float(gain)

    def __call__(self, shape, dtype=None):
        if len(shape) != 2:
            raise ValueError(f"Identity: needs a 2-D shape, got {tuple(shape)}")
        return (self.gain * xp.eye(*shape)).astype(_dtype(dtype))

    def get_config(self):
        return {"gain": self.gain}


_ALIASES = {
    "zeros": Zeros, "ones": Ones, "constant": Constant, "random_uniform": RandomUniform,
    "random_normal": RandomNormal, "truncated_normal": TruncatedNormal,
    "variance_scaling": VarianceScaling, "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
    "xavier_uniform": GlorotUniform, "xavier_normal": GlorotNormal, "he_uniform": HeUniform,
    "he_normal": HeNormal, "lecun_uniform": LecunUniform, "lecun_normal": LecunNormal,
    "orthogonal": Orthogonal, "identity": Identity,
}
_CLASSES = {cls.__name__: cls for cls in set(_ALIASES.values())}


def get(identifier):
    """An initialiser from a name ('he_normal'), a class name, a config dict, an instance or a callable.

    Raises:
        ValueError: for an unknown name.
        TypeError: for anything else.
    """
    if isinstance(identifier, Initializer) or (callable(identifier) and not isinstance(identifier, type)):
        return identifier
    if isinstance(identifier, type) and issubclass(identifier, Initializer):
        return identifier()  # a class, as Keras accepts: kernel_initializer=GlorotUniform
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        cls = _ALIASES.get(identifier.lower()) or _CLASSES.get(identifier) or lookup_custom(identifier)
        if cls is None:
            raise ValueError(f"unknown initializer {identifier!r}; known: {sorted(_ALIASES)}")
        return cls() if isinstance(cls, type) else cls
    raise TypeError(f"could not interpret initializer {identifier!r}")


def serialize(initializer):
    """``{'class_name': ..., 'config': ...}`` of a built-in initialiser."""
    if type(initializer).__name__ not in _CLASSES:
        if not hasattr(initializer, "get_config"):
            raise ValueError(f"cannot serialize initializer {initializer!r}: neither built in nor with get_config()")
        from striate.saving.object_serialization import serialize_keras_object

        return serialize_keras_object(initializer)  # a custom class: found again when registered
    return {"class_name": type(initializer).__name__, "config": initializer.get_config()}


def deserialize(config):
    """The initialiser that :func:`serialize` describes (built-ins only)."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"initializer config must be a dict with 'class_name', got {config!r}")
    name = config["class_name"]
    cls = (lookup_custom(config.get("registered_name")) or _CLASSES.get(name) or _ALIASES.get(str(name).lower())
           or lookup_custom(name))
    if cls is None:
        raise ValueError(f"unknown initializer class {name!r}")
    return cls.from_config(dict(config.get("config") or {}))
