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
import threading

from striate import backend, regularizers
from striate.autograd import no_grad
from striate.backend import xp
from striate.layers.layer_config import LayerConfig
from striate.layers.layer_state import LayerState
from striate.layers.symbolic import (KerasTensor, Node, is_keras_tensor, is_symbolic, tree_flatten,
                                     tree_map)
from striate.layers.tracking import Tracking
from striate.tensor import Tensor

__all__ = ["Layer", "InputSpec", "training_scope", "in_training", "LayerMemoryError"]

class _TrainingFlag(threading.local):
    """The enclosing call's ``training``, per thread (a data worker augmenting batches must not
    see, nor change, the flag of the training step beside it). None: no enclosing call has
    said; a layer called without ``training=`` then uses the default of its own ``call``
    (Keras's rule: the augmentation layers, whose default is True, augment when called
    directly and stay the identity inside ``predict``)."""
    value = None


_training = _TrainingFlag()


class _CallDepth(threading.local):
    """How deep the eager ``__call__``s of this thread are nested: the outermost one starts the
    losses afresh. Per thread, so a layer called in a data worker never counts as (or hides) the
    outer call of the training step."""
    value = 0


_call_depth = _CallDepth()


def in_training():
    """Whether the innermost model call is a training call (dropout on, batch statistics)."""
    return bool(_training.value)


@contextlib.contextmanager
def training_scope(training):
    """Context manager: layers called inside without ``training=`` use this value."""
    previous, _training.value = _training.value, bool(training)
    try:
        yield
    finally:
        _training.value = previous


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


class Layer(Tracking, LayerState, LayerConfig):
    """Base class of every layer (and of models).

    Args:
        trainable: whether the optimizer updates this layer's weights.
        name: unique name; default ``snake_case(ClassName)`` numbered (``dense_1``).
        dtype: float type of the weights and computations (default ``floatx()``).
        input_shape: shape of one sample (without the batch axis); lets a
            ``Sequential`` build itself at once, as in Keras.
        batch_input_shape, batch_size, input_dim: Keras's other ways to say the same.
        activity_regularizer: penalty on the layer's outputs, added to the loss.
        autocast: accepted and recorded, as in Keras (striate computes in the layer's dtype).

    Raises:
        TypeError: for an argument the layer does not know.
    """

    # Public attributes that never change what a step computes (a model's bookkeeping);
    # setting any other public attribute makes compiled steps trace again (tracking.py).
    _untracked_attributes = frozenset()
    # Whether compiled steps may record this layer (striate.jit.safety): set to True by
    # striate's layers whose call() only applies primitives, after review.
    jit_traceable = False

    def __init__(self, trainable=True, name=None, dtype=None, input_shape=None, batch_input_shape=None,
                 batch_size=None, input_dim=None, activity_regularizer=None, autocast=True, **kwargs):
        if kwargs:
            raise TypeError(f"{type(self).__name__}: unexpected keyword argument(s) {sorted(kwargs)}")
        if name is not None and (not isinstance(name, str) or not name or "/" in name):
            raise ValueError(f"{type(self).__name__}: name must be a non-empty string without '/', got {name!r}")
        self._init_state(trainable)
        self._inbound_nodes = []
        self._sublayers = []  # explicit sublayers (a graph's); those in attributes are found by tracking.py
        self.name = name or backend.unique_name(_snake_case(type(self).__name__))
        self.dtype = str(xp.dtype(dtype or backend.floatx()))
        self.built = False
        self.input_spec = None
        self.activity_regularizer = regularizers.get(activity_regularizer)
        self.autocast = bool(autocast)
        if input_dim is not None and input_shape is None:
            input_shape = (input_dim,)
        if batch_input_shape is not None:
            batch_size, input_shape = batch_input_shape[0], tuple(batch_input_shape[1:])
        self._batch_shape = None if input_shape is None else (batch_size, *_shape_tuple(input_shape, self.name))

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

        try:
            with no_grad(), training_scope(False):
                outputs = self._call_eager(tree_map(zeros, input_shape, is_leaf=_is_shape), (), {})
        finally:
            self._clear_losses()  # what the trial run on zeros added is no loss of any real call
        return tree_map(lambda t: (None,) + t.shape[1:], outputs, is_leaf=lambda t: isinstance(t, Tensor))

    def compute_output_spec(self, *args, **kwargs):
        """Symbolic outputs (``KerasTensor``s: shape and dtype) for symbolic inputs, from
        :meth:`compute_output_shape`."""
        inputs = args[0] if args else next(iter(kwargs.values()))
        shapes = tree_map(lambda t: tuple(t.shape), inputs, is_leaf=is_keras_tensor)
        return tree_map(lambda s: KerasTensor(s, self.dtype), self.compute_output_shape(shapes), is_leaf=_is_shape)

    def __call__(self, inputs, *args, **kwargs):
        if is_symbolic(inputs):
            return self._call_symbolic(inputs, args, kwargs)
        return self._call_eager(inputs, args, kwargs)

    def _call_eager(self, inputs, args, kwargs):
        if _call_depth.value == 0:
            self._clear_losses()  # Keras: losses are those of the latest top-level call
        _call_depth.value += 1
        try:
            inputs = tree_map(self._as_input_tensor, inputs, is_leaf=_is_leaf_value)
            if not self.built:
                self._build_from_shapes(tree_map(lambda t: (None,) + t.shape[1:], inputs, is_leaf=_is_tensor))
            if self.input_spec is not None:
                self._check_input_spec(tree_map(lambda t: t.shape, inputs, is_leaf=_is_tensor))
            training = kwargs.pop("training", None)
            if self._takes_training():
                if training is not None:
                    kwargs["training"] = bool(training)
                else:  # the enclosing call's flag, else this layer's own default (Keras's rule)
                    current = _training.value
                    kwargs["training"] = self._default_training() if current is None else current
            try:
                if training is None:
                    outputs = self.call(inputs, *args, **kwargs)
                else:
                    with training_scope(training):
                        outputs = self.call(inputs, *args, **kwargs)
            except MemoryError as error:
                raise LayerMemoryError.naming(self, inputs, error) from error
            if self.activity_regularizer is not None:
                for t in tree_flatten(outputs):
                    if isinstance(t, Tensor):
                        self.add_loss(self.activity_regularizer(t))
            return outputs
        finally:
            _call_depth.value -= 1

    def _as_input_tensor(self, value):
        if isinstance(value, Tensor):
            if value.dtype.kind == "f" and value.dtype != self.dtype:
                return value.astype(self.dtype)
            return value
        array = backend.to_array(value)  # a layer called on host data: the API boundary
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
        self.__dict__["_build_shapes"] = shapes  # for get_build_config (saving a subclassed model)
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

    @classmethod
    def _default_training(cls):
        """The default of ``call``'s ``training`` argument (False for most layers, True for
        the random preprocessing layers, None for models, which pass nothing down)."""
        cached = cls.__dict__.get("_training_default", inspect.Parameter.empty)
        if cached is inspect.Parameter.empty:
            default = inspect.signature(cls.call).parameters["training"].default
            cached = None if default is inspect.Parameter.empty else default
            type.__setattr__(cls, "_training_default", cached)
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

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


class LayerMemoryError(MemoryError):
    """The memory for a layer's result could not be allocated; names the innermost layer."""

    @classmethod
    def naming(cls, layer, inputs, error):
        if isinstance(error, cls):  # an inner layer (of a model) already named itself
            return error
        shapes = tree_map(lambda t: t.shape, inputs, is_leaf=_is_tensor)
        return cls(f"Layer {layer.name!r} ({type(layer).__name__}) ran out of memory on inputs of shape {shapes}: "
                   f"{error}. Use a smaller batch_size; the model's weights are unchanged.")


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
