"""Which layers, weights and metrics a layer owns: whatever its attributes hold, as in Keras 3.

Assigning a layer, a metric or a Variable to an attribute — directly, or inside
lists, tuples and dicts, nested as deep as you like — makes it part of the
layer: its weights join ``layer.weights``, its losses ``layer.losses``, its
metrics ``layer.metrics``, and ``trainable`` propagates to it. A list or dict
assigned to an attribute is kept as a :class:`TrackedList` / :class:`TrackedDict`
(still a ``list`` / ``dict``), so layers appended later are found too.

Finding the sublayers walks the attributes; the result is cached and the cache
is dropped whenever any layer attribute that holds (or held) a layer, metric,
variable or container changes, or a tracked container is mutated.

>>> from striate.layers import Dense, Layer
>>> class Block(Layer):
...     def __init__(self):
...         super().__init__()
...         self.stages = []
...         self.heads = {"a": Dense(2)}
...     def call(self, x):
...         return self.heads["a"](x)
>>> block = Block()
>>> block.stages.append(Dense(3))
>>> [type(layer).__name__ for layer in block._flatten_layers()]
['Dense', 'Dense']
"""

from striate import _structure

__all__ = ["Tracking", "TrackedList", "TrackedDict", "structure_changed"]

_version = [0]  # bumped by every change of what layers own; caches compare against it

# Attributes of striate's own bookkeeping: never walked (they hold the graph, the compile
# arguments, or the explicit sublayer list that is read separately).
_UNTRACKED = frozenset({
    "_sublayers", "_inbound_nodes", "_input_layer", "_stack", "_graph", "_compile_args", "_compiled_loss",
    "_compiled_metrics", "_losses", "_flat_cache", "_attr_cache", "_metrics_cache", "_auto_config", "_build_shapes", "_subclass_shapes",
    "_trainable_variables", "_non_trainable_variables", "input_spec", "_batch_shape", "loss", "history",
    "optimizer",
})


def structure_changed():
    """Drop every cached sublayer list (called when what some layer owns may have changed)."""
    _version[0] += 1


class TrackedList(list):
    """A ``list`` that tells the layers it belongs to when it changes."""

    def _changed(self, result=None):
        structure_changed()
        return result

    def append(self, value):
        return self._changed(super().append(_wrap(value)))

    def extend(self, values):
        return self._changed(super().extend(_wrap(v) for v in values))

    def insert(self, index, value):
        return self._changed(super().insert(index, _wrap(value)))

    def remove(self, value):
        return self._changed(super().remove(value))

    def pop(self, *args):
        return self._changed(super().pop(*args))

    def clear(self):
        return self._changed(super().clear())

    def reverse(self):
        return self._changed(super().reverse())

    def sort(self, *args, **kwargs):
        return self._changed(super().sort(*args, **kwargs))

    def __setitem__(self, index, value):
        value = [_wrap(v) for v in value] if isinstance(index, slice) else _wrap(value)
        return self._changed(super().__setitem__(index, value))

    def __delitem__(self, index):
        return self._changed(super().__delitem__(index))

    def __iadd__(self, values):
        self.extend(values)
        return self

    def __imul__(self, n):
        super().__imul__(n)
        structure_changed()
        return self


class TrackedDict(dict):
    """A ``dict`` that tells the layers it belongs to when it changes."""

    def __setitem__(self, key, value):
        super().__setitem__(key, _wrap(value))
        structure_changed()

    def __delitem__(self, key):
        super().__delitem__(key)
        structure_changed()

    def pop(self, *args):
        structure_changed()
        return super().pop(*args)

    def popitem(self):
        structure_changed()
        return super().popitem()

    def clear(self):
        structure_changed()
        return super().clear()

    def update(self, *args, **kwargs):
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def setdefault(self, key, default=None):
        if key not in self:
            self[key] = default
        return self[key]


def _wrap(value):
    """Lists and dicts (nested too) as tracked containers; everything else as it is."""
    if type(value) is list:
        return TrackedList(_wrap(v) for v in value)
    if type(value) is dict:
        return TrackedDict((k, _wrap(v)) for k, v in value.items())
    if type(value) is tuple:
        return tuple(_wrap(v) for v in value)
    return value


def _is_container(value):
    return isinstance(value, (list, tuple, dict))


def _walk(value, kinds, found, seen):
    """Collect the objects of ``kinds`` inside ``value`` (containers walked, objects not)."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif isinstance(item, (list, tuple)):
            stack.extend(reversed(item))
        elif isinstance(item, kinds) and id(item) not in seen:
            seen.add(id(item))
            found.append(item)


class Tracking:
    """Attribute tracking mixed into :class:`~striate.layers.Layer` (see the module doc)."""

    def __setattr__(self, key, value):
        if key == "_sublayers":
            structure_changed()
        elif "_sublayers" in self.__dict__ and key not in _UNTRACKED:
            owns = _owns_something(value)
            if owns:
                value = _wrap(value)
            if owns or _owns_something(self.__dict__.get(key)):
                structure_changed()
                self._track_variables(value)
            if not key.startswith("_") and key not in self._untracked_attributes:
                _structure.changed()  # compiled steps (striate.jit) recorded before this trace again
        object.__setattr__(self, key, value)

    def _track_variables(self, value):
        from striate.variables import Variable

        if isinstance(value, Variable):
            found = [value]
        elif _is_container(value):
            found = []
            _walk(value, Variable, found, set())
        else:
            return
        known = {id(v) for v in self._trainable_variables + self._non_trainable_variables}
        for variable in found:
            if id(variable) not in known:
                self._track_variable(variable)

    def _attribute_objects(self, kinds):
        """The objects of ``kinds`` held in this layer's attributes (cached until the structure changes)."""
        cache = self.__dict__.get("_attr_cache")
        if cache is None or cache[0] != _version[0]:
            cache = self.__dict__["_attr_cache"] = (_version[0], {})
        found = cache[1].get(kinds)
        if found is None:
            from striate.layers.input_layer import InputLayer

            found, seen = [], {id(self)}
            for key, value in self.__dict__.items():
                if key not in _UNTRACKED and (isinstance(value, kinds) or _is_container(value)):
                    _walk(value, kinds, found, seen)
            found = cache[1][kinds] = [obj for obj in found if not isinstance(obj, InputLayer)]
        return list(found)

    def _direct_sublayers(self):
        """The layers this layer holds: its explicit ones (a graph's), then those in its attributes."""
        from striate.layers.base import Layer

        out, seen = [], {id(self)}
        for layer in list(self._sublayers) + self._attribute_objects(Layer):
            if id(layer) not in seen:
                seen.add(id(layer))
                out.append(layer)
        return out

    def _flatten_layers(self):
        """This layer's sublayers, depth first, each once (cached until the structure changes)."""
        cache = self.__dict__.get("_flat_cache")
        if cache is not None and cache[0] == _version[0]:
            return list(cache[1])
        seen, out, stack = {id(self)}, [], list(reversed(self._direct_sublayers()))
        while stack:
            layer = stack.pop()
            if id(layer) in seen:
                continue
            seen.add(id(layer))
            out.append(layer)
            stack.extend(reversed(layer._direct_sublayers()))
        self.__dict__["_flat_cache"] = (_version[0], out)
        return list(out)

    @property
    def metrics(self):
        """The Metric objects held in this layer's attributes, then in its sublayers'."""
        from striate.metrics.metric import Metric

        out = self._attribute_objects(Metric)
        for layer in self._flatten_layers():
            out.extend(m for m in layer._attribute_objects(Metric) if all(m is not k for k in out))
        return out


_KINDS = []


def _trackable_kinds():
    if not _KINDS:
        from striate.layers.base import Layer
        from striate.metrics.metric import Metric
        from striate.variables import Variable

        _KINDS.append((Layer, Metric, Variable))
    return _KINDS[0]


def _owns_something(value):
    """Whether ``value`` is (or is a container that is empty or holds) a layer, metric or variable:
    such values are tracked; containers of plain data (caches, shapes) are left alone."""
    kinds = _trackable_kinds()
    if isinstance(value, kinds):
        return True
    if not _is_container(value):
        return False
    if not value:
        return True
    found = []
    _walk(value, kinds, found, set())
    return bool(found)
