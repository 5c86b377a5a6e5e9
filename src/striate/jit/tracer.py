"""The recorder: while a step runs eagerly, note every primitive op it applies.

``Function.apply`` hands each op to the active :class:`Tracer` (see
``striate.autograd.function.set_tracer``): the op object, its inputs, the
arrays its ``forward`` received, its keyword arguments and its output. The
tracer gives every value a *slot* number: the step's inputs, the Variables it
reads (read again, in place, at every replay), Python constants, and each op's
output. That list of ops over slots is what :class:`~striate.jit.plan.Plan`
replays.

What a recording cannot see is anything computed *outside* the primitives: a
mask made with NumPy from a tensor's ``.data``, a constant array derived from
the batch. Replayed, such a value would be frozen at what it was on the traced
batch. So the tracer notes, as a *problem*, every array that enters an op
without coming from a slot it knows: a Tensor no recorded op made (and that is
neither an input nor a Variable), a raw array operand, an array or Tensor among
the keyword arguments. A recording with problems is never replayed.

>>> import numpy as np
>>> from striate.tensor import Tensor
>>> x = Tensor(np.ones((2, 3), "float32"))
>>> with Tracer([x]) as tracer:
...     y = (x * 2.0).sum()
>>> [type(op.fn).__name__ for op in tracer.ops], tracer.problems
(['Mul', 'Sum'], [])
>>> with Tracer([x]) as tracer:
...     y = x * Tensor(x.data > 1)          # a mask made outside the ops: frozen if replayed
>>> len(tracer.problems)
1
"""

import threading
import weakref

from striate.autograd.function import set_tracer
from striate.backend import xp
from striate.tensor import Tensor
from striate.variables import Variable

__all__ = ["Tracer", "RecordedOp"]


class RecordedOp:
    """One recorded primitive: ``out = fn.forward(*slots[ins], **kwargs)``.

    ``needs`` is the op's ``needs_grad`` when the traced step recorded it for
    backward, else None (the op is then forward-only in the plan).
    """

    __slots__ = ("fn", "ins", "kwargs", "out", "needs")

    def __init__(self, fn, ins, kwargs, out, needs):
        self.fn, self.ins, self.kwargs, self.out, self.needs = fn, ins, kwargs, out, needs


class Tracer:
    """Context manager that records the primitive ops applied by this thread.

    Args:
        inputs: the Tensors the step starts from (slots ``0 .. len(inputs) - 1``).

    Attributes:
        ops: the :class:`RecordedOp` list, in execution order.
        constants: ``{slot: value}`` of non-Tensor operands.
        variables: ``[(slot, Variable)]`` read by the ops.
        problems: descriptions of values that entered an op from outside the recording.
    """

    def __init__(self, inputs):
        # id(Tensor) -> slot, forgotten when the Tensor dies (so a new Tensor that reuses the
        # id is never taken for it); the tracer keeps no Tensor alive, so a traced inference
        # step frees its activations as the eager one does.
        self.slot_of = {}
        self._refs = {}
        self.ops, self.constants, self.variables, self.problems = [], {}, [], []
        self.n_slots = 0
        self.input_slots = [self._slot_for(t) for t in inputs]
        self._thread = threading.get_ident()
        self._previous = None

    def __enter__(self):
        self._previous = set_tracer(self)
        return self

    def __exit__(self, *exc):
        set_tracer(self._previous)
        return False

    def _slot_for(self, tensor):
        slot = self.n_slots
        self.n_slots += 1
        key = id(tensor)
        self.slot_of[key] = slot
        self._refs[key] = weakref.ref(tensor, lambda _, key=key: self._forget(key))
        return slot

    def _forget(self, key):
        self.slot_of.pop(key, None)
        self._refs.pop(key, None)

    def _constant(self, value):
        slot = self.n_slots
        self.n_slots += 1
        self.constants[slot] = value
        return slot

    def slot(self, tensor):
        """The slot of a Tensor seen while tracing, or None."""
        return self.slot_of.get(id(tensor))

    def record(self, fn, inputs, arrays, kwargs, out):
        """Called by ``Function.apply`` after ``fn.forward`` ran (see the module docstring)."""
        if threading.get_ident() != self._thread:
            return  # another thread's work is not part of this step
        name = type(fn).__name__
        ins = []
        for t, a in zip(inputs, arrays):
            if isinstance(t, Tensor):
                slot = self.slot_of.get(id(t))
                if slot is None:
                    if isinstance(t, Variable):
                        slot = self._slot_for(t)
                        self.variables.append((slot, t))
                    else:
                        self.problems.append(f"{name} reads a tensor of shape {t.shape} that no recorded op made "
                                             "(computed outside the primitives, it would be frozen)")
                        slot = self._constant(a)
            else:
                if isinstance(a, xp.ndarray):
                    self.problems.append(f"{name} reads a constant array of shape {a.shape} "
                                         "(if it came from the data it would be frozen)")
                slot = self._constant(a)
            ins.append(slot)
        for key, value in kwargs.items():
            if _holds_array(value):
                self.problems.append(f"{name} gets an array or tensor as its argument {key!r} "
                                     "(it would be frozen)")
        needs = fn.needs_grad if out.requires_grad else None
        if needs is None:
            fn.saved = None  # no backward will read it (the eager step let it go with the op)
        self.ops.append(RecordedOp(fn, tuple(ins), dict(kwargs), self._slot_for(out), needs))


def _holds_array(value):
    """Whether a keyword argument carries data that could change from batch to batch."""
    if isinstance(value, Variable):
        return False  # read through the Variable at every call
    if isinstance(value, (xp.ndarray, Tensor)):
        return True
    if isinstance(value, (list, tuple)):
        return any(_holds_array(v) for v in value)
    if isinstance(value, dict):
        return any(_holds_array(v) for v in value.values())
    return False
