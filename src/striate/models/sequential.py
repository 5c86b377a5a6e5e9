"""Sequential: a model that is a plain stack of layers, each feeding the next.

>>> import striate
>>> from striate.layers import Dense
>>> model = striate.Sequential()
>>> model.add(Dense(units=8, input_shape=(4,), activation="sigmoid", name="hidden"))
>>> model.add(Dense(units=3, activation="softmax", name="output"))
>>> [layer.name for layer in model.layers], model.count_params()
(['hidden', 'output'], 67)
"""

from striate import backend
from striate.layers.base import InputSpec, Layer
from striate.layers.input_layer import InputLayer
from striate.layers.symbolic import KerasTensor
from striate.models.functional import FunctionalGraph
from striate.models.model import Model

__all__ = ["Sequential"]


class Sequential(Model):
    """A linear stack of layers.

    Args:
        layers: optional list of layers (an ``Input(...)`` first fixes the input shape,
            as does ``input_shape=`` on the first layer).
        name, trainable: as for every model.

    Once the input shape is known (from the first layer or the first data) the
    model is also a functional graph: ``model.inputs``, ``model.outputs`` and
    every ``layer.output`` exist, so parts of it can become new models.
    """

    def __init__(self, layers=None, trainable=True, name=None):
        super().__init__(name=name or backend.unique_name("sequential"), trainable=trainable)
        self._stack = []
        self._input_layer = None
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        """Append a layer (or an ``Input``) to the stack.

        Raises:
            TypeError: when ``layer`` is not a Layer.
            ValueError: for a duplicate layer name or a second input.
        """
        if isinstance(layer, KerasTensor):
            layer = layer.node.layer
        if isinstance(layer, InputLayer):
            if self._input_layer is not None or self._stack:
                raise ValueError(f"Sequential {self.name!r}: an Input can only be the first entry")
            self._input_layer = layer
            return
        if not isinstance(layer, Layer):
            raise TypeError(f"Sequential {self.name!r}: can only add layers, got {layer!r}")
        if any(existing.name == layer.name for existing in self._stack):
            raise ValueError(f"Sequential {self.name!r}: a layer named {layer.name!r} is already in the model; "
                             "layer names must be unique")
        if not self._stack and self._input_layer is None and layer._batch_shape is not None:
            self._input_layer = InputLayer(batch_shape=layer._batch_shape)
        self._stack.append(layer)
        self._sublayers = list(self._stack)
        if self._graph is not None:
            self._set_graph(self._graph.inputs[0], layer(self._graph.outputs[0]))
        elif self._input_layer is not None:
            self._trace()

    def pop(self):
        """Remove and return the last layer."""
        if not self._stack:
            raise ValueError(f"Sequential {self.name!r}: there is no layer to pop")
        layer = self._stack.pop()
        self._sublayers = list(self._stack)
        self._graph = None
        if self._input_layer is not None and self._stack:
            self._trace()
        return layer

    def _trace(self):
        x = self._input_layer.output
        for layer in self._stack:
            x = layer(x)
        self._set_graph(self._input_layer.output, x)

    def _set_graph(self, inputs, outputs):
        self._graph = FunctionalGraph(inputs, outputs)
        self.input_spec = [InputSpec(ndim=len(inputs.shape),
                                     axes={i: n for i, n in enumerate(inputs.shape) if i and n is not None})]
        self.built = True

    @property
    def layers(self):
        """The stacked layers (without the input layer, as in Keras)."""
        return list(self._stack)

    def build(self, input_shape=None):
        """Fix the input shape (batch axis included) and create every layer's weights."""
        if self._graph is None:
            if input_shape is None:
                raise ValueError(f"Sequential {self.name!r}: build() needs an input shape")
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
            if self._stack:
                self._trace()
        self.built = True

    def _build_from_data(self, arrays):
        if len(arrays) != 1:
            raise ValueError(f"Sequential {self.name!r} takes one input, got {len(arrays)}")
        self.build((None,) + arrays[0].shape[1:])

    def call(self, inputs, training=None):
        if not self._stack:
            raise ValueError(f"Sequential {self.name!r} has no layers; add some before calling it")
        x = inputs
        for layer in self._stack:
            x = layer(x) if training is None else layer(x, training=training)
        return x

    def compute_output_shape(self, input_shape):
        if self._graph is None:
            self.build(input_shape)
        return self._graph.outputs[0].shape

    def get_config(self):
        layers = []
        if self._input_layer is not None:
            layers.append({"class_name": "InputLayer", "config": self._input_layer.get_config()})
        from striate.saving.serialization import serialize_layer

        layers += [serialize_layer(layer) for layer in self._stack]
        return {"name": self.name, "trainable": self.trainable, "layers": layers}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        from striate.saving.serialization import deserialize_layer

        model = cls(name=config.get("name"), trainable=config.get("trainable", True))
        for layer_config in config.get("layers", []):
            model.add(deserialize_layer(layer_config, custom_objects))
        return model


