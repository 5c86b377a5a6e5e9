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

from striate.layers.symbolic import KerasTensor, is_keras_tensor, tree_map

__all__ = ["register_keras_serializable", "get_registered_object", "serialize_layer", "deserialize_layer",
           "functional_config", "functional_from_config", "SerializationError"]

_CUSTOM = {}


class SerializationError(ValueError):
    """A config that cannot be turned back into layers (unknown class, bad structure)."""


def register_keras_serializable(package="Custom", name=None):
    """Class decorator: let configs (and model files) name this layer class.

    >>> from striate.layers import Layer
    >>> @register_keras_serializable(package="demo")
    ... class Twice(Layer):
    ...     def call(self, x):
    ...         return x * 2
    >>> get_registered_object("demo>Twice") is Twice
    True
    """
    def decorator(cls):
        key = f"{package}>{name or cls.__name__}"
        _CUSTOM[key] = cls
        _CUSTOM.setdefault(name or cls.__name__, cls)
        cls._registered_name = key
        return cls
    return decorator


def _builtin_classes():
    import striate.layers as layers_module
    from striate.models.model import Model
    from striate.models.sequential import Sequential

    table = {name: getattr(layers_module, name) for name in layers_module.__all__
             if isinstance(getattr(layers_module, name), type)}
    table.update({"Functional": Model, "Model": Model, "Sequential": Sequential})
    return table


def get_registered_object(name, custom_objects=None):
    """The class a config's ``class_name`` refers to, or None."""
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    return _builtin_classes().get(name) or _CUSTOM.get(name)


def serialize_layer(layer):
    """``{'class_name', 'config', 'name'}`` for a layer or model."""
    from striate.models.model import Model
    from striate.models.sequential import Sequential

    if isinstance(layer, Sequential):
        class_name = "Sequential"
    elif isinstance(layer, Model) and type(layer) is Model:
        class_name = "Functional"
    else:
        class_name = getattr(type(layer), "_registered_name", None) or type(layer).__name__
    return {"class_name": class_name, "config": layer.get_config(), "name": layer.name}


def deserialize_layer(config, custom_objects=None):
    """A new, unbuilt layer (or model) from :func:`serialize_layer`'s output.

    Raises:
        SerializationError: for an unknown class (custom layers must be registered or
            passed in ``custom_objects``) or a config the class rejects.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise SerializationError(f"a layer config must be a dict with a 'class_name' string, got {type(config).__name__}")
    cls = get_registered_object(config["class_name"], custom_objects)
    if cls is None:
        raise SerializationError(f"unknown layer class {config['class_name']!r}: register custom layers with "
                                 "striate.saving.register_keras_serializable or pass custom_objects")
    inner = config.get("config", {})
    if not isinstance(inner, dict):
        raise SerializationError(f"the config of {config['class_name']!r} must be a dict")
    try:
        if config["class_name"] in ("Functional", "Model", "Sequential") or hasattr(cls, "_graph"):
            return cls.from_config(inner, custom_objects=custom_objects)
        return cls.from_config(dict(inner))
    except (TypeError, ValueError, KeyError) as error:
        raise SerializationError(f"could not rebuild layer {config['class_name']!r} from its config: {error}") from error


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


def functional_from_config(config, custom_objects=None):
    """Rebuild a functional model from :func:`functional_config`'s output.

    Raises:
        SerializationError: for unknown classes, references to missing layers, or cycles.
    """
    from striate.models.model import Model

    if not isinstance(config, dict) or not isinstance(config.get("layers"), list):
        raise SerializationError("a functional model config needs a 'layers' list")
    layers, pending = {}, []
    for entry in config["layers"]:
        layer = deserialize_layer(entry, custom_objects)
        if layer.name in layers:
            raise SerializationError(f"two layers are named {layer.name!r} in the model config")
        layers[layer.name] = layer
        for node_config in entry.get("inbound_nodes") or []:
            pending.append((layer, node_config))
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
        for layer, node_config in pending:
            try:
                args = _resolve_structure(node_config.get("args"), resolve)
            except KeyError:
                remaining.append((layer, node_config))
                continue
            args = args[0] if isinstance(args, list) and len(args) == 1 and isinstance(args[0], KerasTensor) else args
            result = layer(args, **dict(node_config.get("kwargs") or {}))
            index = sum(1 for key in outputs_of if key[0] == layer.name)
            outputs_of[(layer.name, index)] = result if isinstance(result, list) else [result]
        if len(remaining) == len(pending):
            raise SerializationError("model config has nodes whose inputs never become available "
                                     f"(layers {[layer.name for layer, _ in remaining]})")
        pending = remaining
    inputs = _resolve_structure(_as_refs(config.get("input_layers")), resolve)
    outputs = _resolve_structure(_as_refs(config.get("output_layers")), resolve)
    return Model(inputs=inputs, outputs=outputs, name=config.get("name"), trainable=config.get("trainable", True))


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
