"""The functional graph: the nodes between a model's inputs and outputs, in run order.

``Model(inputs, outputs)`` walks back from the outputs through the nodes that
layers recorded when they were called on KerasTensors, stopping at the inputs,
and keeps the nodes in topological order. Running the model is one pass over
that list; each layer's output Tensors are kept until the pass ends, so several
paths through the graph (residual connections) simply read the same values and
backprop sums their gradients.
"""

from striate.autograd.function import is_grad_enabled
from striate.layers.symbolic import is_keras_tensor, tree_flatten, tree_map
from striate.tensor import Tensor

__all__ = ["FunctionalGraph"]


class FunctionalGraph:
    """Nodes from ``inputs`` to ``outputs`` in topological order.

    Args:
        inputs: KerasTensor or list/dict of them (the model's inputs).
        outputs: KerasTensor or list/dict of them.

    Raises:
        ValueError: when an output cannot be computed from the inputs
            ("graph disconnected") or an input is not a KerasTensor.
    """

    def __init__(self, inputs, outputs):
        self.input_structure, self.output_structure = inputs, outputs
        self.inputs = tree_flatten(inputs, is_leaf=is_keras_tensor)
        self.outputs = tree_flatten(outputs, is_leaf=is_keras_tensor)
        for label, tensors in (("inputs", self.inputs), ("outputs", self.outputs)):
            for t in tensors:
                if not is_keras_tensor(t):
                    raise ValueError(f"Model {label} must be symbolic tensors from Input() and layer calls, got {t!r}")
        self.nodes = self._topological_nodes()
        self._last_use = self._last_uses()
        self.layers, seen = [], set()
        for node in [t.node for t in self.inputs] + self.nodes:
            if id(node.layer) not in seen:  # a shared layer is listed once, at its first use
                seen.add(id(node.layer))
                self.layers.append(node.layer)

    def _topological_nodes(self):
        """Nodes (excluding the inputs' own) each after the nodes it reads from."""
        input_ids = {id(t) for t in self.inputs}
        order, visited, stack = [], set(), [(t, False) for t in reversed(self.outputs)]
        while stack:
            tensor, inputs_done = stack.pop()
            node = tensor.node
            if inputs_done:
                if id(node) not in visited:
                    visited.add(id(node))
                    order.append(node)
                continue
            if id(tensor) in input_ids or id(node) in visited:
                continue
            if node is None or not node.inputs:
                raise ValueError(f"Graph disconnected: cannot obtain the value of {tensor!r} from the model's "
                                 f"inputs {[t.name for t in self.inputs]}; pass the Input it comes from")
            stack.append((tensor, True))
            stack.extend((t, False) for t in reversed(node.inputs) if id(t) not in input_ids)
        return order

    def _last_uses(self):
        """id(KerasTensor) -> index of the last node that reads it (outputs are never freed)."""
        last = {}
        for index, node in enumerate(self.nodes):
            for t in node.inputs:
                last[id(t)] = index
        for t in self.outputs:
            last.pop(id(t), None)
        return last

    def run(self, inputs, training=None):
        """Evaluate the graph on real Tensors given in the order of :attr:`inputs`.

        Returns:
            The output Tensors in the structure of ``outputs``.
        """
        values = {id(t): value for t, value in zip(self.inputs, inputs)}
        # Without a graph to keep for backward, each value is dropped after its last
        # reader, so inference holds a few activations at a time, not all of them.
        free = not is_grad_enabled()
        for index, node in enumerate(self.nodes):
            args = tree_map(lambda t: values[id(t)], node.input_structure, is_leaf=is_keras_tensor)
            kwargs = dict(node.kwargs)
            if training is not None and "training" not in kwargs:
                kwargs["training"] = training
            result = node.layer(args, *node.args, **kwargs)
            for t, value in zip(node.outputs, tree_flatten(result, is_leaf=lambda v: isinstance(v, Tensor))):
                values[id(t)] = value
            if free:
                for t in node.inputs:
                    if self._last_use.get(id(t)) == index:
                        values.pop(id(t), None)
        return tree_map(lambda t: values[id(t)], self.output_structure, is_leaf=is_keras_tensor)
