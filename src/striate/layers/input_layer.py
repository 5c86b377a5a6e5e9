"""``Input``: the symbolic start of a functional model, and the layer behind it.

>>> x = Input(shape=(28, 28, 1))
>>> x.shape
(None, 28, 28, 1)
"""

from striate import backend
from striate.layers.base import Layer, _shape_tuple
from striate.layers.symbolic import KerasTensor, Node

__all__ = ["Input", "InputLayer"]


class InputLayer(Layer):
    """The layer that holds a model's input placeholder; it computes nothing.

    Args:
        shape: shape of one sample, without the batch axis (``None`` for an unknown size).
        batch_size: optional fixed batch size.
        batch_shape: the full shape instead of ``shape`` and ``batch_size``.
        dtype, name: as for every layer.
    """

    jit_traceable = True  # compiled steps may record it: call() only applies primitives (striate.jit.safety)

    def __init__(self, shape=None, batch_size=None, dtype=None, batch_shape=None, name=None,
                 input_shape=None, batch_input_shape=None, **kwargs):
        if batch_shape is None and batch_input_shape is not None:
            batch_shape = batch_input_shape
        if shape is None and input_shape is not None:
            shape = input_shape
        if batch_shape is not None:
            batch_size, shape = batch_shape[0], tuple(batch_shape[1:])
        if shape is None:
            raise ValueError("Input: give shape=(...) (one sample's shape, without the batch axis)")
        super().__init__(name=name or backend.unique_name("input_layer"), dtype=dtype, **kwargs)
        self.batch_shape = (batch_size, *_shape_tuple(shape, self.name))
        self.built = True
        tensor = KerasTensor(self.batch_shape, self.dtype, name=self.name)
        node = Node(self, None, (), {}, [tensor])
        tensor.node = node
        self._inbound_nodes.append(node)

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"batch_shape": list(self.batch_shape), "dtype": self.dtype, "name": self.name}


def Input(shape=None, batch_size=None, dtype=None, batch_shape=None, name=None):  # noqa: N802 - Keras's name
    """A symbolic input for the functional API: ``Model(inputs, outputs)``.

    Args:
        shape: shape of one sample, e.g. ``(784,)`` or ``(28, 28, 1)``.
        batch_size: optional fixed batch size.
        dtype: default ``floatx()``.
        batch_shape: full shape including the batch axis, instead of the two above.
        name: optional name.

    Returns:
        A KerasTensor of shape ``(batch_size, *shape)``.
    """
    return InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, batch_shape=batch_shape, name=name).output
