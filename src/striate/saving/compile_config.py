"""A model's compile settings as JSON and back: optimizer, loss, loss weights, metrics.

Names stay names (``"adam"``, ``"mse"``, ``["accuracy"]``). Objects are written
as their Keras-style config inside a tagged dict ``{"__striate_object__": kind,
"config": ...}`` so that they cannot be confused with a per-output dict. A
function or class is written by *name* only, and only when that name leads back
to the very same object: a built-in, or one the user registered with
:func:`~striate.saving.register_keras_serializable`. Anything else is refused
when saving, because a file never carries code and could not bring it back.

>>> from striate import optimizers
>>> spec = {"optimizer": optimizers.serialize(optimizers.SGD(0.1)), "loss": "mse", "loss_weights": None,
...         "metrics": ["mae"]}
>>> kwargs = decode_compile(spec)
>>> type(kwargs["optimizer"]).__name__, kwargs["loss"], kwargs["metrics"]
('SGD', 'mse', ['mae'])
"""

import inspect
import json
import numbers

from striate import losses, metrics, optimizers
from striate.losses import registry as loss_registry
from striate.metrics import registry as metric_registry
from striate.optimizers import schedules
from striate.saving.serialization import registered_objects

__all__ = ["encode_compile", "decode_compile"]

_TAG = "__striate_object__"
_MODULES = {"loss": loss_registry, "metric": metric_registry}


def encode_compile(model):
    """The compile settings of ``model`` as a JSON-ready dict, or None when it is not compiled.

    Raises:
        ValueError: when a loss, metric, optimizer or schedule is a function or
            class that is neither built in nor registered (the message says which
            and how to register it).
    """
    if not getattr(model, "compiled", False) or model.optimizer is None:
        return None
    args = getattr(model, "_compile_args", {}) or {}
    spec = {"optimizer": _encode_optimizer(model.optimizer), "loss": _encode(model.loss, "loss"),
            "loss_weights": _encode_weights(args.get("loss_weights")),
            "metrics": _encode(args.get("metrics"), "metric")}
    try:
        json.dumps(spec, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise ValueError(f"Model {model.name!r}: its compile settings cannot be written as JSON ({error})") from None
    decode_compile(spec)  # what is written must come back: fail now, not when the file is loaded
    return spec


def _registered_name(obj):
    for name, value in registered_objects().items():
        if value is obj:
            return name
    return None


def _encode_optimizer(optimizer):
    config = optimizers.serialize(optimizer)
    cls = type(optimizer)
    if getattr(optimizers, cls.__name__, None) is not cls:
        name = _registered_name(cls)
        if name is None:
            raise ValueError(f"cannot save the optimizer {cls.__name__}: it is not built in; register it with "
                             "@striate.saving.register_keras_serializable() so that the file can name it")
        config["class_name"] = name
    lr = config["config"].get("learning_rate")
    if isinstance(lr, dict):
        schedule = type(optimizer._learning_rate)
        if getattr(schedules, schedule.__name__, None) is not schedule:
            name = _registered_name(schedule)
            if name is None:
                raise ValueError(f"cannot save the learning-rate schedule {schedule.__name__}: register it with "
                                 "@striate.saving.register_keras_serializable()")
            lr["class_name"] = name
    return config


def _encode_weights(value):
    if value is None or (isinstance(value, numbers.Real) and not isinstance(value, bool)):
        return None if value is None else float(value)
    if isinstance(value, (list, tuple)):
        return [_encode_weights(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {k: _encode_weights(v) for k, v in value.items()}
    raise ValueError(f"cannot save loss_weights={value!r}: expected numbers, or a list or dict of numbers")


def _encode(value, kind):
    """Names, None, lists and per-output dicts as they are; objects tagged (see the module doc)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return [_encode(v, kind) for v in value]
    if isinstance(value, dict):
        if not all(isinstance(k, str) for k in value):
            raise ValueError(f"cannot save the {kind}s {value!r}: a per-output dict must have string keys")
        return {k: _encode(v, kind) for k, v in value.items()}
    module = _MODULES[kind]
    base = losses.Loss if kind == "loss" else metrics.Metric
    if isinstance(value, base):
        config = module.serialize(value)
        cls = type(value)
        if module.ALL_OBJECTS_DICT.get(cls.__name__) is not cls:
            name = _registered_name(cls)
            if name is None:
                raise ValueError(f"cannot save the {kind} {cls.__name__}: it is not built in; register its class "
                                 "with @striate.saving.register_keras_serializable()")
            config["class_name"] = name
        return {_TAG: kind, "config": config}
    if callable(value):
        return {_TAG: kind, "config": _callable_name(value, kind, module)}
    raise ValueError(f"cannot save the {kind} {value!r}: expected a name, a {base.__name__} or a function")


def _callable_name(obj, kind, module):
    table = dict(module.ALL_OBJECTS_DICT)
    table.update(getattr(module, "_FUNCTIONS_DICT", {}))
    for name, value in table.items():
        if value is obj:
            return name
    name = _registered_name(obj)
    if name is None:
        label = getattr(obj, "__name__", repr(obj))
        raise ValueError(f"cannot save the {kind} {label!r}: a model file never holds code, so a custom {kind} "
                         "must be registered with @striate.saving.register_keras_serializable() (then loading "
                         "finds it by name), or use a built-in name")
    return name


# ---- decoding ----------------------------------------------------------------------------------
def _objects(kind, custom_objects):
    """The registered and given objects that may stand for a ``kind`` (classes of the right family, functions)."""
    families = {"loss": (losses.Loss,), "metric": (metrics.Metric,),
                "optimizer": (optimizers.Optimizer, schedules.LearningRateSchedule)}[kind]
    out = {}
    for name, obj in {**registered_objects(), **(custom_objects or {})}.items():
        if (inspect.isclass(obj) and issubclass(obj, families)) or (kind != "optimizer" and inspect.isfunction(obj)):
            out[name] = obj
    return out


def decode_compile(spec, custom_objects=None):
    """``compile`` keyword arguments from :func:`encode_compile`'s output.

    Raises:
        ValueError: for a malformed spec or a name that is neither built in,
            registered, nor in ``custom_objects``.
        TypeError: for values of the wrong type.
    """
    if not isinstance(spec, dict) or not {"optimizer", "loss"} <= set(spec):
        raise ValueError("compile settings must be an object with 'optimizer' and 'loss'")
    optimizer = optimizers.deserialize(spec["optimizer"], custom_objects=_objects("optimizer", custom_objects))
    return {"optimizer": optimizer, "loss": _decode(spec["loss"], "loss", custom_objects),
            "loss_weights": _decode_weights(spec.get("loss_weights")),
            "metrics": _decode(spec.get("metrics"), "metric", custom_objects)}


def _decode_weights(value):
    if value is None or (isinstance(value, (int, float)) and not isinstance(value, bool)):
        return value
    if isinstance(value, list):
        return [_decode_weights(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _decode_weights(v) for k, v in value.items()}
    raise ValueError(f"loss_weights hold {type(value).__name__}, expected numbers")


def _decode(value, kind, custom_objects):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_decode(v, kind, custom_objects) for v in value]
    if isinstance(value, dict) and _TAG in value:
        if value[_TAG] != kind or set(value) != {_TAG, "config"}:
            raise ValueError(f"a {kind} entry is tagged {value[_TAG]!r} with keys {sorted(value)}")
        return _MODULES[kind].deserialize(value["config"], custom_objects=_objects(kind, custom_objects))
    if isinstance(value, dict):
        return {k: _decode(v, kind, custom_objects) for k, v in value.items()}
    raise ValueError(f"a {kind} entry is a {type(value).__name__}; expected a name, a list, a dict or an object")
