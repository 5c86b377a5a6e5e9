"""Learning-rate schedules: ``keras.optimizers.schedules``, as Python floats.

A schedule is a callable ``step -> learning rate``. An optimizer created with a
schedule as its ``learning_rate`` evaluates it at ``optimizer.iterations``
(the number of ``apply`` calls so far) before every update, so the first
update uses ``schedule(0)``.

Every formula below is the one Keras 3 documents and computes; ``step`` is
used as a real number (``step / decay_steps`` is a true division unless
``staircase``).

>>> schedule = ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
>>> schedule(0), schedule(10), schedule(20)
(0.1, 0.05, 0.025)
>>> deserialize(serialize(schedule))(10)
0.05
"""

import bisect
import math

from striate.optimizers._checks import check_bool, check_number

__all__ = ["LearningRateSchedule", "ExponentialDecay", "PiecewiseConstantDecay", "PolynomialDecay",
           "InverseTimeDecay", "CosineDecay", "serialize", "deserialize"]


class LearningRateSchedule:
    """Base class: subclasses implement ``__call__(step)`` and ``get_config()``.

    >>> class Halving(LearningRateSchedule):
    ...     def __init__(self, initial_learning_rate):
    ...         self.initial_learning_rate = initial_learning_rate
    ...     def __call__(self, step):
    ...         return self.initial_learning_rate / 2 ** step
    ...     def get_config(self):
    ...         return {"initial_learning_rate": self.initial_learning_rate}
    >>> Halving(1.0)(3)
    0.125
    """

    def __call__(self, step):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override "
                                  "`__call__(self, step)`.")

    def get_config(self):
        raise NotImplementedError(f"Learning rate schedule '{type(self).__name__}' must override `get_config()` "
                                  "to be serializable.")

    @classmethod
    def from_config(cls, config):
        """A new schedule from the output of :meth:`get_config`."""
        return cls(**config)

    def __repr__(self):
        try:
            args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        except NotImplementedError:
            args = ""
        return f"{type(self).__name__}({args})"


def _decay_steps(owner, value):
    check_number(owner, "decay_steps", value)
    if not value > 0:
        raise ValueError(f"{owner}: `decay_steps` must be > 0, got {value!r}")
    return value


class ExponentialDecay(LearningRateSchedule):
    """``initial_learning_rate * decay_rate ** (step / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per factor of ``decay_rate``.
        decay_rate: the factor per ``decay_steps`` steps.
        staircase: if True, ``step / decay_steps`` is floored (the rate
            drops in discrete steps).
        name: the schedule's name.

    Raises:
        TypeError: for non-numeric arguments.
        ValueError: when ``decay_steps <= 0``.

    >>> ExponentialDecay(1.0, decay_steps=2, decay_rate=0.5, staircase=True)(3)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="ExponentialDecay"):
        self.initial_learning_rate = check_number("ExponentialDecay", "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("ExponentialDecay", decay_steps)
        self.decay_rate = check_number("ExponentialDecay", "decay_rate", decay_rate)
        self.staircase = check_bool("ExponentialDecay", "staircase", staircase)
        self.name = name

    def __call__(self, step):
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate * self.decay_rate ** p

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class PiecewiseConstantDecay(LearningRateSchedule):
    """``values[0]`` while ``step <= boundaries[0]``, ``values[i]`` while
    ``boundaries[i-1] < step <= boundaries[i]``, ``values[-1]`` after the last.

    Args:
        boundaries: strictly increasing step numbers.
        values: one more learning rate than there are boundaries.
        name: the schedule's name.

    Raises:
        ValueError: when ``len(values) != len(boundaries) + 1`` or the
            boundaries do not increase.

    >>> schedule = PiecewiseConstantDecay([10, 20], [1.0, 0.5, 0.1])
    >>> schedule(10), schedule(11), schedule(21)
    (1.0, 0.5, 0.1)
    """

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        boundaries, values = list(boundaries), list(values)
        if len(boundaries) != len(values) - 1:
            raise ValueError(f"PiecewiseConstantDecay: `boundaries` must have one element fewer than `values`; "
                             f"got boundaries={boundaries} (length {len(boundaries)}), "
                             f"values={values} (length {len(values)})")
        for i, b in enumerate(boundaries):
            check_number("PiecewiseConstantDecay", f"boundaries[{i}]", b)
        for i, v in enumerate(values):
            check_number("PiecewiseConstantDecay", f"values[{i}]", v)
        if any(b >= c for b, c in zip(boundaries, boundaries[1:])):
            raise ValueError(f"PiecewiseConstantDecay: `boundaries` must increase strictly, got {boundaries}")
        self.boundaries = boundaries
        self.values = values
        self.name = name

    def __call__(self, step):
        # bisect_left counts the boundaries strictly below step: step == b stays in the earlier piece.
        return float(self.values[bisect.bisect_left(self.boundaries, step)])

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class PolynomialDecay(LearningRateSchedule):
    """``(initial - end) * (1 - step / decay_steps) ** power + end``, with
    ``step = min(step, decay_steps)``; with ``cycle``, ``decay_steps`` is
    instead multiplied by ``ceil(step / decay_steps)`` (1 at step 0).

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps to reach ``end_learning_rate``.
        end_learning_rate: the final learning rate.
        power: the polynomial's power (1 = linear).
        cycle: whether to restart the decay after ``decay_steps``.
        name: the schedule's name.

    Raises:
        ValueError: when ``decay_steps <= 0``.

    >>> schedule = PolynomialDecay(1.0, decay_steps=10, end_learning_rate=0.0)
    >>> schedule(5), schedule(50)
    (0.5, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0, cycle=False,
                 name="PolynomialDecay"):
        self.initial_learning_rate = check_number("PolynomialDecay", "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("PolynomialDecay", decay_steps)
        self.end_learning_rate = check_number("PolynomialDecay", "end_learning_rate", end_learning_rate)
        self.power = check_number("PolynomialDecay", "power", power)
        self.cycle = check_bool("PolynomialDecay", "cycle", cycle)
        self.name = name

    def __call__(self, step):
        step = float(step)
        decay_steps = float(self.decay_steps)
        if self.cycle:
            decay_steps *= 1.0 if step == 0 else math.ceil(step / decay_steps)
        else:
            step = min(step, decay_steps)
        p = step / decay_steps
        return (self.initial_learning_rate - self.end_learning_rate) * (1.0 - p) ** self.power + self.end_learning_rate

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "end_learning_rate": self.end_learning_rate, "power": self.power, "cycle": self.cycle,
                "name": self.name}


class InverseTimeDecay(LearningRateSchedule):
    """``initial_learning_rate / (1 + decay_rate * step / decay_steps)``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of steps per unit of ``decay_rate``.
        decay_rate: the decay rate.
        staircase: if True, ``step / decay_steps`` is floored.
        name: the schedule's name.

    Raises:
        ValueError: when ``decay_steps <= 0``.

    >>> InverseTimeDecay(1.0, decay_steps=1, decay_rate=0.5)(2)
    0.5
    """

    def __init__(self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name="InverseTimeDecay"):
        self.initial_learning_rate = check_number("InverseTimeDecay", "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("InverseTimeDecay", decay_steps)
        self.decay_rate = check_number("InverseTimeDecay", "decay_rate", decay_rate)
        self.staircase = check_bool("InverseTimeDecay", "staircase", staircase)
        self.name = name

    def __call__(self, step):
        p = float(step) / self.decay_steps
        if self.staircase:
            p = math.floor(p)
        return self.initial_learning_rate / (1.0 + self.decay_rate * p)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "decay_rate": self.decay_rate, "staircase": self.staircase, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Optional linear warmup, then cosine decay (SGDR without restarts).

    Without ``warmup_target``: ``initial * ((1 - alpha) * c + alpha)`` where
    ``c = 0.5 * (1 + cos(pi * min(step, decay_steps) / decay_steps))``.
    With ``warmup_target``: for ``step < warmup_steps`` the rate goes linearly
    from ``initial_learning_rate`` to ``warmup_target``
    (``initial + (target - initial) * step / warmup_steps``); afterwards the
    cosine decay above runs from ``warmup_target`` on ``step - warmup_steps``.

    Args:
        initial_learning_rate: the learning rate at step 0.
        decay_steps: positive number of decay steps (after the warmup).
        alpha: the final rate as a fraction of the decay's starting rate.
        name: the schedule's name.
        warmup_target: the rate reached at the end of the warmup, or None for
            no warmup.
        warmup_steps: number of warmup steps.

    Raises:
        ValueError: when ``decay_steps <= 0`` or ``warmup_steps < 0``.

    >>> schedule = CosineDecay(0.0, decay_steps=10, warmup_target=1.0, warmup_steps=4)
    >>> schedule(2), schedule(4), schedule(9), schedule(100)
    (0.5, 1.0, 0.5, 0.0)
    """

    def __init__(self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay", warmup_target=None,
                 warmup_steps=0):
        self.initial_learning_rate = check_number("CosineDecay", "initial_learning_rate", initial_learning_rate)
        self.decay_steps = _decay_steps("CosineDecay", decay_steps)
        self.alpha = check_number("CosineDecay", "alpha", alpha)
        self.name = name
        self.warmup_target = check_number("CosineDecay", "warmup_target", warmup_target, allow_none=True)
        check_number("CosineDecay", "warmup_steps", warmup_steps, low=0)
        self.warmup_steps = warmup_steps

    def _decay(self, step, start):
        cosine = 0.5 * (1.0 + math.cos(math.pi * step / self.decay_steps))
        return start * ((1.0 - self.alpha) * cosine + self.alpha)

    def __call__(self, step):
        step = float(step)
        if self.warmup_target is None:
            return self._decay(min(step, self.decay_steps), self.initial_learning_rate)
        step = min(step, self.decay_steps + self.warmup_steps)
        if step < self.warmup_steps:
            fraction = step / self.warmup_steps
            return (self.warmup_target - self.initial_learning_rate) * fraction + self.initial_learning_rate
        return self._decay(step - self.warmup_steps, self.warmup_target)

    def get_config(self):
        return {"initial_learning_rate": self.initial_learning_rate, "decay_steps": self.decay_steps,
                "alpha": self.alpha, "name": self.name, "warmup_target": self.warmup_target,
                "warmup_steps": self.warmup_steps}


_BUILT_IN = {cls.__name__: cls for cls in (ExponentialDecay, PiecewiseConstantDecay, PolynomialDecay,
                                           InverseTimeDecay, CosineDecay)}


def serialize(learning_rate_schedule):
    """The schedule as a JSON-ready dict in Keras's format.

    ``{'module': 'keras.optimizers.schedules', 'class_name': ..., 'config': ...,
    'registered_name': None}`` — the same dict Keras 3 writes, so either
    library can read the other's configs.

    Raises:
        TypeError: when the argument is not a :class:`LearningRateSchedule`.
    """
    if not isinstance(learning_rate_schedule, LearningRateSchedule):
        raise TypeError(f"schedules.serialize: expected a LearningRateSchedule, got {learning_rate_schedule!r}")
    return {"module": "keras.optimizers.schedules", "class_name": type(learning_rate_schedule).__name__,
            "config": learning_rate_schedule.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A schedule from ``{'class_name': ..., 'config': {...}}`` (other keys ignored).

    Args:
        config: the dict written by :func:`serialize` (or by Keras).
        custom_objects: optional ``{name: class}`` for user schedules.

    Raises:
        TypeError: when ``config`` is not such a dict.
        ValueError: for an unknown class name.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise TypeError(f"schedules.deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    known = {**_BUILT_IN, **(custom_objects or {})}
    name = config["class_name"]
    if name not in known:
        raise ValueError(f"schedules.deserialize: unknown schedule {name!r}; known: {sorted(known)}")
    return known[name].from_config(dict(config.get("config", {})))
