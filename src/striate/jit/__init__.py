"""Compiled steps: record a training (or test, or predict) step once, replay it as flat array calls.

``Model.compile(jit_compile="auto")`` (the default) makes ``fit``, ``evaluate``,
``predict`` and the ``*_on_batch`` methods run compiled steps where that is safe;
``jit_compile=False`` or ``run_eagerly=True`` keep every step eager (for
debugging, as in Keras). See ``step.py`` for how a step is traced, checked and
replayed, ``tracer.py`` and ``safety.py`` for what may be compiled.
"""

from striate.jit.plan import Plan
from striate.jit.safety import untraceable_reason
from striate.jit.step import CompiledStep, compiled_step
from striate.jit.tracer import Tracer

__all__ = ["Plan", "Tracer", "CompiledStep", "compiled_step", "untraceable_reason"]
