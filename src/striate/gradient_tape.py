"""GradientTape: TensorFlow's ``with tape: ...; tape.gradient(loss, variables)`` on striate's graph.

striate records every op on Tensors anyway (``loss.backward()`` is the native
way to get gradients, see ``models/steps.py``); the tape is a thin context
manager for code written for TensorFlow. ``tape.gradient(target, sources)``
runs one backward pass from ``target`` and returns the gradient of each source
as a NumPy array (None for a source the target does not depend on), in the
structure of ``sources``. It leaves no trace: every ``.grad`` in the graph is
as it was before the call, so other variables never see these gradients.

>>> import numpy as np
>>> import striate
>>> w = striate.Variable(np.array([1.0, 2.0]), name="w")
>>> b = striate.Variable(np.array([0.5]), name="b")
>>> with striate.GradientTape() as tape:
...     loss = (w * w).sum() * 3.0
>>> grad_w, grad_b = tape.gradient(loss, [w, b])
>>> grad_w.tolist(), grad_b is None, w.grad is None       # 6w; b is unused; w.grad untouched
([6.0, 12.0], True, True)
"""

from striate.autograd import enable_grad
from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["GradientTape"]


class GradientTape:
    """Context manager recording ops for :meth:`gradient` (TensorFlow's API).

    Args:
        persistent: allow several :meth:`gradient` calls (TensorFlow refuses a second
            call on a non-persistent tape; so does striate, with a RuntimeError).
        watch_accessed_variables: accepted for compatibility: striate records every
            trainable Variable; other Tensors need :meth:`watch` before they are used.
    """

    def __init__(self, persistent=False, watch_accessed_variables=True):
        self.persistent = bool(persistent)
        self.watch_accessed_variables = bool(watch_accessed_variables)
        self._used = False
        self._grad_mode = None

    def __enter__(self):
        self._grad_mode = enable_grad()
        self._grad_mode.__enter__()
        return self

    def __exit__(self, *exc):
        self._grad_mode.__exit__(*exc)
        return False

    def watch(self, tensor):
        """Record gradients for ``tensor`` (or a list of them) from now on: a float Tensor
        that was a constant becomes one that requires a gradient."""
        for t in _flatten(tensor):
            if not isinstance(t, Tensor):
                raise TypeError(f"GradientTape.watch: expected Tensors, got {type(t).__name__}")
            if t.dtype.kind == "f":
                t.requires_grad = True

    def gradient(self, target, sources, output_gradients=None, unconnected_gradients="none"):
        """d(target)/d(source) for every source, as arrays in the structure of ``sources``.

        Args:
            target: a Tensor (a non-scalar target is summed, as TensorFlow does), or a list of
                them (their sum).
            sources: a Tensor or Variable, or a list/tuple/dict of them.
            output_gradients: optional seed of the same shape as ``target``.
            unconnected_gradients: ``"none"`` (None for unused sources) or ``"zero"``.

        Raises:
            RuntimeError: for a second call on a non-persistent tape.
            ValueError: for an unknown ``unconnected_gradients``.
        """
        if self._used and not self.persistent:
            raise RuntimeError("GradientTape.gradient can only be called once on a non-persistent tape; "
                               "use GradientTape(persistent=True) to call it several times")
        if unconnected_gradients not in ("none", "zero"):
            raise ValueError(f"GradientTape.gradient: unconnected_gradients must be 'none' or 'zero', "
                             f"got {unconnected_gradients!r}")
        self._used = True
        flat = _flatten(sources)
        grads = _gradients(target, flat, output_gradients)
        if unconnected_gradients == "zero":
            grads = [xp.zeros_like(s.data) if g is None else g for s, g in zip(flat, grads)]
        return _unflatten(sources, iter(grads))


def _gradients(target, sources, seed):
    targets = [t for t in _flatten(target) if isinstance(t, Tensor) and t.requires_grad]
    if not targets:
        return [None] * len(sources)
    total = targets[0] if len(targets) == 1 else sum(targets[1:], targets[0])
    if seed is None and total.data.size != 1:
        seed = xp.ones_like(total.data)  # TensorFlow's rule: the gradient of the sum
    nodes = total._topological_order()
    ids = {id(s) for s in sources}
    saved = [(n, n.grad, n._retain) for n in nodes if n._ctx is None or id(n) in ids]
    try:
        for node, _, _ in saved:
            node.grad = None
            if id(node) in ids:
                node._retain = True  # an intermediate tensor among the sources keeps its gradient
        total.backward(seed)
        in_graph = {id(n): n.grad for n, _, _ in saved}
        return [in_graph.get(id(s)) for s in sources]
    finally:
        for node, grad, retain in saved:
            node.grad, node._retain = grad, retain


def _flatten(structure):
    if isinstance(structure, dict):
        return [leaf for value in structure.values() for leaf in _flatten(value)]
    if isinstance(structure, (list, tuple)):
        return [leaf for value in structure for leaf in _flatten(value)]
    return [structure]


def _unflatten(structure, values):
    if isinstance(structure, dict):
        return {key: _unflatten(value, values) for key, value in structure.items()}
    if isinstance(structure, list):
        return [_unflatten(value, values) for value in structure]
    if isinstance(structure, tuple):
        return tuple(_unflatten(value, values) for value in structure)
    return next(values)
