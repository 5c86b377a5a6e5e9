"""Cross-entropy of a softmax output, computed by the compiled step itself.

The common classifier — one softmax output trained with (sparse) categorical
cross-entropy, no penalties, the default ``compute_loss`` — spends 100-150 us
per step in the eager loss (the label checks, a log-softmax done again, a small
graph and its backward): about a tenth of a step of the reference networks
(a) and (b). The plan has already computed ``log_softmax(z)`` and ``softmax(z)``
of the logits ``z``; with them the batch loss and its gradient with respect to
the logits are a few array operations::

    loss = -sum_i w_i * log p[i, label_i] / N          dloss/dz = (p - onehot) * w_i / N

(``w_i`` the sample weights, 1 without; one-hot targets ``y`` give
``-sum(y * log p)`` and ``p * sum(y) - y``), the same values as the eager loss
up to float32 rounding. Anything else — other losses or reductions,
``ignore_class``, label smoothing, float labels, labels outside ``[0, classes)``
(the eager loss raises the proper error for those) — takes the eager loss.

>>> import numpy as np
>>> from striate.losses import SparseCategoricalCrossentropy
>>> fast = SoftmaxCrossEntropy.for_loss(SparseCategoricalCrossentropy())
>>> logp = np.log(np.array([[0.25, 0.75], [0.5, 0.5]], dtype="float32"))
>>> loss, dz = fast(np.array([1, 0]), None, logp, np.exp(logp))
>>> round(loss, 4), dz.round(3).tolist()
(0.4904, [[0.125, -0.125], [-0.25, 0.25]])
"""

from striate.backend import xp
from striate.losses.crossentropy import CategoricalCrossentropy, SparseCategoricalCrossentropy

__all__ = ["SoftmaxCrossEntropy"]


class SoftmaxCrossEntropy:
    """``(y, sample_weight, logp, p) -> (loss as a float, dloss/dlogits)``, or None to use the eager loss."""

    def __init__(self, sparse):
        self.sparse = sparse

    @classmethod
    def for_loss(cls, loss):
        """The fast version of a compiled per-output loss object, or None."""
        kind = type(loss)
        if kind is SparseCategoricalCrossentropy:
            if loss.ignore_class is not None:
                return None
        elif kind is CategoricalCrossentropy:
            if loss.label_smoothing:
                return None
        else:
            return None
        if loss.from_logits or loss.axis not in (-1,) or loss.reduction != "sum_over_batch_size" \
                or loss.dtype is not None:
            return None
        return cls(kind is SparseCategoricalCrossentropy)

    def __call__(self, y, sample_weight, logp, p):
        # The same array operations, in the same order, as the eager loss and its backward
        # (Loss.__call__ with _expand_last, then Mul, Sum and LogSoftmax's backward), so the
        # compiled step's weights are bit-identical to eager ones.
        if logp.ndim != 2 or logp.dtype != p.dtype:
            return None
        n, classes = logp.shape
        if self.sparse:
            if y.dtype.kind not in "iu" or y.size != n or (y.ndim == 2 and y.shape[1] != 1) or y.ndim > 2:
                return None
            labels = y.reshape(n).astype(xp.intp, copy=False)
            if n and (labels.min() < 0 or labels.max() >= classes):
                return None
            coefficients = xp.zeros(logp.shape, dtype=logp.dtype)
            coefficients[xp.arange(n), labels] = -1.0
        else:
            if y.shape != logp.shape or y.dtype.kind not in "biuf":
                return None
            coefficients = -y.astype(logp.dtype, copy=False)
        scale = 0.0 if n == 0 else 1.0 / float(n)
        if sample_weight is None:
            combined = coefficients * scale  # float32 times a Python float: float32, as _expand_last's
        else:
            w = sample_weight.astype(logp.dtype, copy=False).reshape(n) * xp.asarray(scale, dtype=logp.dtype)
            combined = (w[:, None] * coefficients).astype(logp.dtype, copy=False)
        loss = float((logp * combined).sum())
        dlogits = combined - xp.exp(logp) * combined.sum(axis=-1, keepdims=True)
        return loss, dlogits
