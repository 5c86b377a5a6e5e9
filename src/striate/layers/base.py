"""Layer: Keras's life cycle on the striate engine.

``__init__`` stores arguments, ``build(input_shape)`` makes the weights once the
input shape is known, ``call(inputs, training)`` computes with Tensor ops (a
layer never writes backward), ``get_config`` returns the arguments so that
``from_config`` can make the layer again.

Calling a layer on Tensors or arrays computes at once; calling it on symbolic
``KerasTensor``s (from ``Input``) records a node of a functional graph and
returns symbolic outputs whose shapes come from ``compute_output_shape``.

>>> import numpy as np
>>> from striate.layers import Dense
>>> layer = Dense(3)
>>> layer(np.ones((2, 4), dtype="float32")).shape
(2, 3)
>>> [w.shape for w in layer.get_weights()]
[(4, 3), (3,)]
"""

import contextlib
import inspect
import re

from striate import _structure, backend, initializers, regularizers
from striate.autograd import no_grad
from striate.backend import xp
from striate.layers.symbolic import (KerasTensor, Node, is_keras_tensor, is_symbolic, tree_flatten,
                                     tree_map)
from striate.tensor import Tensor
from striate.variables import Variable

__all__ = ["Layer", "InputSpec", "training_scope", "in_training"]

_training = False


def in_training():
    """Whether the innermost model call is a training call (dropout on, batch statistics)."""
    return _training


@contextlib.contextmanager
def training_scope(training):
    """Context manager: layers called inside without ``training=`` use this value."""
    global _training
    previous, _training = _training, bool(training)
    try:
        yield
    finally:
        _training = previous


class InputSpec:
    """What a layer accepts: ``ndim``/``min_ndim``/``max_ndim`` and fixed sizes of some ``axes``."""

    def __init__(self, ndim=None, min_ndim=None, max_ndim=None, axes=None):
        self.ndim, self.min_ndim, self.max_ndim = ndim, min_ndim, max_ndim
        self.axes = dict(axes or {})

    def check(self, layer_name, index, shape):
        """Raise ValueError naming the layer, the rule and the received shape when ``shape`` breaks the spec."""
        rank = len(shape)
        prefix = f"Input {index} of layer {layer_name!r} is incompatible with the layer:"
        if self.ndim is not None and rank != self.ndim:
            raise ValueError(f"{prefix} expected ndim={self.ndim}, found ndim={rank}. Full shape received: {shape}")
        if self.min_ndim is not None and rank < self.min_ndim:
            raise ValueError(f"{prefix} expected min_ndim={self.min_ndim}, found ndim={rank}. Full shape received: {shape}")
        if self.max_ndim is not None and rank > self.max_ndim:
            raise ValueError(f"{prefix} expected max_ndim={self.max_ndim}, found ndim={rank}. Full shape received: {shape}")
        for axis, size in self.axes.items():
            if -rank <= axis < rank and shape[axis] is not None and shape[axis] != size:
                raise ValueError(f"{prefix} expected axis {axis} of input shape to have value {size}, "
                                 f"but received input with shape {shape}")


def _snake_case(name):
    """Keras's automatic layer name: 'BatchNormalization' -> 'batch_normalization', 'Conv2D' -> 'conv2d'."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


class Layer:
    """Base class of every layer (and of models).

    Args:
        trainable: whether the optimizer updates this layer's weights.
        name: unique name; default ``snake_case(ClassName)`` numbered (``dense_1``).
        dtype: float type of the weights and computations (default ``floatx()``).
        input_shape: shape of one sample (without the batch axis); lets a
            ``Sequential`` build itself at once, as in Keras.
        batch_input_shape, batch_size, input_dim: Keras's other ways to say the same.
        activity_regularizer: penalty on the layer's outputs, added to the loss.

    Raises:
        TypeError: for an argument the layer does not know.
    """

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None, batch_input_shape=None,
                 batch_size=None, input_dim=None, activity_regularizer=None, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}")
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string without '/', got {name!r}")
        self._sublayers = []
        self._own_weights = []
        self._inbound_nodes = []
        self._losses = []
        self.name = name or backend.unique_name(_snake_case(type(self).__name__))
        self._trainable = bool(trainable)
        self.dtype = str(xp.dtype(dtype or backend.floatx()))
        self.built = False
        self.input_spec = None
        self.activity_regularizer = regularizers.get(activity_regularizer)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            batch_size, input_shape = batch_input_shape[0], tuple(batch_input_shape[1:])
        self._batch_shape = None if input_shape is None else (batch_size, *_shape_tuple(input_shape, self.name))

    # ---- tracking of sublayers -------------------------------------------------
    # Public attributes that never change what a step computes (a model's bookkeeping).
    _untracked_attributes = frozenset()
    # Whether compiled steps may record this layer (striate.jit.safety): set to True by
    # striate's layers whose call() only applies primitives, after review.
    jit_traceable = False

    def __setattr__(self, key, value):
        if not key.startswith("_") and "_sublayers" in self.__dict__:
            found = [v for v in (value if isinstance(value, (list, tuple)) else [value]) if isinstance(v, Layer)]
            for layer in found:
                if all(layer is not known for known in self._sublayers):
                    self._sublayers.append(layer)
            if key not in self._untracked_attributes:
                _structure.changed()  # compiled steps recorded before this must trace again
        object.__setattr__(self, key, value)

    # ---- weights -------------------------------------------------------------------
    def add_weight(self, shape=None, initializer="glorot_uniform", dtype=None, trainable=True, name=None,
                   regularizer=None):
        """Create, track and return a :class:`Variable` of ``shape``.

        Args:
            shape: tuple of ints.
            initializer: name, Initializer or callable ``(shape, dtype) -> array``.
            trainable: whether optimizers update it.
            name: short name such as ``'kernel'``.
            regularizer: optional penalty on this weight, added to the loss.
        """
        shape = tuple(int(n) for n in (shape or ()))
        dtype = dtype or self.dtype
        value = initializers.get(initializer)(shape, dtype=dtype)
        variable = Variable(value, name=name, trainable=trainable, dtype=dtype)
        variable.path = f"{self.name}/{name}"
        variable.requires_grad = variable.trainable and self.trainable
        self._own_weights.append(variable)
        _structure.changed()
        if regularizer is not None:
            self._losses.append((regularizers.get(regularizer), variable))
        return variable

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for variable in self._own_weights:
            variable.requires_grad = variable.trainable and self._trainable
        for layer in self._sublayers:
            layer.trainable = value

    def _flatten_layers(self):
        """This layer's sublayers, depth first, each once."""
        seen, out, stack = set(), [], list(reversed(self._sublayers))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._sublayers))
        return out

    @property
    def weights(self):
        """All weights: this layer's own in creation order, then its sublayers' (Keras's order)."""
        seen, out = set(), []
        for layer in [self] + self._flatten_layers():
            for v in layer._own_weights:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    variables = weights

    @property
    def trainable_weights(self):
        if not self.trainable:
            return []
        return [v for v in self.weights if v.requires_grad]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        trainable = {id(v) for v in self.trainable_weights}
        return [v for v in self.weights if id(v) not in trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """Copies of the weights as NumPy arrays, in :attr:`weights` order."""
        return [v.data.copy() for v in self.weights]

    def set_weights(self, weights):
        """Overwrite the weights from arrays in :attr:`weights` order.

        All shapes are checked before anything is written, so a bad list leaves
        the layer as it was.

        Raises:
            ValueError: when the count or a shape differs.
        """
        current = self.weights
        weights = list(weights)
        if len(weights) != len(current):
            raise ValueError(f"Layer {self.name!r}: set_weights expected {len(current)} arrays, got {len(weights)}")
        arrays = [xp.asarray(w) for w in weights]
        for v, a in zip(current, arrays):
            if a.shape != v.shape:
                raise ValueError(f"Layer {self.name!r}: weight {v.path!r} has shape {v.shape}, "
                                 f"but the array given for it has shape {a.shape}")
            if a.dtype.kind not in "fiub":
                raise TypeError(f"Layer {self.name!r}: weight {v.path!r} needs numbers, got dtype {a.dtype}")
        for v, a in zip(current, arrays):
            v.data[...] = a

    def count_params(self):
        """Number of scalars in all weights."""
        return int(sum(v.size for v in self.weights))

    @property
    def losses(self):
        """Regularisation penalties (scalar Tensors) of this layer and its sublayers."""
        out = []
        for layer in [self] + self._flatten_layers():
            out.extend(reg(v) for reg, v in layer._losses)
            out.extend(getattr(layer, "_activity_losses", []))
        return out

    # ---- the life cycle -------------------------------------------------------------
    def build(self, input_shape):
        """Make the weights for inputs of ``input_shape`` (batch axis ``None``)."""
        self.built = True

    def call(self, inputs, *args, **kwargs):
        raise NotImplementedError(f"{type(self).__name__} must implement call()")

    def compute_output_shape(self, input_shape):
        """Output shape for ``input_shape``; by default found by running the layer once
        on one zero sample (layers override it when a formula is cheaper)."""
        def zeros(shape):
            if any(n is None for n in shape[1:]):
                raise ValueError(f"Layer {self.name!r} cannot infer its output shape for input shape {shape} "
                                 "with unknown dimensions; give a fully known input shape")
            return Tensor(xp.zeros((1,) + tuple(shape[1:]), dtype=self.dtype))

        with no_grad(), training_scope(False):
            outputs = self._call_eager(tree_map(zeros, input_shape, is_leaf=_is_shape), (), {})
        return tree_map(lambda t: (None,) + t.shape[1:], outputs, is_leaf=lambda t: isinstance(t, Tensor))

    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs):
            return self._call_symbolic(inputs, args, kwargs)
        return self._call_eager(inputs, args, kwargs)

    def _call_eager(self, inputs, args, kwargs):
        inputs = tree_map(self._as_input_tensor, inputs, is_leaf=_is_leaf_value)
        if not self.built:
            self._build_from_shapes(tree_map(lambda t: (None,) + t.shape[1:], inputs, is_leaf=_is_tensor))
        if self.input_spec is not None:
            self._check_input_spec(tree_map(lambda t: t.shape, inputs, is_leaf=_is_tensor))
        training = kwargs.pop("training", None)
        if self._takes_training():
            kwargs["training"] = _training if training is None else bool(training)
        if training is None:
            outputs = self.call(inputs, *args, **kwargs)
        else:
            with training_scope(training):
                outputs = self.call(inputs, *args, **kwargs)
        if self.activity_regularizer is not None:
            self._activity_losses = [self.activity_regularizer(t) for t in tree_flatten(outputs)]
        return outputs

    def _as_input_tensor(self, value):
        if isinstance(value, Tensor):
            if value.dtype.kind == "f" and value.dtype != self.dtype:
                return value.astype(self.dtype)
            return value
        array = xp.asarray(value)
        if array.dtype.kind == "f" or (array.dtype.kind in "biu" and self._casts_ints()):
            return Tensor(array.astype(self.dtype, copy=False))
        if array.dtype.kind in "biu":
            return Tensor(array)
        raise TypeError(f"Layer {self.name!r}: inputs must be numeric, got dtype {array.dtype}")

    def _casts_ints(self):
        """Whether integer inputs become floats (False for layers that take indices, e.g. Embedding)."""
        return True

    def _call_symbolic(self, inputs, args, kwargs):
        shapes = tree_map(lambda t: t.shape, inputs, is_leaf=is_keras_tensor)
        if not self.built:
            self._build_from_shapes(shapes)
        if self.input_spec is not None:
            self._check_input_spec(shapes)
        out_shapes = self.compute_output_shape(shapes)
        outputs = tree_map(lambda s: KerasTensor(s, self.dtype), out_shapes, is_leaf=_is_shape)
        node = Node(self, inputs, args, kwargs, tree_flatten(outputs, is_leaf=is_keras_tensor))
        for index, out in enumerate(node.outputs):
            out.node, out.index = node, index
        self._inbound_nodes.append(node)
        return outputs

    def _build_from_shapes(self, shapes):
        # build() gets the shape structure it was called with: one tuple, or a list of them.
        self.build(shapes)
        self.built = True

    def _check_input_spec(self, shapes):
        specs = self.input_spec if isinstance(self.input_spec, (list, tuple)) else [self.input_spec]
        flat = [shapes] if _is_shape(shapes) else tree_flatten(shapes, is_leaf=_is_shape)
        for index, (spec, shape) in enumerate(zip(specs, flat)):
            if spec is not None:
                spec.check(self.name, index, tuple(shape))

    @classmethod
    def _takes_training(cls):
        cached = cls.__dict__.get("_training_arg")
        if cached is None:
            cached = "training" in inspect.signature(cls.call).parameters
            type.__setattr__(cls, "_training_arg", cached)
        return cached

    # ---- the graph ---------------------------------------------------------------------
    def _node_attribute(self, attribute):
        if not self._inbound_nodes:
            raise AttributeError(f"Layer {self.name!r} has never been called on a symbolic input, so it has no {attribute}")
        node = self._inbound_nodes[0]
        return node.input_structure if attribute == "input" else node.output_structure

    @property
    def input(self):
        """The symbolic input of the layer's first call in a functional graph."""
        return self._node_attribute("input")

    @property
    def output(self):
        """The symbolic output of the layer's first call in a functional graph."""
        return self._node_attribute("output")

    @property
    def output_shape(self):
        return tree_map(lambda t: t.shape, self.output, is_leaf=is_keras_tensor)

    @property
    def input_shape(self):
        return tree_map(lambda t: t.shape, self.input, is_leaf=is_keras_tensor)

    # ---- configuration -----------------------------------------------------------------
    def get_config(self):
        """The constructor arguments as JSON-friendly values (Keras's keys)."""
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_shape is not None:
            config["batch_input_shape"] = list(self._batch_shape)
        return config

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _shape_tuple(shape, layer_name):
    if isinstance(shape, int):
        shape = (shape,)
    try:
        shape = tuple(None if n is None else int(n) for n in shape)
    except (TypeError, ValueError):
        raise TypeError(f"Layer {layer_name!r}: input_shape must be a tuple of ints, got {shape!r}") from None
    if any(n is not None and n <= 0 for n in shape):
        raise ValueError(f"Layer {layer_name!r}: input_shape must hold positive sizes, got {shape}")
    return shape


def _is_shape(value):
    return isinstance(value, tuple) and all(n is None or isinstance(n, int) for n in value)


def _is_tensor(value):
    return isinstance(value, Tensor)


def _is_leaf_value(value):
    return not isinstance(value, (list, tuple, dict))
