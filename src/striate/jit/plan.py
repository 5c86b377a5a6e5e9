"""A recorded step as a flat list of array calls, and its replay forward and backward.

A :class:`Plan` is what a :class:`~striate.jit.tracer.Tracer` saw, frozen: the
primitive ops in execution order, each reading numbered slots. Replaying it
runs each op's ``forward`` on arrays — no Tensor objects, no layer ``__call__``
machinery, no graph walk — and, for training, each recorded op's ``backward``
in reverse order, summing the gradients that reach a slot from several ops.
The Variables' arrays are read at every replay (``variable.data``), so
``set_weights`` and optimizer updates are seen; the ops are reused, so each
``forward`` refreshes what its ``backward`` needs.

Memory: a slot is dropped after its last reader in the forward (what backward
needs is kept by the op itself), an op forgets its saved arrays as soon as its
backward has run, and in a forward-only replay right after its forward, so a
replay holds no more than the eager step it came from.

>>> import numpy as np
>>> from striate.tensor import Tensor
>>> from striate.jit.tracer import Tracer
>>> x = Tensor(np.array([1.0, 2.0], "float32"))
>>> with Tracer([x]) as tracer:
...     y = x * x + 1.0
>>> plan = Plan(tracer, [y])
>>> plan.forward([np.array([3.0, 4.0], "float32")], keep=False)[0].tolist()
[10.0, 17.0]
"""

from striate.jit.rewrite import fold_batch_norm, fuse_add_relu, fuse_batch_norm_relu

__all__ = ["Plan"]


class Plan:
    """Replayable ops of one traced step.

    Args:
        tracer: the finished :class:`~striate.jit.tracer.Tracer`.
        outputs: the Tensors whose values a replay returns (they must come from
            the recording or be its inputs).
        extra_slots: further slots whose values a replay returns after them.

    Attributes:
        output_slots: slots of ``outputs``, in order.
        variables: the Variables read, in the order first read.
    """

    def __init__(self, tracer, outputs, extra_slots=()):
        self.n_slots = tracer.n_slots
        self.input_slots = list(tracer.input_slots)
        self.variables = [v for _, v in tracer.variables]
        self._variable_slots = [s for s, _ in tracer.variables]
        self.output_slots = [tracer.slot(t) for t in outputs] + list(extra_slots)
        if any(s is None for s in self.output_slots):
            raise ValueError("jit: an output of the step was not made by a recorded op")
        ops = fuse_batch_norm_relu(list(tracer.ops), set(self.output_slots))
        if all(op.needs is None for op in ops):  # forward only: batch norm folds into convolutions
            ops = fold_batch_norm(ops, set(self.output_slots), self._new_slot, tracer.constants)
            ops = fuse_add_relu(ops, set(self.output_slots))
        self._template = [None] * self.n_slots
        for slot, value in tracer.constants.items():
            self._template[slot] = value
        self._fns = [op.fn for op in ops]
        # Drop a slot after its last reader, except outputs, inputs and constants.
        last = {}
        for index, op in enumerate(ops):
            for s in op.ins:
                last[s] = index
        keep = set(self.output_slots) | set(self.input_slots) | set(tracer.constants)
        frees = [[] for _ in ops]
        for s, index in last.items():
            if s not in keep:
                frees[index].append(s)
        self._forward_steps = [(op.fn.forward, op.fn, op.ins, op.kwargs or None, op.out, tuple(frees[i]) or None)
                               for i, op in enumerate(ops)]
        self._backward_steps = [(op.fn, op.ins, op.needs, op.out) for op in reversed(ops) if op.needs is not None]
        for fn in self._fns:  # what the traced step kept for its own backward
            fn.saved = None
            fn.parents = None

    def _new_slot(self):
        self.n_slots += 1
        return self.n_slots - 1

    def slot_of_variable(self, variable):
        """The slot that holds ``variable``'s array, or None if no op reads it."""
        for slot, v in zip(self._variable_slots, self.variables):
            if v is variable:
                return slot
        return None

    def forward(self, inputs, keep):
        """Run the ops on ``inputs`` (arrays, in the order of the traced inputs).

        Args:
            keep: whether the ops keep what their backward needs (training); if
                False each op forgets it at once.

        Returns:
            The arrays of the output slots. With ``keep``, also the replay's slot
            values stay available to :meth:`backward` through the ops.
        """
        vals = self._template[:]
        for slot, array in zip(self.input_slots, inputs):
            vals[slot] = array
        for slot, v in zip(self._variable_slots, self.variables):
            vals[slot] = v.data
        for forward, fn, ins, kwargs, out, frees in self._forward_steps:
            args = [vals[i] for i in ins]
            vals[out] = forward(*args, **kwargs) if kwargs else forward(*args)
            if not keep:
                fn.saved = None
            if frees:
                for s in frees:
                    vals[s] = None
        return [vals[s] for s in self.output_slots]

    def backward(self, seeds, slots):
        """Gradients of the ``slots`` given the gradients ``seeds`` (``{slot: array}``) of some outputs.

        Each op's backward runs once its output's gradient is complete (reverse
        recording order is a reverse topological order); its saved arrays are
        dropped right after. Slots that no gradient reaches get None.
        """
        grads = [None] * self.n_slots
        for slot, g in seeds.items():
            grads[slot] = g
        wanted = set(slots)
        for fn, ins, needs, out in self._backward_steps:
            g = grads[out]
            if g is None:
                fn.saved = None
                continue
            if out not in wanted:
                grads[out] = None
            input_grads = fn.backward(g)
            fn.saved = None
            for s, needed, pg in zip(ins, needs, input_grads):
                if needed and pg is not None:
                    current = grads[s]
                    # Out of place: an op may hand the same array to several inputs.
                    grads[s] = pg if current is None else current + pg
        return [grads[s] for s in slots]

    def release(self):
        """Forget every array the ops still hold (after a step, or a step that failed)."""
        for fn in self._fns:
            fn.saved = None
