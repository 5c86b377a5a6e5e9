"""Model: a layer that can be trained — functional graphs and subclassed models.

Two ways to make one, as in Keras::

    inputs = striate.Input(shape=(784,))                  # functional
    h = striate.layers.Dense(256, activation="relu")(inputs)
    model = striate.Model(inputs, striate.layers.Dense(10)(h))

    class MyModel(striate.Model):                          # subclassed
        def __init__(self):
            super().__init__()
            self.dense = striate.layers.Dense(10)
        def call(self, x):
            return self.dense(x)

``Sequential`` (in ``sequential.py``) is a Model over a list of layers.

>>> import striate
>>> inputs = striate.Input(shape=(4,))
>>> model = striate.Model(inputs, striate.layers.Dense(2, name="scores")(inputs))
>>> [layer.name for layer in model.layers][1:], model.count_params()
(['scores'], 10)
"""

import inspect

from striate import backend
from striate.autograd import no_grad
from striate.backend import xp
from striate.layers.base import InputSpec, Layer, _snake_case
from striate.layers.input_layer import InputLayer
from striate.layers.symbolic import tree_flatten
from striate.models import summary as summary_module
from striate.models.functional import FunctionalGraph
from striate.models.trainer import Trainer
from striate.saving.model_io import SavingMixin
from striate.tensor import Tensor

__all__ = ["Model"]


class Model(SavingMixin, Trainer, Layer):
    """A trainable graph of layers.

    Args:
        inputs: KerasTensor(s) from ``Input`` (functional models only).
        outputs: KerasTensor(s) computed from ``inputs``.
        name: model name (default ``functional``, numbered).
        trainable: as for layers.
    """

    jit_traceable = True  # functional and Sequential models; a subclass defined elsewhere runs eagerly

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if args else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        if len(args) > 2:
            raise TypeError(f"Model takes at most (inputs, outputs) positionally, got {len(args)} arguments")
        if (inputs is None) != (outputs is None):
            raise ValueError("Model: give both inputs and outputs (functional API), or neither (subclassing)")
        if "name" not in kwargs or kwargs["name"] is None:
            prefix = "functional" if inputs is not None and type(self) is Model else _snake_case(type(self).__name__)
            kwargs["name"] = backend.unique_name(prefix)
        Layer.__init__(self, **kwargs)
        self._graph = None
        self._subclass_shapes = None
        if inputs is not None:
            self._init_graph(inputs, outputs)

    def _init_graph(self, inputs, outputs):
        self._graph = FunctionalGraph(inputs, outputs)
        self._sublayers = [layer for layer in self._graph.layers if not _is_input_layer(layer)]
        self.input_spec = [InputSpec(ndim=len(t.shape), axes={i: n for i, n in enumerate(t.shape) if i and n is not None})
                           for t in self._graph.inputs]
        self.built = True

    # ---- structure -------------------------------------------------------------------
    @property
    def layers(self):
        """The layers in graph order (a functional model's InputLayers first)."""
        return list(self._graph.layers) if self._graph is not None else self._direct_sublayers()

    def get_layer(self, name=None, index=None):
        """The layer called ``name``, or at position ``index`` of :attr:`layers`.

        Raises:
            ValueError: when no layer has that name or the index is out of range.
        """
        if index is not None:
            if not -len(self.layers) <= index < len(self.layers):
                raise ValueError(f"Model {self.name!r}: no layer at index {index}; it has {len(self.layers)} layers")
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"Model {self.name!r}: no layer named {name!r}; layers are {[l.name for l in self.layers]}")

    @property
    def inputs(self):
        self._require_graph("inputs")
        return list(self._graph.inputs)

    @property
    def outputs(self):
        self._require_graph("outputs")
        return list(self._graph.outputs)

    @property
    def input(self):
        self._require_graph("input")
        return self._graph.input_structure

    @property
    def output(self):
        self._require_graph("output")
        return self._graph.output_structure

    def _require_graph(self, what):
        if self._graph is None:
            raise AttributeError(f"Model {self.name!r} has no symbolic {what}: it is not a functional model "
                                 "(or a Sequential model whose input shape is not known yet)")

    def _input_names(self):
        if self._graph is not None:
            if isinstance(self._graph.input_structure, dict):  # Model({"name": Input(...)}): the keys name them
                return list(self._graph.input_structure)
            return [t.node.layer.name for t in self._graph.inputs]
        return ["input"]

    def _input_shapes(self):
        if self._graph is not None:
            return [t.shape for t in self._graph.inputs]
        return [None] if self._subclass_shapes is None else self._subclass_shapes[0]

    def _output_names(self):
        if self._graph is not None:
            return [t.node.layer.name for t in self._graph.outputs]
        if self._subclass_shapes is not None:
            n = len(self._subclass_shapes[1])
            return ["output"] if n == 1 else [f"output_{i + 1}" for i in range(n)]
        return ["output"]

    def _output_shapes(self):
        if self._graph is not None:
            return [t.shape for t in self._graph.outputs]
        return [None] * len(self._output_names()) if self._subclass_shapes is None else self._subclass_shapes[1]

    def _build_from_data(self, arrays):
        """Create a subclassed model's weights by calling it once on one zero sample."""
        samples = [Tensor(xp.zeros((1,) + a.shape[1:], dtype=self.dtype)) for a in arrays]
        # Marked built first: the call below goes through Layer.__call__, which would
        # otherwise call build() -> _build_from_data() again, without end.
        self.built = True
        try:
            with no_grad():
                outputs = self(samples[0] if len(samples) == 1 else samples, training=False)
        except BaseException:
            self.built = False
            raise
        finally:
            self._clear_losses()  # what add_loss() recorded on the zero sample is no loss of a real call
        outputs = tree_flatten(outputs, is_leaf=lambda t: isinstance(t, Tensor))
        self._subclass_shapes = ([(None,) + a.shape[1:] for a in arrays], [(None,) + o.shape[1:] for o in outputs])
        self.built = True

    def build(self, input_shape):
        """Make the weights of a subclassed model for inputs of ``input_shape``."""
        if self._graph is None and input_shape is not None and not self._subclass_shapes:
            shapes = input_shape if isinstance(input_shape, list) else [input_shape]
            self._build_from_data([xp.zeros((1,) + tuple(s[1:]), dtype=self.dtype) for s in shapes])
        self.built = True

    # ---- computing ---------------------------------------------------------------------
    def call(self, inputs, training=None):
        if self._graph is None:
            raise NotImplementedError(f"{type(self).__name__} must define call() (or be built from inputs/outputs)")
        flat = tree_flatten(inputs, is_leaf=lambda t: isinstance(t, Tensor))
        if len(flat) != len(self._graph.inputs):
            raise ValueError(f"Model {self.name!r} expects {len(self._graph.inputs)} input(s), got {len(flat)}")
        return self._graph.run(flat, training)

    def compute_output_shape(self, input_shape):
        if self._graph is not None:
            outputs = [t.shape for t in self._graph.outputs]
            return outputs[0] if len(outputs) == 1 else outputs
        return super().compute_output_shape(input_shape)

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict) and self._graph is not None:
            # By name, as fit and predict take them: a dict's own order need not be the model's.
            names = self._input_names()
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"Model {self.name!r}: the inputs dict has no entries for {missing}; "
                                 f"expected keys {names}")
            inputs = [inputs[n] for n in names]
        if isinstance(inputs, (list, tuple)) and self._graph is not None and len(self._graph.inputs) == 1 \
                and len(inputs) == 1:
            inputs = inputs[0]
        return super().__call__(inputs, *args, **kwargs)

    # ---- reports -----------------------------------------------------------------------
    def summary(self, line_length=None, positions=None, print_fn=None, expand_nested=False, show_trainable=False,
                layer_range=None):
        """Print the layer table with output shapes and parameter counts (Keras's layout).

        ``print_fn`` receives the text instead of ``print``; the table itself comes
        from :func:`striate.models.summary.format_summary`.
        """
        text = summary_module.format_summary(self, line_length=line_length, show_trainable=show_trainable)
        (print_fn or print)(text)

    def get_config(self):
        """A functional model's graph (layers and their connections); for a subclassed model,
        Keras 3's layer rule: its own ``get_config`` if it writes one, else its constructor
        arguments when they are plain values (see ``layers/layer_config.py``)."""
        if self._graph is None:
            base = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
            return self._auto_get_config(base) if type(self).get_config is Model.get_config else base
        from striate.saving.serialization import functional_config

        return functional_config(self)

    @classmethod
    def from_config(cls, config, custom_objects=None):
        """A functional model from a graph config, else ``cls(**config)`` (a subclassed model).

        Raises:
            TypeError: when the config does not fit the subclass's constructor (Keras's message).
        """
        if isinstance(config, dict) and {"layers", "input_layers", "output_layers"} <= set(config) \
                and _revivable_as_functional(cls):
            from striate.saving.serialization import functional_from_config

            return functional_from_config(config, custom_objects, cls=cls)
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(f"Unable to revive model from config. When overriding the `get_config()` method, make "
                            f"sure that the returned config contains all items used as arguments in the constructor "
                            f"to {cls}, which is the default behavior. You can override this default behavior by "
                            f"defining a `from_config(cls, config)` class method to specify how to create an "
                            f"instance of {cls.__name__} from its config.\n\nReceived config={config}\n\n"
                            f"Error encountered during deserialization: {error}") from error

    def get_build_config(self):
        """``{"input_shape": ...}`` of a built subclassed model (what :meth:`build` needs again)."""
        if self._graph is not None or not self._subclass_shapes:
            return super().get_build_config() if self._graph is None else None
        shapes = [list(s) for s in self._subclass_shapes[0]]
        return {"input_shape": shapes[0] if len(shapes) == 1 else shapes}

    def build_from_config(self, config):
        shape = (config or {}).get("input_shape")
        if shape is not None:
            self.build(tuple(shape) if all(n is None or isinstance(n, int) for n in shape)
                       else [tuple(s) for s in shape])

    def to_json(self, **kwargs):
        """The model's config (:func:`~striate.saving.serialize_layer`) as a JSON string."""
        from striate.saving.json_config import model_to_json

        return model_to_json(self, **kwargs)


def _revivable_as_functional(cls):
    """Keras's rule: a graph config revives ``cls`` itself when its constructor takes what
    Model's does (``*args, **kwargs``, or ``inputs, outputs``)."""
    spec = inspect.getfullargspec(cls.__init__)
    return cls is Model or (spec.varargs == "args" and spec.varkw == "kwargs") or spec.args[1:3] == ["inputs", "outputs"]


def _is_input_layer(layer):
    return isinstance(layer, InputLayer)
