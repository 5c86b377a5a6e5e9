"""Layers and models to JSON-friendly configs and back, without running any code from the config.

A config names classes only by name; names resolve through a fixed table of
striate's own layers and models plus the classes a user registered with
:func:`register_keras_serializable` or passed as ``custom_objects``. Nothing is
ever imported or evaluated because a config says so.

>>> from striate.layers import Dense
>>> config = serialize_layer(Dense(3, name="d"))
>>> config["class_name"], deserialize_layer(config).units
('Dense', 3)
"""

import contextlib
import contextvars
import inspect
import math

import numpy as np

from striate._object_registry import (GLOBAL_CUSTOM_OBJECTS, get_registered_name, get_registered_object,
                                      lookup_custom, register_keras_serializable, scope_objects)
from striate.layers.symbolic import KerasTensor, is_keras_tensor, tree_map
from striate.saving.errors import SavingError

__all__ = ["register_keras_serializable", "get_registered_object", "registered_objects", "layer_class", "serialize_layer",
           "deserialize_layer", "functional_config", "functional_from_config", "allocation_budget",
           "count_layer_configs", "SerializationError", "MAX_SAMPLE_ELEMENTS", "MAX_CONFIG_LAYERS"]

# Set by allocation_budget() while a file is loaded: layers made from its config are watched.
_BUDGET = contextvars.ContextVar("striate_allocation_budget", default=None)
# The largest input sample (product of an input shape's known sizes) a loaded config may declare.
MAX_SAMPLE_ELEMENTS = 2 ** 26
# The most layers a loaded config may name. Building a Sequential of n layers costs O(n^3) today
# (each add re-traces the graph), so this bound is what keeps a hostile file from hanging the loader.
MAX_CONFIG_LAYERS = 1000


class SerializationError(SavingError, ValueError):
    """A config that cannot be turned back into layers (unknown class, bad structure)."""


def registered_objects():
    """A copy of the registry of :func:`register_keras_serializable`: ``{"package>name": class or function}``.

    >>> from striate.layers import Layer
    >>> @register_keras_serializable(package="demo")
    ... class Twice(Layer):
    ...     def call(self, x):
    ...         return x * 2
    >>> registered_objects()["demo>Twice"] is Twice
    True
    """
    return dict(GLOBAL_CUSTOM_OBJECTS)


def _builtin_classes():
    import striate.layers as layers_module
    from striate.models.model import Model
    from striate.models.sequential import Sequential

    table = {name: getattr(layers_module, name) for name in layers_module.__all__
             if isinstance(getattr(layers_module, name), type)}
    table.update({"Functional": Model, "Model": Model, "Sequential": Sequential})
    return table


def layer_class(class_name, registered_name=None, custom_objects=None):
    """The class a layer config names, or None.

    Keras's order: the config's ``registered_name`` (the key of a registered class) or
    ``class_name`` in the given ``custom_objects`` or the active
    :class:`~striate.saving.CustomObjectScope`; then striate's own layers and models;
    then the registry of :func:`register_keras_serializable`.
    """
    names = [n for n in (registered_name, class_name) if isinstance(n, str) and n]
    scoped = scope_objects()
    for name in names:
        for table in (custom_objects or {}, scoped):
            if name in table:
                return table[name]
    builtin = _builtin_classes().get(class_name)
    if builtin is not None:
        return builtin
    for name in names:
        found = lookup_custom(name)
        if found is not None:
            return found
    return None


def serialize_layer(layer):
    """``{'class_name', 'config', 'name'}`` for a layer or model (Keras's layout).

    Objects inside the layer's ``get_config()`` (a regularizer, a nested layer) become
    their own configs. A registered class adds ``registered_name`` (``"package>Name"``),
    a subclassed model its ``build_config`` (the input shapes to build it for).
    """
    from striate.models.model import Model
    from striate.models.sequential import Sequential
    from striate.saving.object_serialization import serialize_config_values

    if isinstance(layer, Sequential):
        class_name = "Sequential"
    elif isinstance(layer, Model) and type(layer) is Model:
        class_name = "Functional"
    else:
        class_name = type(layer).__name__
    entry = {"class_name": class_name, "config": serialize_config_values(layer.get_config()), "name": layer.name}
    registered = get_registered_name(type(layer))
    if class_name not in ("Sequential", "Functional") and ">" in registered:
        entry["registered_name"] = registered
    if isinstance(layer, Model) and getattr(layer, "_graph", None) is None and not isinstance(layer, Sequential):
        build_config = layer.get_build_config()
        if build_config is not None:
            entry["build_config"] = build_config
    return entry


def deserialize_layer(config, custom_objects=None):
    """A new layer (or model) from :func:`serialize_layer`'s output; unbuilt, except a
    subclassed model whose ``build_config`` says how to build it.

    Raises:
        SerializationError: for an unknown class (custom layers must be registered or
            passed in ``custom_objects``) or a config the class rejects.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise SerializationError(f"a layer config must be a dict with a 'class_name' string, got {type(config).__name__}")
    from striate.layers.core import Lambda

    registered = config.get("registered_name")
    cls = layer_class(config["class_name"], registered if isinstance(registered, str) else None, custom_objects)
    if cls is None:
        raise SerializationError(f"unknown layer class {config['class_name']!r}: register custom layers with "
                                 "striate.saving.register_keras_serializable or pass custom_objects")
    if cls is Lambda:
        raise SerializationError("a Lambda layer holds Python code, which striate never loads from a config; "
                                 "write a layer subclass and register it instead")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise SerializationError(f"the config of {config['class_name']!r} must be a dict")
    budget = _BUDGET.get()
    if budget is not None:
        _check_sample_shapes(inner, config["class_name"])
    from striate._object_registry import custom_object_scope

    try:
        with custom_object_scope(custom_objects or {}):
            if "custom_objects" in inspect.signature(cls.from_config).parameters:
                layer = cls.from_config(dict(inner), custom_objects=custom_objects)
            else:
                layer = cls.from_config(dict(inner))
    except (TypeError, ValueError, KeyError) as error:
        raise SerializationError(f"could not rebuild layer {config['class_name']!r} from its config: "
                                 f"{error}") from error
    if budget is not None:
        budget.watch(layer)
    build_config = config.get("build_config")
    if isinstance(build_config, dict) and not layer.built:
        try:
            with custom_object_scope(custom_objects or {}):
                layer.build_from_config(build_config)
        except (TypeError, ValueError, KeyError) as error:
            raise SerializationError(f"could not build layer {config['class_name']!r} from its build_config "
                                     f"{build_config!r}: {error}") from error
    return layer


def count_layer_configs(config, limit=None):
    """The number of layer configs (dicts with a ``class_name``) anywhere in ``config``.

    Walks iteratively (a deeply nested config cannot exhaust the stack).

    Raises:
        SerializationError: as soon as the count passes ``limit`` (default
            :data:`MAX_CONFIG_LAYERS`).
    """
    limit = MAX_CONFIG_LAYERS if limit is None else limit
    count, stack = 0, [config]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if "class_name" in item:
                count += 1
                if count > limit:
                    raise SerializationError(f"the config names more than {limit} layers; refused when loading "
                                             "(raise striate.saving.serialization.MAX_CONFIG_LAYERS to allow it)")
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return count


def _check_sample_shapes(config, class_name):
    """Refuse an input shape so large that merely tracing the graph would allocate too much."""
    for key in ("batch_shape", "batch_input_shape", "input_shape", "shape"):
        shape = config.get(key)
        if isinstance(shape, list) and all(isinstance(n, int) or n is None for n in shape):
            sizes = [n for n in (shape[1:] if key.startswith("batch") else shape) if n is not None]
            if math.prod(abs(n) for n in sizes) > MAX_SAMPLE_ELEMENTS:
                raise SerializationError(f"layer {class_name!r} declares {key}={shape}: more than "
                                         f"{MAX_SAMPLE_ELEMENTS} values per sample, refused when loading")


class _Budget:
    """Bytes of weights that the layers of one loaded config may still create."""

    def __init__(self, nbytes):
        self.total = self.left = int(nbytes)
        self.watched = []

    def watch(self, layer):
        for each in [layer] + layer._flatten_layers():
            if "add_weight" not in each.__dict__:
                self._guard(each)

    def _guard(self, layer):
        original = layer.add_weight  # the class's method, bound to this layer

        def add_weight(*args, **kwargs):
            # shape and dtype are add_weight's 1st and 3rd parameters
            shape = args[0] if args else kwargs.get("shape")
            dtype = args[2] if len(args) > 2 else kwargs.get("dtype")
            try:
                size = math.prod(int(n) for n in (shape or ())) * np.dtype(dtype or layer.dtype).itemsize
            except (TypeError, ValueError):
                size = 0  # not a shape: add_weight itself will refuse it
            if size > self.left:
                raise SerializationError(f"layer {layer.name!r} asks for a weight of shape {tuple(shape)} "
                                         f"({size} bytes), beyond the {self.total} bytes that loading this file "
                                         "may allocate: the config asks for far more than the file's weights")
            self.left -= size
            return original(*args, **kwargs)

        object.__setattr__(layer, "add_weight", add_weight)  # an instance attribute shadows the method
        self.watched.append(layer)

    def release(self):
        for layer in self.watched:
            layer.__dict__.pop("add_weight", None)
        self.watched = []


@contextlib.contextmanager
def allocation_budget(nbytes):
    """Context manager: layers that :func:`deserialize_layer` makes inside it may create at
    most ``nbytes`` of weights in total, and may not declare input samples of more than
    :data:`MAX_SAMPLE_ELEMENTS` values.

    A model file's config must not be able to allocate more than the file's own
    weights: a few hundred bytes of JSON could otherwise ask for ``Dense(10**6)``
    on an input of 10**6 features (4 TB) before any check of the weights.

    >>> from striate.layers import Dense
    >>> with allocation_budget(64):
    ...     layer = deserialize_layer(serialize_layer(Dense(100, name="big")))
    ...     layer(np.zeros((1, 100)))
    Traceback (most recent call last):
    ...
    striate.saving.serialization.SerializationError: layer 'big' asks for a weight of shape (100, 100) (40000 bytes), ...
    """
    budget = _Budget(nbytes)
    token = _BUDGET.set(budget)
    try:
        yield budget
    finally:
        _BUDGET.reset(token)
        budget.release()


def functional_config(model):
    """Keras-style config of a functional model: layers with their inbound nodes, inputs, outputs.

    Raises:
        ValueError: when the model is subclassed (its ``call`` is code, not a config).
    """
    graph = model._graph
    if graph is None:
        raise ValueError(f"Model {model.name!r} is subclassed: its architecture is Python code, so it has no "
                         "config; save its weights with save_weights() instead")
    local_index = {}  # id(node) -> index among this model's nodes of the same layer
    counts = {}
    for node in [t.node for t in graph.inputs] + graph.nodes:
        counts.setdefault(id(node.layer), 0)
        local_index[id(node)] = counts[id(node.layer)]
        counts[id(node.layer)] += 1

    def history(tensor):
        return {"keras_history": [tensor.node.layer.name, local_index[id(tensor.node)], tensor.index]}

    layers = []
    for layer in graph.layers:
        entry = serialize_layer(layer)
        entry["inbound_nodes"] = [
            {"args": tree_map(history, node.input_structure, is_leaf=is_keras_tensor),
             "kwargs": _json_kwargs(node.kwargs, layer.name)}
            for node in graph.nodes if node.layer is layer
        ]
        layers.append(entry)
    for t in graph.inputs:
        if t.node.inputs:
            raise ValueError(f"Model {model.name!r}: only models whose inputs come from Input() can be serialized")
    return {
        "name": model.name, "trainable": model.trainable, "layers": layers,
        "input_layers": tree_map(lambda t: history(t)["keras_history"], graph.input_structure, is_leaf=is_keras_tensor),
        "output_layers": tree_map(lambda t: history(t)["keras_history"], graph.output_structure,
                                  is_leaf=is_keras_tensor),
    }


def _json_kwargs(kwargs, layer_name):
    for key, value in kwargs.items():
        if not isinstance(value, (bool, int, float, str, type(None))):
            raise ValueError(f"layer {layer_name!r} was called with {key}={value!r}, which cannot be serialized")
    return dict(kwargs)


def functional_from_config(config, custom_objects=None, cls=None):
    """Rebuild a functional model (of class ``cls``, default ``Model``) from :func:`functional_config`'s output.

    Raises:
        SerializationError: for unknown classes, references to missing layers, or cycles.
    """
    from striate.models.model import Model

    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise SerializationError("a functional model config needs a 'layers' list")
    layers, pending = {}, []
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects)
        # Nodes refer to layers by the name saved beside their config (Keras's rule): a custom
        # layer whose get_config leaves out "name" comes back under a new name.
        key = entry.get("name") if isinstance(entry.get("name"), str) else layer.name
        if key in layers:
            raise SerializationError(f"two layers are named {key!r} in the model config")
        layers[key] = layer
        for node_config in entry.get("inbound_nodes") or []:
            pending.append((key, layer, node_config))
    outputs_of = {}  # (layer name, node index) -> list of output KerasTensors
    for name, layer in layers.items():
        if type(layer).__name__ == "InputLayer":
            outputs_of[(name, 0)] = [layer.output]

    def resolve(ref):
        if not (isinstance(ref, dict) and isinstance(ref.get("keras_history"), list) and len(ref["keras_history"]) == 3):
            raise SerializationError(f"bad tensor reference {ref!r} in model config")
        name, node_index, tensor_index = ref["keras_history"]
        tensors = outputs_of.get((name, node_index))
        if tensors is None:
            raise KeyError((name, node_index))
        if not isinstance(tensor_index, int) or not 0 <= tensor_index < len(tensors):
            raise SerializationError(f"tensor reference {ref!r} is out of range")
        return tensors[tensor_index]

    while pending:
        remaining = []
        for key, layer, node_config in pending:
            try:
                args = _resolve_structure(node_config.get("args"), resolve)
            except KeyError:
                remaining.append((key, layer, node_config))
                continue
            args = args[0] if isinstance(args, list) and len(args) == 1 and isinstance(args[0], KerasTensor) else args
            result = layer(args, **dict(node_config.get("kwargs") or {}))
            index = sum(1 for known in outputs_of if known[0] == key)
            outputs_of[(key, index)] = result if isinstance(result, list) else [result]
        if len(remaining) == len(pending):
            raise SerializationError("model config has nodes whose inputs never become available "
                                     f"(layers {[key for key, _, _ in remaining]})")
        pending = remaining
    inputs = _resolve_structure(_as_refs(config.get("input_layers")), resolve)
    outputs = _resolve_structure(_as_refs(config.get("output_layers")), resolve)
    return (cls or Model)(inputs=inputs, outputs=outputs, name=config.get("name"),
                          trainable=config.get("trainable", True))


def _as_refs(structure):
    """``[name, node, tensor]`` triples (or lists of them) as tensor references."""
    if isinstance(structure, list) and len(structure) == 3 and isinstance(structure[0], str):
        return {"keras_history": structure}
    if isinstance(structure, list):
        return [_as_refs(s) for s in structure]
    if isinstance(structure, dict):
        return {k: _as_refs(v) for k, v in structure.items()}
    raise SerializationError(f"bad input/output reference {structure!r} in model config")


def _resolve_structure(structure, resolve):
    if isinstance(structure, dict) and "keras_history" in structure:
        return resolve(structure)
    if isinstance(structure, (list, tuple)):
        return [_resolve_structure(s, resolve) for s in structure]
    if isinstance(structure, dict):
        return {k: _resolve_structure(v, resolve) for k, v in structure.items()}
    raise SerializationError(f"bad node arguments {structure!r} in model config")
