"""A Keras 3 ``compile_config`` (optimizer, loss, metrics) turned into a ``model.compile`` call.

Keras's optimizer configs carry options striate lacks (``use_ema``,
``loss_scale_factor`` ...): each is dropped when it is off (None or False, or
``ema_momentum`` without ``use_ema``) and refused otherwise. The optimizer's
*state* (Keras's ``optimizer/vars``) is not read: a loaded model starts its
optimizer afresh, so training resumes with new moment estimates.

>>> import striate
>>> model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(1)])
>>> spec = {"optimizer": {"module": "keras.optimizers", "class_name": "SGD", "registered_name": "SGD",
...         "config": {"name": "sgd", "learning_rate": 0.1, "use_ema": False, "ema_momentum": 0.99,
...                    "loss_scale_factor": None, "momentum": 0.0, "nesterov": False}},
...         "loss": "mse", "metrics": ["mae"], "loss_weights": None, "run_eagerly": False}
>>> compile_from_keras(model, spec, None, "demo.keras")
>>> type(model.optimizer).__name__, model.optimizer.learning_rate
('SGD', 0.1)
"""

from striate import optimizers
from striate.losses import registry as loss_registry
from striate.metrics import registry as metric_registry
from striate.saving.errors import ModelFileError
from striate.saving.keras_config import _accepted

__all__ = ["compile_from_keras"]

_MOOT = {"ema_momentum": lambda c: not c.get("use_ema"), "ema_overwrite_frequency": lambda c: not c.get("use_ema")}
_IGNORED = ("run_eagerly", "steps_per_execution", "jit_compile", "auto_scale_loss")


def _optimizer(spec, custom_objects):
    if isinstance(spec, str):
        return optimizers.get(spec)
    if not isinstance(spec, dict) or not isinstance(spec.get("class_name"), str):
        raise ValueError(f"optimizer {str(spec)[:80]} is neither a name nor a Keras optimizer config")
    name = spec["class_name"]
    cls = (custom_objects or {}).get(name) or optimizers.serialization._BUILT_IN.get(name.lower())
    if cls is None:
        raise ValueError(f"optimizer class {name!r} is not one striate has")
    config = dict(spec.get("config") or {})
    accepted = _accepted(cls)
    for key in [k for k in config if k not in accepted]:
        value = config[key]
        if not (value is None or value is False or (key in _MOOT and _MOOT[key](config))):
            raise ValueError(f"optimizer option {key}={value!r} is not supported by striate")
        del config[key]
    return optimizers.deserialize({"class_name": name, "config": config}, custom_objects=custom_objects)


def _objects(value, registry, kind, custom_objects):
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, list):
        return [_objects(v, registry, kind, custom_objects) for v in value]
    if isinstance(value, dict) and "class_name" in value:
        return registry.deserialize({"class_name": value["class_name"], "config": value.get("config")},
                                    custom_objects=custom_objects)
    if isinstance(value, dict):
        return {k: _objects(v, registry, kind, custom_objects) for k, v in value.items()}
    raise ValueError(f"{kind} {str(value)[:60]} is neither a name nor a Keras config")


def compile_from_keras(model, spec, custom_objects, name):
    """``model.compile(...)`` with the settings of a Keras ``compile_config``.

    Raises:
        ModelFileError: naming the file and the setting striate cannot take; load with
            ``compile=False`` and compile yourself to get past it.
    """
    try:
        if not isinstance(spec, dict):
            raise ValueError("compile_config must be an object")
        unknown = [k for k in spec if k not in ("optimizer", "loss", "metrics", "loss_weights",
                                                 "weighted_metrics") + _IGNORED]
        if unknown or spec.get("weighted_metrics"):
            raise ValueError(f"settings {unknown or ['weighted_metrics']} are not supported")
        model.compile(optimizer=_optimizer(spec.get("optimizer"), custom_objects),
                      loss=_objects(spec.get("loss"), loss_registry, "loss", custom_objects),
                      loss_weights=spec.get("loss_weights"),
                      metrics=_objects(spec.get("metrics"), metric_registry, "metric", custom_objects))
    except (ValueError, TypeError, KeyError) as error:
        raise ModelFileError(f"Keras file {name!r}: its compile settings cannot be used ({str(error)[:300]}); "
                             "load it with compile=False and compile the model yourself") from None
