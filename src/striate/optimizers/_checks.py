"""Argument checks shared by the optimizers and the learning-rate schedules.

Each check names the owner (``"Adam"``) and the argument, so a bad value fails
at construction with a message such as ``Adam: `beta_1` must be a number in
[0, 1), got 1.5`` instead of producing NaNs many steps later.

>>> check_number("SGD", "momentum", 0.9, low=0.0, high=1.0)
0.9
>>> check_number("SGD", "momentum", -1.0, low=0.0, high=1.0)
Traceback (most recent call last):
ValueError: SGD: `momentum` must be a number in [0.0, 1.0], got -1.0
"""

import math
import numbers

__all__ = ["check_number", "check_int", "check_bool"]


def _is_real(value):
    # bool is an int subclass, but True as a learning rate is a bug.
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_number(owner, arg, value, *, low=None, high=None, high_open=False, allow_none=False):
    """``value`` as a Python float after checking its type and range.

    Args:
        owner: the class name used in messages.
        arg: the argument's name.
        value: the value received.
        low: inclusive lower bound, or None.
        high: upper bound, or None; exclusive when ``high_open``.
        allow_none: whether ``None`` is accepted (and returned).

    Raises:
        TypeError: when ``value`` is not a real number (bools are refused).
        ValueError: when it is NaN or outside the range.
    """
    if value is None and allow_none:
        return None
    if not _is_real(value):
        raise TypeError(f"{owner}: `{arg}` must be a number, got {value!r} of type {type(value).__name__}")
    number = float(value)
    too_low = low is not None and not number >= low
    too_high = high is not None and not (number < high if high_open else number <= high)
    if math.isnan(number) or too_low or too_high:
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{owner}: `{arg}` must be a number in [{lo}, {hi}{')' if high_open else ']'}, got {value!r}")
    return number


def check_int(owner, arg, value, *, low, allow_none=False):
    """``value`` as a Python int ``>= low`` (or None when ``allow_none``).

    Raises:
        TypeError: when ``value`` is not an integer.
        ValueError: when it is smaller than ``low``.
    """
    if value is None and allow_none:
        return None
    if not isinstance(value, numbers.Integral) or isinstance(value, bool):
        raise TypeError(f"{owner}: `{arg}` must be an integer, got {value!r} of type {type(value).__name__}")
    if value < low:
        raise ValueError(f"{owner}: `{arg}` must be an integer >= {low}, got {value!r}")
    return int(value)


def check_bool(owner, arg, value):
    """``value`` as a Python bool.

    Raises:
        TypeError: for anything but ``True``/``False`` (a string such as
            ``"False"`` would otherwise count as true).
    """
    if not isinstance(value, bool) and type(value).__name__ != "bool_":
        raise TypeError(f"{owner}: `{arg}` must be True or False, got {value!r}")
    return bool(value)
