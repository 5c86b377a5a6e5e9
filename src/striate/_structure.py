"""A counter that moves whenever some model's structure may have changed.

Compiled steps (``striate.jit``) replay a recording of one step; a recording is
only valid while the layers it came from behave as they did when it was made.
Anything that can change that behaviour without changing the input shapes (a
public attribute of a layer set after it is built — ``trainable``,
``activation``, ``rate`` —, a new weight, a new sublayer) moves this counter,
and a compiled step whose recording is older traces the step again.

It is a plain module with no imports, so the lowest layers of the house can
report changes without importing the jit machinery.

>>> before = version()
>>> changed()
>>> version() == before + 1
True
"""

__all__ = ["version", "changed"]

_version = 0


def version():
    """The current structure version (an int that only grows)."""
    return _version


def changed():
    """Record that some layer or model may now behave differently."""
    global _version
    _version += 1
