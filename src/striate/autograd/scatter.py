"""Scatter-add: values added into a zero array at given positions.

Why a primitive: it is the adjoint of :class:`~striate.autograd.movement.GetItem`
(whose backward scatters), and no other op writes to computed positions; the only
composition is a product with a dense one-hot matrix of ``size x len(values)``
entries. Forward is one ``numpy.add.at`` (repeated positions add up), backward
reads the output gradient at the same positions.

>>> import numpy as np, striate
>>> from striate.autograd.scatter import ScatterAdd
>>> ScatterAdd.apply(striate.Tensor([1.0, 2.0, 3.0]), index=(np.array([0, 2, 0]),), shape=(3,)).data.tolist()
[4.0, 0.0, 2.0]
"""

from striate.autograd.function import Function, unbroadcast
from striate.backend import xp

__all__ = ["ScatterAdd"]


class ScatterAdd(Function):
    """``out = zeros(shape); out[index] += values`` with repeats summed.

    Args (of ``apply``): ``values`` (broadcastable to ``out[index]``), ``index`` (a
    tuple of integer arrays, as for NumPy advanced indexing), ``shape``.
    """

    def forward(self, values, index, shape):
        out = xp.zeros(shape, dtype=values.dtype)
        xp.add.at(out, index, values)
        self.saved = (index, xp.shape(values))
        return out

    def backward(self, dy):
        index, shape = self.saved
        g = dy[index]
        if g.shape != shape:  # values were broadcast over the selected positions
            g = unbroadcast(g, shape)
        return (g,)
