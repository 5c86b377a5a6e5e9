"""Losses by name: ``get`` for ``compile(loss=...)``, and ``serialize``/``deserialize`` for saving.

>>> from striate import losses
>>> losses.get("mse")
<MeanSquaredError name=mean_squared_error>
>>> losses.get({"class_name": "CategoricalCrossentropy", "config": {"from_logits": True}}).from_logits
True
"""

import inspect

from striate._config_registry import CustomScope, from_config_dict
from striate.losses.crossentropy import (BinaryCrossentropy, CategoricalCrossentropy, KLDivergence,
                                         SparseCategoricalCrossentropy, binary_crossentropy,
                                         categorical_crossentropy, kl_divergence,
                                         sparse_categorical_crossentropy)
from striate.losses.hinge import (CategoricalHinge, Hinge, SquaredHinge, categorical_hinge, hinge,
                                  squared_hinge)
from striate.losses.loss import Loss, LossFunctionWrapper
from striate.losses.regression import (Huber, LogCosh, MeanAbsoluteError, MeanSquaredError, huber,
                                       log_cosh, mean_absolute_error, mean_squared_error)

__all__ = ["get", "serialize", "deserialize", "ALL_OBJECTS_DICT"]

# Each built-in function and the class that computes it (the class has the fused fast path).
_FUNCTION_CLASSES = {
    mean_squared_error: MeanSquaredError,
    mean_absolute_error: MeanAbsoluteError,
    huber: Huber,
    log_cosh: LogCosh,
    binary_crossentropy: BinaryCrossentropy,
    categorical_crossentropy: CategoricalCrossentropy,
    sparse_categorical_crossentropy: SparseCategoricalCrossentropy,
    kl_divergence: KLDivergence,
    hinge: Hinge,
    squared_hinge: SquaredHinge,
    categorical_hinge: CategoricalHinge,
}
_CLASSES = [Loss, LossFunctionWrapper, *_FUNCTION_CLASSES.values()]

ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({fn.__name__: fn for fn in _FUNCTION_CLASSES})
ALL_OBJECTS_DICT.update({
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "kld": kl_divergence, "KLD": kl_divergence, "kullback_leibler_divergence": kl_divergence,
    "logcosh": log_cosh, "huber_loss": huber,
})
_MODULES = ("striate.losses", "keras.losses", None)
_custom_scope = CustomScope()  # custom_objects of the deserialize calls in progress


def serialize(loss):
    """A JSON-able description of a Loss instance or loss function, in Keras 3's layout.

    >>> serialize(MeanSquaredError())["config"]
    {'name': 'mean_squared_error', 'reduction': 'sum_over_batch_size'}
    >>> serialize(mean_squared_error)["config"]
    'mean_squared_error'
    """
    if isinstance(loss, Loss):
        return {"module": "striate.losses", "class_name": type(loss).__name__,
                "config": loss.get_config(), "registered_name": None}
    if callable(loss):
        return {"module": "striate.losses", "class_name": "function",
                "config": loss.__name__, "registered_name": "function"}
    raise TypeError(f"serialize: expected a Loss or a loss function, got {type(loss).__name__}")


def deserialize(config, custom_objects=None):
    """The Loss instance or loss function that ``config`` describes.

    Args:
        config: a dict from :func:`serialize` (or Keras's ``{"class_name", "config"}``),
            or a name.
        custom_objects: optional ``{name: class or function}`` for user losses.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    objects = {**ALL_OBJECTS_DICT, **_custom_scope.objects, **(custom_objects or {})}
    if isinstance(config, str):
        return _lookup(config, objects)
    return from_config_dict(config, objects, _MODULES, _custom_scope, custom_objects, _lookup)


def _lookup(name, objects):
    if name not in objects:
        known = sorted(n for n in objects if not n[0].isupper() or n.isupper())
        raise ValueError(f"Unknown loss {name!r}. Known names: {', '.join(known)} "
                         f"(and the class names {', '.join(c.__name__ for c in _CLASSES[2:])})")
    return objects[name]


def get(identifier):
    """A ready-to-call :class:`Loss` for ``compile(loss=identifier)``.

    Args:
        identifier: a name (``'mse'``, ``'mean_squared_error'``,
            ``'categorical_crossentropy'``, ``'CategoricalCrossentropy'``, ...), a
            Loss instance (returned as is), a Loss class, a config dict, or a
            function ``f(y_true, y_pred)`` of per-sample losses; or None.

    Returns:
        A Loss instance (None for None). Unlike ``keras.losses.get``, which gives
        the bare function for a snake-case name and lets ``compile`` wrap it,
        this returns the Loss class itself (``'categorical_crossentropy'`` →
        ``CategoricalCrossentropy()``), so the fused fast path applies.

    Raises:
        ValueError: for an unknown name, listing the known ones.
        TypeError: for anything else that is not callable.

    >>> get("sparse_categorical_crossentropy").name
    'sparse_categorical_crossentropy'
    """
    if identifier is None or isinstance(identifier, Loss):
        return identifier
    obj = identifier
    if isinstance(identifier, (str, dict)):
        obj = deserialize(identifier)
    if inspect.isclass(obj) and issubclass(obj, Loss):
        return obj()
    if obj in _FUNCTION_CLASSES:
        return _FUNCTION_CLASSES[obj]()
    if isinstance(obj, Loss):
        return obj
    if callable(obj):
        return LossFunctionWrapper(obj)
    raise TypeError(f"Could not interpret loss identifier: {identifier!r}")
