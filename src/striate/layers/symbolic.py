"""Symbolic tensors and graph nodes: how ``Input`` and the functional API record a model.

A :class:`KerasTensor` has a shape (batch axis ``None``) and a dtype but no
values. Calling a layer on KerasTensors creates a :class:`Node` that remembers
the layer, its inputs and its outputs; a ``Model(inputs, outputs)`` is the set
of nodes between them, run in topological order.

>>> t = KerasTensor((None, 4))
>>> t.shape
(None, 4)
"""

__all__ = ["KerasTensor", "Node", "is_symbolic", "is_keras_tensor", "tree_map", "tree_flatten"]


class KerasTensor:
    """A placeholder for a Tensor in a functional graph: shape and dtype only.

    Attributes:
        node: the Node that produced it.
        index: which of that node's outputs it is.
    """

    def __init__(self, shape, dtype="float32", name=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self.node = None
        self.index = 0

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        producer = f", produced by {self.node.layer.name!r}" if self.node else ""
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}{producer}>"

    def __array__(self, *args, **kwargs):
        raise TypeError("a symbolic KerasTensor (from Input) has no values: build a Model from it and call "
                        "predict() or the model itself on real data")

    def __bool__(self):
        raise TypeError("a symbolic KerasTensor has no truth value")


class Node:
    """One call of a layer in a functional graph.

    Attributes:
        layer: the layer called.
        input_structure: the symbolic inputs as given (a KerasTensor, list or dict).
        args, kwargs: other call arguments (e.g. ``training=False`` fixed at graph time).
        inputs: the flat list of input KerasTensors.
        outputs: the flat list of output KerasTensors.
        output_structure: the outputs as the layer returned them.
    """

    def __init__(self, layer, input_structure, args, kwargs, outputs):
        self.layer = layer
        self.input_structure = input_structure
        self.args = tuple(args)
        self.kwargs = dict(kwargs)
        self.inputs = tree_flatten(input_structure, is_leaf=is_keras_tensor) if input_structure is not None else []
        self.outputs = list(outputs)
        self.output_structure = self.outputs[0] if len(self.outputs) == 1 else list(self.outputs)

    @property
    def parent_nodes(self):
        return [t.node for t in self.inputs if t.node is not None]


def is_keras_tensor(value):
    return isinstance(value, KerasTensor)


def is_symbolic(value):
    """Whether ``value`` is a KerasTensor or a (nested) list/tuple/dict holding one."""
    if isinstance(value, KerasTensor):
        return True
    if isinstance(value, (list, tuple)):
        return any(is_symbolic(v) for v in value)
    if isinstance(value, dict):
        return any(is_symbolic(v) for v in value.values())
    return False


def _default_leaf(value):
    return not isinstance(value, (list, tuple, dict))


def tree_map(fn, structure, is_leaf=None):
    """Apply ``fn`` to every leaf of nested lists/tuples/dicts, keeping the structure."""
    is_leaf = is_leaf or _default_leaf
    if is_leaf(structure):
        return fn(structure)
    if isinstance(structure, dict):
        return {k: tree_map(fn, v, is_leaf) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return type(structure)(tree_map(fn, v, is_leaf) for v in structure)
    return fn(structure)


def tree_flatten(structure, is_leaf=None):
    """The leaves of nested lists/tuples/dicts in order (dicts by insertion order)."""
    is_leaf = is_leaf or _default_leaf
    out, stack = [], [structure]
    while stack:
        item = stack.pop()
        if is_leaf(item) or not isinstance(item, (list, tuple, dict)):
            out.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        else:
            stack.extend(reversed(item))
    return out
