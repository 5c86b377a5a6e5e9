"""Rewrites of a recorded forward-only step (evaluate, predict): fewer passes, same values.

Batch normalization at inference is a per-channel affine map ``x * scale + shift``
(``ChannelAffine``, with ``scale`` and ``shift`` computed from the Variables
by small ops just before it). After a convolution it folds into the
convolution's weights::

    conv(x, w, b) * scale + shift == conv(x, w * scale, b * scale + shift)

so the plan makes the folded kernel and bias (two small products on the weights,
recomputed at every replay, so trained or ``set_weights`` values are always the
current ones) and drops the pass over the activation; a ReLU that reads only the
affine map's output is then fused into the convolution too (it rectifies each
chunk while it is in the cache). Network (e) at batch 256 makes seven such
passes and four ReLU passes over 16 MB activations per batch.

The folded products round differently from the unfolded ones (float32, relative
differences of order 1e-7); the compiled step's check on the second batch
compares the rewritten plan with eager.

>>> ops = []   # (a plan without convolutions is left as it is)
>>> fold_batch_norm(ops, protected=set(), new_slot=iter(range(10)).__next__) is ops
True
"""

from striate.autograd._parallel import over_batch
from striate.autograd._workspace import zeros
from striate.autograd.conv import Conv
from striate.autograd.elementwise import Add, Mul, ReLU
from striate.autograd.normalization import BatchNorm, ChannelAffine
from striate.backend import xp
from striate.jit.tracer import RecordedOp

__all__ = ["fold_batch_norm", "fuse_add_relu", "fuse_batch_norm_relu"]


def _readers(ops):
    readers = {}
    for index, op in enumerate(ops):
        for s in op.ins:
            readers.setdefault(s, []).append(index)
    return readers


def fold_batch_norm(ops, protected, new_slot, constants=None):
    """``ops`` with each Conv -> ChannelAffine (-> ReLU) chain folded into one Conv.

    Args:
        ops: RecordedOps of a forward-only plan, in execution order.
        protected: slots that must keep their values (the plan's outputs).
        new_slot: function returning a fresh slot number.
        constants: the plan's ``{slot: value}`` constants (to read a Conv's None bias).

    Returns:
        The rewritten list (``ops`` itself when nothing was folded).
    """
    constants = constants or {}
    readers = _readers(ops)

    def only_reader(slot):
        found = readers.get(slot, [])
        return found[0] if len(found) == 1 and slot not in protected else None

    replace, drop = {}, set()
    for index, op in enumerate(ops):
        if type(op.fn) is not Conv or op.kwargs.get("relu") or index in drop:
            continue
        affine_index = only_reader(op.out)
        if affine_index is None or type(ops[affine_index].fn) is not ChannelAffine \
                or ops[affine_index].ins[0] != op.out:
            continue
        affine = ops[affine_index]
        scale, shift = affine.ins[1], affine.ins[2]
        x, w = op.ins[0], op.ins[1]
        b = op.ins[2] if len(op.ins) > 2 and constants.get(op.ins[2], 0) is not None else None
        folded = [RecordedOp(Mul(), (w, scale), {}, new_slot(), None)]
        bias = shift
        if b is not None:
            scaled = RecordedOp(Mul(), (b, scale), {}, new_slot(), None)
            folded += [scaled, RecordedOp(Add(), (scaled.out, shift), {}, new_slot(), None)]
            bias = folded[-1].out
        kwargs, out = dict(op.kwargs), affine.out
        relu_index = only_reader(affine.out)
        if relu_index is not None and type(ops[relu_index].fn) is ReLU:
            kwargs["relu"], out = True, ops[relu_index].out
            drop.add(relu_index)
        folded.append(RecordedOp(Conv(), (x, folded[0].out, bias), kwargs, out, None))
        drop.add(index)
        replace[affine_index] = folded
    if not replace:
        return ops
    rewritten = []
    for index, op in enumerate(ops):
        if index in replace:
            rewritten.extend(replace[index])
        elif index not in drop:
            rewritten.append(op)
    return rewritten


class AddReLU:
    """``max(a + b, 0)`` for same-shaped arrays, in one pass over cache-sized rows.

    Not an autograd primitive: only forward-only plans use it (a residual block's
    ``relu(x + h)`` at inference, which made two passes over the activation).
    """

    saved = None

    def forward(self, a, b):
        out = xp.empty_like(a)
        zero = zeros(a.shape[1:], a.dtype)

        def part(i, j):
            for k in range(i, j, _ROWS):
                stop = min(j, k + _ROWS)
                xp.add(a[k:stop], b[k:stop], out=out[k:stop])
                xp.maximum(out[k:stop], zero, out=out[k:stop])

        over_batch(part, len(a), a.nbytes)
        return out


_ROWS = 4  # samples per block: 4 x 64 KiB for a 32x32x16 float32 activation


def fuse_add_relu(ops, protected):
    """``ops`` with each same-shape Add whose only reader is a ReLU replaced by one :class:`AddReLU`."""
    readers = _readers(ops)
    made_by = {op.out: op for op in ops}
    replace, drop = {}, set()
    for index, op in enumerate(ops):
        if type(op.fn) is not Add or op.out in protected or len(readers.get(op.out, [])) != 1:
            continue
        relu_index = readers[op.out][0]
        if type(ops[relu_index].fn) is not ReLU:
            continue
        a, b = (made_by.get(s) for s in op.ins)
        if a is None or b is None or type(a.fn) not in (Conv, ReLU, Add, AddReLU) \
                or type(b.fn) not in (Conv, ReLU, Add, AddReLU):
            continue  # only arrays of known, equal shapes (the convolutions of a residual block)
        replace[index] = RecordedOp(AddReLU(), op.ins, {}, ops[relu_index].out, None)
        drop.add(relu_index)
    if not replace:
        return ops
    return [replace.get(i, op) for i, op in enumerate(ops) if i not in drop]


def fuse_batch_norm_relu(ops, protected):
    """``ops`` with each training-mode BatchNorm whose only reader is a ReLU made to rectify
    itself (``relu=True``, see ``BatchNorm``); forward and backward, any plan."""
    readers = _readers(ops)
    drop = set()
    for index, op in enumerate(ops):
        if type(op.fn) is not BatchNorm or op.kwargs.get("relu") or op.out in protected:
            continue
        found = readers.get(op.out, [])
        if len(found) != 1 or type(ops[found[0]].fn) is not ReLU:
            continue
        relu = ops[found[0]]
        op.kwargs = {**op.kwargs, "relu": True}
        op.out = relu.out
        drop.add(found[0])
    return ops if not drop else [op for i, op in enumerate(ops) if i not in drop]
