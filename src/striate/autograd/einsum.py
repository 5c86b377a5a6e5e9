"""Einstein summation over any number of operands.

Why a primitive: a composition would have to plan every equation into
transposes, broadcasts and ``matmul`` calls; as one op the forward is
``numpy.einsum`` (with its contraction-order optimiser) and the gradient of
each operand is itself one einsum: the output gradient contracted with the
other operands onto that operand's subscripts. Letters that occur only in the
operand are broadcast back, repeated letters (a diagonal such as ``'ii->i'``)
are written into the diagonal, and size-1 axes that broadcast are summed.

>>> import numpy as np, striate
>>> from striate.autograd.einsum import Einsum
>>> a = striate.Tensor(np.eye(2), requires_grad=True)
>>> Einsum.apply(a, np.ones((2, 3)), subscripts="ij,jk->ik").shape
(2, 3)
"""

from striate.autograd.function import Function
from striate.backend import xp

__all__ = ["Einsum", "parse_subscripts"]

_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"


def parse_subscripts(subscripts, shapes):
    """``(input_terms, output_term)`` with ellipses spelled out as letters and the output explicit.

    Raises:
        ValueError: when the equation does not fit the operands.
    """
    equation = subscripts.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(f"einsum: '{subscripts}' names {len(terms)} operands, got {len(shapes)}")
    used = set(equation) - set(".,->")
    if not used <= set(_LETTERS):
        raise ValueError(f"einsum: subscripts must be letters, got '{subscripts}'")
    spare = [c for c in _LETTERS if c not in used]
    widest = 0
    for term, shape in zip(terms, shapes):
        named = len(term.replace("...", ""))
        if "..." not in term and named != len(shape) or named > len(shape):
            raise ValueError(f"einsum: term '{term}' does not fit an operand of shape {tuple(shape)}")
        widest = max(widest, len(shape) - named if "..." in term else 0)
    ellipsis = "".join(spare[:widest])
    explicit = [t.replace("...", ellipsis[widest - (len(s) - len(t.replace('...', ''))):])
                if "..." in t else t for t, s in zip(terms, shapes)]
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        counts = {c: "".join(explicit).count(c) for c in set("".join(explicit))}
        output = ellipsis + "".join(sorted(c for c, n in counts.items() if n == 1 and c not in ellipsis))
    if len(set(output)) != len(output) or not set(output) <= set("".join(explicit)):
        raise ValueError(f"einsum: output '{output}' must name distinct letters of the inputs in '{subscripts}'")
    return explicit, output


class Einsum(Function):
    """``numpy.einsum(subscripts, *operands)``, differentiable in every float operand."""

    def forward(self, *operands, subscripts):
        terms, output = parse_subscripts(subscripts, [xp.shape(o) for o in operands])
        sizes = {}
        for term, o in zip(terms, operands):
            for c, n in zip(term, xp.shape(o)):
                sizes[c] = max(sizes.get(c, 1), n)
        self.saved = (operands, terms, output, sizes)
        return xp.asarray(xp.einsum(f"{','.join(terms)}->{output}", *operands, optimize=len(operands) > 2))

    def backward(self, dy):
        operands, terms, output, sizes = self.saved
        return tuple(self._gradient(i, dy) if need else None for i, need in enumerate(self.needs_grad))

    def _gradient(self, i, dy):
        operands, terms, output, sizes = self.saved
        term, operand = terms[i], operands[i]
        others = [(t, o) for j, (t, o) in enumerate(zip(terms, operands)) if j != i]
        available = set(output).union(*[set(t) for t, _ in others])
        unique = "".join(dict.fromkeys(term))
        present = "".join(c for c in unique if c in available)
        equation = ",".join([output] + [t for t, _ in others]) + "->" + present
        g = xp.einsum(equation, dy, *[o for _, o in others], optimize=len(others) > 1)
        # letters of this operand alone: the output does not depend on where along them it reads
        shape_u = tuple(sizes[c] for c in unique)
        g = xp.broadcast_to(xp.expand_dims(g, tuple(k for k, c in enumerate(unique) if c not in available))
                            if len(present) < len(unique) else g, shape_u)
        # (*unique sizes) -> operand's shape: sum axes the operand broadcast with size 1
        axes = tuple(k for k, c in enumerate(unique) if xp.shape(operand)[term.index(c)] == 1 and sizes[c] > 1)
        if axes:
            g = g.sum(axis=axes, keepdims=True)
        if len(unique) == len(term):
            return xp.ascontiguousarray(g.astype(dy.dtype, copy=False))
        da = xp.zeros(xp.shape(operand), dtype=dy.dtype)
        xp.einsum(f"{term}->{unique}", da)[...] = g  # a writable view of the diagonal
        return da
