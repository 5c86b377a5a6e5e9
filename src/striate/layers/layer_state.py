"""A layer's state: its weights (``add_weight``), ``trainable``, and its losses (``add_loss``, regularizers).

Keras 3's rules, which these methods follow:

- ``weights`` lists the layer's own trainable weights, then its own non-trainable
  ones (each group in creation order), then each sublayer's ``weights``;
  whether a weight counts as trainable or not for this order is fixed when it
  is created (or assigned).
- ``layer.trainable = False`` freezes the layer and, recursively, its
  sublayers: their weights become non-trainable (``v.trainable`` is False) and
  ``trainable_weights`` is empty; ``True`` thaws them again.
- ``add_loss(value)`` inside ``call`` records a scalar loss; ``losses`` holds the
  losses recorded during the last top-level call (of this layer and its
  sublayers), followed by the penalties of the trainable weights' regularizers.
  Every top-level ``__call__`` starts them afresh.

>>> import numpy as np
>>> from striate.layers import Layer
>>> class Offset(Layer):
...     def build(self, input_shape):
...         self.count = self.add_weight(shape=(), initializer="zeros", trainable=False, name="count")
...         self.offset = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="offset")
...     def call(self, x):
...         self.add_loss((self.offset * self.offset).sum())
...         return x + self.offset
>>> layer = Offset()
>>> _ = layer(np.zeros((2, 3)))
>>> [v.name for v in layer.weights], [v.name for v in layer.trainable_weights]
(['offset', 'count'], ['offset'])
>>> float(layer.losses[0].item())
3.0
"""

from striate import backend, constraints, initializers, regularizers
from striate.backend import xp
from striate.tensor import Tensor

__all__ = ["LayerState"]

_AGGREGATIONS = ("none", "mean", "sum", "only_first_replica", None)


class LayerState:
    """The weights-and-losses half of :class:`~striate.layers.Layer` (mixed into it)."""

    # ---- creating weights -----------------------------------------------------------
    def add_weight(self, shape=None, initializer=None, dtype=None, *, trainable=True, autocast=True,
                   regularizer=None, constraint=None, aggregation="none", overwrite_with_gradient=False, name=None):
        """Create, track and return a :class:`~striate.Variable` (Keras 3's signature).

        Args:
            shape: tuple of ints (default ``()``, a scalar).
            initializer: name, Initializer or callable ``(shape, dtype) -> array``; default
                ``"glorot_uniform"`` for float weights and ``"zeros"`` for the others.
            dtype: default the layer's dtype.
            trainable: whether optimizers update it.
            autocast, aggregation, overwrite_with_gradient: recorded on the variable, as in Keras.
            regularizer: penalty on the weight, added to :attr:`losses` (name, instance or callable).
            constraint: projection applied after each optimizer update (name, instance or callable).
            name: short name such as ``'kernel'``; its ``path`` is ``'<layer>/<name>'``.

        Raises:
            ValueError: for a shape given as a string (``name`` is keyword-only, as in Keras 3),
                a shape with unknown or negative sizes, or an unknown aggregation.
        """
        if isinstance(shape, str):
            raise ValueError(f"`name` must be passed as a keyword argument. Received: add_weight({shape!r}, ...). "
                             f"Use: add_weight(shape=..., name={shape!r}).")
        if aggregation not in _AGGREGATIONS:
            raise ValueError(f"Layer {self.name!r}: add_weight aggregation must be one of {_AGGREGATIONS}, "
                             f"got {aggregation!r}")
        try:
            shape = tuple(int(n) for n in (() if shape is None else shape))
        except (TypeError, ValueError):
            raise ValueError(f"Layer {self.name!r}: add_weight needs a fully known shape of ints, got {shape!r}") from None
        if any(n < 0 for n in shape):
            raise ValueError(f"Layer {self.name!r}: add_weight got a negative size in shape {shape}")
        dtype = str(xp.dtype(dtype or self.dtype))
        if initializer is None:
            initializer = "glorot_uniform" if xp.dtype(dtype).kind == "f" else "zeros"
        from striate.variables import Variable

        value = initializers.get(initializer)(shape, dtype=dtype)
        variable = Variable(value, dtype=dtype, trainable=trainable, autocast=autocast, aggregation=aggregation,
                            name=name)
        variable.regularizer = regularizers.get(regularizer)
        variable.constraint = constraints.get(constraint)
        variable.overwrite_with_gradient = bool(overwrite_with_gradient)
        self._track_variable(variable)
        return variable

    def add_variable(self, shape, initializer, dtype=None, trainable=True, autocast=True, regularizer=None,
                     constraint=None, name=None):
        """Keras 3's other spelling of :meth:`add_weight` (``shape`` and ``initializer`` first)."""
        return self.add_weight(shape=shape, initializer=initializer, dtype=dtype, trainable=trainable,
                               autocast=autocast, regularizer=regularizer, constraint=constraint, name=name)

    def _track_variable(self, variable):
        """Own ``variable``: in the trainable or non-trainable group, by its flag now (as Keras)."""
        (self._trainable_variables if variable.trainable else self._non_trainable_variables).append(variable)
        if variable.path is None or "/" not in str(variable.path):
            variable.path = f"{self.name}/{variable.name or 'variable'}"
        if not self._trainable:
            variable.trainable = False

    @property
    def _own_weights(self):
        return self._trainable_variables + self._non_trainable_variables

    # ---- trainable -----------------------------------------------------------------
    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        value = bool(value)
        self._trainable = value
        for variable in self._trainable_variables:
            variable.trainable = value
        for layer in self._direct_sublayers():
            layer.trainable = value

    # ---- reading weights -------------------------------------------------------------
    @property
    def weights(self):
        """All weights: this layer's own (trainable, then non-trainable), then its sublayers' (Keras's order)."""
        seen, out = set(), []
        for layer in [self] + self._flatten_layers():
            for v in layer._trainable_variables + layer._non_trainable_variables:
                if id(v) not in seen:
                    seen.add(id(v))
                    out.append(v)
        return out

    @property
    def variables(self):
        return self.weights

    @property
    def trainable_weights(self):
        """The weights optimizers update: none for a frozen layer, else those with ``v.trainable``."""
        if not self.trainable:
            return []
        return [v for v in self.weights if v.trainable]

    trainable_variables = trainable_weights

    @property
    def non_trainable_weights(self):
        if not self.trainable:
            return self.weights
        return [v for v in self.weights if not v.trainable]

    non_trainable_variables = non_trainable_weights

    def get_weights(self):
        """Copies of the weights as NumPy arrays (on every backend), in :attr:`weights` order."""
        return [backend.to_host(v.data, copy=True) for v in self.weights]

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
        arrays = [backend.to_array(w.data if isinstance(w, Tensor) else w) for w in weights]
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

    # ---- losses ------------------------------------------------------------------------
    def add_loss(self, loss):
        """Record a scalar loss (a Tensor, or a list of them) computed in ``call``.

        Raises:
            ValueError: for a value that is not a tensor or number.
        """
        values = loss if isinstance(loss, (list, tuple)) else [loss]
        for value in values:
            if not isinstance(value, (Tensor, xp.ndarray, xp.generic, int, float)) or isinstance(value, bool):
                raise ValueError(f"Layer {self.name!r}: add_loss() takes tensors (the losses computed in call()), "
                                 f"got {type(value).__name__}")
        self._losses.extend(values)

    def _clear_losses(self):
        for layer in [self] + self._flatten_layers():
            layer._losses.clear()

    @property
    def losses(self):
        """The ``add_loss`` values of the last call (this layer's, then its sublayers'), then the
        penalties of the trainable weights' regularizers (scalar Tensors)."""
        out = list(self._losses)
        for layer in self._flatten_layers():
            out.extend(layer._losses)
        for v in self.trainable_weights:
            if getattr(v, "regularizer", None) is not None:
                out.append(v.regularizer(v))
        return out

    def _init_state(self, trainable):
        """The bookkeeping lists, set before any attribute can be tracked."""
        self.__dict__.update(_trainable_variables=[], _non_trainable_variables=[], _losses=[],
                             _trainable=bool(trainable))
