"""striate models to Keras 3 configs (the ``config.json`` of a ``.keras`` file that Keras opens).

striate's own configs already use Keras's class names, argument names and
defaults; this adds what Keras's loader expects around them: ``module`` and
``registered_name`` tags, ``DTypePolicy`` objects, and call arguments written as
``__keras_tensor__`` records with their shapes.

>>> import striate
>>> model = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(2, name="d")], name="m")
>>> config = to_keras_config(model)
>>> config["class_name"], [layer["class_name"] for layer in config["config"]["layers"]]
('Sequential', ['InputLayer', 'Dense'])
>>> config["config"]["layers"][1]["config"]["dtype"]["class_name"]
'DTypePolicy'
"""

from striate.layers.symbolic import is_keras_tensor, tree_map
from striate.saving.keras_h5 import keras_class_name, keras_layer_order
from striate.saving.serialization import serialize_layer

__all__ = ["to_keras_config", "KERAS_FORMAT_VERSION"]

# The Keras release whose file format this writer follows and is tested against.
KERAS_FORMAT_VERSION = "3.15.1"
_MODULES = {"Sequential": "keras", "Functional": "keras.src.models.functional"}
# Options striate writes that Keras 3 does not take (with the value that means "Keras's behaviour").
_STRIATE_ONLY = {}
# Keras 3's spatial dropouts take only name and dtype besides their own options (a plain dtype string).
_NO_BASE_OPTIONS = ("SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D")


def _policy(dtype):
    return {"module": "keras", "class_name": "DTypePolicy", "config": {"name": dtype}, "registered_name": None}


def _tag(value, module):
    if isinstance(value, dict) and "class_name" in value:
        return {"module": module, "class_name": value["class_name"], "config": value.get("config", {}),
                "registered_name": None}
    return value


def _layer_config(layer, config):
    out = {}
    plain = type(layer).__name__ in _NO_BASE_OPTIONS
    for key, value in config.items():
        if plain and key == "trainable":
            continue
        if key == "dtype" and type(layer).__name__ != "InputLayer" and not plain:
            value = _policy(value)
        elif key.endswith("_initializer"):
            value = _tag(value, "keras.initializers")
        elif key.endswith("_regularizer"):
            value = _tag(value, "keras.regularizers")
        out[key] = value
    for key, neutral in _STRIATE_ONLY.get(type(layer).__name__, {}).items():
        if out.get(key, neutral) != neutral:
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}): option {key}={out[key]!r} has no "
                             "Keras 3 equivalent, so Keras could not open the file")
        out.pop(key, None)
    return out


def _entry(layer):
    from striate.models.model import Model

    class_name = keras_class_name(layer)
    if isinstance(layer, Model):
        return {"module": _MODULES.get(class_name), "class_name": class_name, "config": _model_config(layer),
                "registered_name": None}
    serialized = serialize_layer(layer)
    registered = getattr(type(layer), "_registered_name", None)
    module = None if registered else "keras.layers"
    return {"module": module, "class_name": type(layer).__name__, "config": _layer_config(layer, serialized["config"]),
            "registered_name": registered}


def _model_config(model):
    from striate.models.sequential import Sequential

    if model._graph is None:
        raise ValueError(f"Model {model.name!r} is subclassed (its architecture is Python code) or not built: "
                         "Keras's format needs a functional or Sequential model with an Input")
    if isinstance(model, Sequential):
        input_layer = model._graph.inputs[0].node.layer
        layers = [_entry(input_layer)] + [_entry(layer) for layer in model.layers]
        return {"name": model.name, "trainable": model.trainable, "dtype": _policy(model.dtype), "layers": layers,
                "build_input_shape": list(model._graph.inputs[0].shape)}
    return _functional_config(model)


def _functional_config(model):
    graph = model._graph
    index, counts = {}, {}
    for node in [t.node for t in graph.inputs] + graph.nodes:
        index[id(node)] = counts.get(id(node.layer), 0)
        counts[id(node.layer)] = index[id(node)] + 1

    def record(t):
        return {"class_name": "__keras_tensor__",
                "config": {"shape": list(t.shape), "dtype": t.dtype,
                           "keras_history": [t.node.layer.name, index[id(t.node)], t.index]}}

    layers = []
    for layer in keras_layer_order(model):
        entry = _entry(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [{"args": [tree_map(record, node.input_structure, is_leaf=is_keras_tensor)],
                                   "kwargs": dict(node.kwargs)}
                                  for node in graph.nodes if node.layer is layer]
        layers.append(entry)

    def refs(structure):
        return tree_map(lambda t: record(t)["config"]["keras_history"], structure, is_leaf=is_keras_tensor)

    return {"name": model.name, "trainable": model.trainable, "layers": layers,
            "input_layers": refs(graph.input_structure), "output_layers": refs(graph.output_structure)}


def to_keras_config(model):
    """The ``config.json`` content for ``model`` (a functional or Sequential model with an Input).

    Raises:
        ValueError: for a subclassed model, a Lambda layer, or an option Keras 3 lacks.
    """
    graph = model._graph
    shape = None if graph is None else [list(t.shape) for t in graph.inputs]
    return {"module": _MODULES.get(keras_class_name(model)), "class_name": keras_class_name(model),
            "config": _model_config(model), "registered_name": None,
            "build_config": {"input_shape": shape[0] if shape and len(shape) == 1 else shape},
            "compile_config": None}
