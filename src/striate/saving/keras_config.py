"""Keras 3 model configs (``config.json`` of a ``.keras`` file) to striate configs, without running code.

A Keras config and a striate config say the same things in slightly different
words: Keras wraps dtypes in a ``DTypePolicy``, tags objects with ``module`` and
``registered_name``, writes call arguments as ``__keras_tensor__`` records, and
names options striate lacks (``quantization_config``, ``lora_rank`` ...).
:func:`from_keras_config` rewrites one into the other:

- an option striate does not know is dropped when it has its "off" value
  (None or False), and refused otherwise with a message naming the layer, the
  option and its value;
- a class striate does not have is refused, naming the layer and the class;
- a ``Lambda`` layer is refused unless ``safe_mode=False`` (Keras's rule), and even
  then its function is only looked up by *name* in ``custom_objects`` or the
  registry: striate never runs bytecode from a file.

>>> config = {"class_name": "Dense", "module": "keras.layers", "registered_name": None,
...           "config": {"name": "d", "units": 2, "dtype": {"module": "keras", "class_name": "DTypePolicy",
...                      "config": {"name": "float32"}, "registered_name": None},
...                      "quantization_config": None}}
>>> from_keras_config(config, {})["config"]
{'name': 'd', 'units': 2, 'dtype': 'float32'}
"""

import inspect

from striate import initializers, regularizers
from striate.saving.serialization import SerializationError, get_registered_object, layer_class

__all__ = ["from_keras_config", "lambda_factory"]

_MODELS = ("Functional", "Model", "Sequential")
# Options whose value does not matter once another option turns the feature off.
_MOOT = {"renorm_momentum": lambda c: not c.get("renorm"), "renorm_clipping": lambda c: not c.get("renorm")}
_FLOATS = ("float32", "float64")


def _accepted(cls):
    """The keyword arguments ``cls(...)`` accepts, following ``**kwargs`` up the class hierarchy."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        parameters = inspect.signature(init).parameters.values()
        names |= {p.name for p in parameters if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
        if not any(p.kind == p.VAR_KEYWORD for p in parameters):
            break
    names.discard("self")
    return names


def _policy(value, where):
    if isinstance(value, dict):
        if value.get("class_name") != "DTypePolicy":
            raise SerializationError(f"{where}: dtype policy {value.get('class_name')!r} is not supported")
        value = (value.get("config") or {}).get("name")
    if value is not None and value not in _FLOATS and not (isinstance(value, str) and value.startswith("int")):
        raise SerializationError(f"{where}: dtype {value!r} is not supported (striate computes in float32 or "
                                 "float64; mixed-precision policies are not)")
    return value


def _clean_object(value, table, kind, where):
    """An initializer or regularizer dict without Keras's tags and without None options striate lacks."""
    if not isinstance(value, dict):
        return value
    name = value.get("class_name")
    cls = table.get(name) if isinstance(name, str) else None
    if cls is None:
        raise SerializationError(f"{where}: {kind} {name!r} is not one striate has; known: {sorted(table)}")
    config = dict(value.get("config") or {})
    accepted = _accepted(cls)
    for key in [k for k in config if k not in accepted]:
        if config[key] is not None:
            raise SerializationError(f"{where}: option {key}={config[key]!r} of {kind} {name!r} is not supported")
        del config[key]
    return {"class_name": name, "config": config}


def _activation(value, where, custom_objects):
    if isinstance(value, dict):  # {"class_name": "function", "config": "relu", ...}
        value = value.get("config")
        if not isinstance(value, str):
            raise SerializationError(f"{where}: activation {value!r} is not a named function")
    if isinstance(value, str):
        from striate import activations

        try:
            activations.get(value)
        except ValueError:
            found = (custom_objects or {}).get(value) or get_registered_object(value)
            if not callable(found):
                raise SerializationError(f"{where}: activation {value!r} is neither built in nor in custom_objects")
            return found
    return value


def lambda_factory(function, output_shape, arguments):
    """A class whose ``from_config`` makes the Lambda layer whose function was looked up by name."""
    from striate.layers.core import Lambda

    class KerasLambda(Lambda):
        @classmethod
        def from_config(cls, config):
            return Lambda(function, output_shape=output_shape, arguments=arguments, **config)

    return KerasLambda


def _lambda(config, where, custom_objects, safe_mode, extra):
    if safe_mode:
        raise SerializationError(f"{where} is a Lambda layer, which holds Python code: refused, as Keras refuses it, "
                                 "in safe mode. If you trust this file, pass safe_mode=False and give the function "
                                 "by name in custom_objects")
    function = config.pop("function", None)
    if isinstance(function, dict) and function.get("class_name") == "__lambda__":
        raise SerializationError(f"{where} is a Lambda layer whose function is Python bytecode; striate never runs "
                                 "code from a file, even with safe_mode=False: rewrite it as a named function "
                                 "and pass it in custom_objects")
    fn_name = function.get("config") if isinstance(function, dict) else function
    fn = (custom_objects or {}).get(fn_name) if isinstance(fn_name, str) else None
    fn = fn or (get_registered_object(fn_name) if isinstance(fn_name, str) else None)
    if not callable(fn):
        raise SerializationError(f"{where} is a Lambda layer calling {fn_name!r}: pass that function in "
                                 "custom_objects={name: function}")
    output_shape = config.pop("output_shape", None)
    if output_shape is not None and not isinstance(output_shape, list):
        raise SerializationError(f"{where}: a Lambda's output_shape must be a list of sizes, got {output_shape!r}")
    arguments = config.pop("arguments", None) or {}
    for key in [k for k in config if k not in ("name", "trainable", "dtype")]:
        if config[key] is not None:
            raise SerializationError(f"{where}: Lambda option {key}={config[key]!r} is not supported")
        del config[key]
    key = f"__keras_lambda_{len(extra)}"
    extra[key] = lambda_factory(fn, output_shape, arguments)
    return key


def _layer_config(class_name, cls, config, where, custom_objects):
    out = {}
    accepted = _accepted(cls)
    for key, value in config.items():
        if key == "dtype":
            value = _policy(value, where)
        elif key.endswith("_initializer"):
            value = _clean_object(value, initializers._CLASSES, "initializer", where)
        elif key.endswith("_regularizer"):
            value = _clean_object(value, regularizers._CLASSES, "regularizer", where)
        elif key == "activation":
            value = _activation(value, where, custom_objects)
        if key in accepted:
            out[key] = value
        elif not (value is None or value is False or (key in _MOOT and _MOOT[key](config))):
            raise SerializationError(f"{where}: Keras option {key}={str(value)[:80]} is not supported by striate")
    if class_name == "InputLayer" and "batch_input_shape" in out and "batch_shape" not in out:
        out["batch_shape"] = out.pop("batch_input_shape")
    return out


def _tensor_ref(value, where):
    """Keras's call arguments to striate's ``{"keras_history": [...]}`` references."""
    if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
        history = (value.get("config") or {}).get("keras_history")
        if not (isinstance(history, list) and len(history) == 3):
            raise SerializationError(f"{where}: a tensor reference without a valid keras_history")
        return {"keras_history": history}
    if isinstance(value, (list, tuple)):
        return [_tensor_ref(v, where) for v in value]
    if isinstance(value, dict):
        return {k: _tensor_ref(v, where) for k, v in value.items()}
    raise SerializationError(f"{where} is called with a constant argument {str(value)[:60]}; striate's "
                             "functional graphs pass only tensors between layers")


def _nodes(entry, where):
    nodes = []
    for node in entry.get("inbound_nodes") or []:
        if isinstance(node, list):  # Keras 2: [[name, node_index, tensor_index, kwargs], ...]
            refs = [{"keras_history": list(item[:3])} for item in node if isinstance(item, list) and len(item) >= 3]
            if len(refs) != len(node):
                raise SerializationError(f"{where}: malformed inbound node {str(node)[:80]}")
            kwargs = node[0][3] if node and len(node[0]) > 3 and isinstance(node[0][3], dict) else {}
            nodes.append({"args": refs[0] if len(refs) == 1 else refs, "kwargs": kwargs})
            continue
        if not isinstance(node, dict) or not isinstance(node.get("args"), list) or len(node["args"]) != 1:
            raise SerializationError(f"{where}: each call must have exactly one positional argument (the inputs), "
                                     f"got {str(node)[:80]}")
        kwargs = {k: v for k, v in (node.get("kwargs") or {}).items() if v is not None}
        if any(isinstance(v, (dict, list)) for v in kwargs.values()):
            raise SerializationError(f"{where}: tensor keyword arguments ({sorted(kwargs)}) are not supported")
        nodes.append({"args": _tensor_ref(node["args"][0], where), "kwargs": kwargs})
    return nodes


def _sequential(config, where, custom_objects, safe_mode, extra):
    layers = [from_keras_config(c, custom_objects, safe_mode, extra) for c in config.get("layers") or []]
    shape = config.get("build_input_shape")
    first = (config.get("layers") or [{}])[0] if config.get("layers") else {}
    if shape is None and isinstance(first, dict):
        shape = (first.get("build_config") or {}).get("input_shape")
    has_input = layers and layers[0]["class_name"] == "InputLayer"
    if not has_input and isinstance(shape, list) and shape:
        layers.insert(0, {"class_name": "InputLayer", "config": {"batch_shape": shape}})
    return {"name": config.get("name"), "trainable": config.get("trainable", True), "layers": layers}


def _functional(config, where, custom_objects, safe_mode, extra):
    layers = []
    for entry in config.get("layers") or []:
        converted = from_keras_config(entry, custom_objects, safe_mode, extra)
        converted["inbound_nodes"] = _nodes(entry, f"layer {converted['name']!r}")
        layers.append(converted)
    return {"name": config.get("name"), "trainable": config.get("trainable", True), "layers": layers,
            "input_layers": config.get("input_layers"), "output_layers": config.get("output_layers")}


def from_keras_config(entry, custom_objects=None, safe_mode=True, extra=None):
    """A striate layer config (``serialize_layer``'s form) from a Keras 3 one.

    Args:
        entry: ``{"class_name", "config", "module", "registered_name", ...}`` as Keras writes it.
        custom_objects: ``{name: class or function}`` for custom layers and Lambda functions.
        safe_mode: refuse Lambda layers (True, the default, as in Keras).
        extra: a dict that receives the classes made for Lambda layers; pass it, merged
            with ``custom_objects``, to :func:`~striate.saving.deserialize_layer`.

    Raises:
        SerializationError: naming the layer and what striate cannot take.
    """
    extra = {} if extra is None else extra
    if not isinstance(entry, dict) or not isinstance(entry.get("class_name"), str) or \
            not isinstance(entry.get("config", {}), dict):
        raise SerializationError(f"a Keras layer config must be an object with 'class_name' and 'config', got "
                                 f"{str(entry)[:80]}")
    class_name, config = entry["class_name"], dict(entry.get("config") or {})
    name = config.get("name") or entry.get("name")
    where = f"layer {name!r} ({class_name})"
    if class_name in _MODELS:
        if not isinstance(config.get("layers", []), list):
            raise SerializationError(f"{where}: a model config needs a 'layers' list, got "
                                     f"{type(config.get('layers')).__name__}")
        inner = _sequential if class_name == "Sequential" else _functional
        return {"class_name": class_name, "config": inner(config, where, custom_objects, safe_mode, extra),
                "name": name}
    if class_name == "Lambda":
        key = _lambda(config, where, custom_objects, safe_mode, extra)
        return {"class_name": key, "config": _layer_config(class_name, extra[key], config, where, custom_objects),
                "name": name}
    registered = entry.get("registered_name")
    cls = layer_class(class_name, registered, custom_objects)
    found = registered if isinstance(registered, str) and registered and cls is not _builtin(class_name) \
        else class_name
    if cls is None or not inspect.isclass(cls):
        raise SerializationError(f"{where}: striate has no layer class {class_name!r} (module "
                                 f"{entry.get('module')!r}); register a custom one with "
                                 "striate.saving.register_keras_serializable or pass custom_objects")
    return {"class_name": found, "config": _layer_config(class_name, cls, config, where, custom_objects),
            "name": name}



def _builtin(class_name):
    from striate.saving.serialization import _builtin_classes

    return _builtin_classes().get(class_name)
