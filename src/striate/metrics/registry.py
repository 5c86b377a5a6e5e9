"""Metrics by name: ``get`` for ``compile(metrics=[...])``, ``resolve_accuracy`` for ``'accuracy'``,
and ``serialize``/``deserialize`` for saving.

>>> get("mae")
<MeanAbsoluteError name=mean_absolute_error>
>>> resolve_accuracy("sparse_categorical_crossentropy", (None, 10))
<SparseCategoricalAccuracy name=accuracy>
"""

import inspect

from striate._config_registry import CustomScope, from_config_dict
from striate.metrics.accuracy import (Accuracy, BinaryAccuracy, CategoricalAccuracy,
                                      SparseCategoricalAccuracy, SparseTopKCategoricalAccuracy,
                                      TopKCategoricalAccuracy, accuracy, binary_accuracy,
                                      categorical_accuracy, sparse_categorical_accuracy,
                                      sparse_top_k_categorical_accuracy, top_k_categorical_accuracy)
from striate.metrics.auc import AUC
from striate.metrics.confusion import (FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives,
                                       TruePositives)
from striate.metrics.metric import Metric, _snake_case
from striate.metrics.reduction import Mean, MeanMetricWrapper, Sum
from striate.metrics.regression import (MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError,
                                        mean_absolute_error, mean_squared_error)

__all__ = ["get", "serialize", "deserialize", "resolve_accuracy", "ALL_OBJECTS_DICT"]

_CLASSES = [Metric, Mean, Sum, MeanMetricWrapper, Accuracy, BinaryAccuracy, CategoricalAccuracy,
            SparseCategoricalAccuracy, TopKCategoricalAccuracy, SparseTopKCategoricalAccuracy,
            MeanAbsoluteError, MeanSquaredError, RootMeanSquaredError, Precision, Recall, AUC,
            TruePositives, FalsePositives, TrueNegatives, FalseNegatives]
_FUNCTIONS = [accuracy, binary_accuracy, categorical_accuracy, sparse_categorical_accuracy,
              top_k_categorical_accuracy, sparse_top_k_categorical_accuracy, mean_absolute_error,
              mean_squared_error]

# As Keras 3: class names and their snake-case forms name classes (get() instantiates them).
ALL_OBJECTS_DICT = {cls.__name__: cls for cls in _CLASSES}
ALL_OBJECTS_DICT.update({_snake_case(cls.__name__): cls for cls in _CLASSES})
ALL_OBJECTS_DICT.update({"auc": AUC, "acc": Accuracy, "mse": MeanSquaredError, "MSE": MeanSquaredError,
                         "mae": MeanAbsoluteError, "MAE": MeanAbsoluteError, "rmse": RootMeanSquaredError})
_FUNCTIONS_DICT = {fn.__name__: fn for fn in _FUNCTIONS}
_MODULES = ("striate.metrics", "keras.metrics", None)
_custom_scope = CustomScope()  # custom_objects of the deserialize calls in progress


def serialize(metric):
    """A JSON-able description of a Metric instance or metric function, in Keras 3's layout.

    >>> serialize(BinaryAccuracy(threshold=0.7))["config"]
    {'name': 'binary_accuracy', 'dtype': 'float32', 'threshold': 0.7}
    """
    if isinstance(metric, Metric):
        return {"module": "striate.metrics", "class_name": type(metric).__name__,
                "config": metric.get_config(), "registered_name": None}
    if callable(metric):
        return {"module": "striate.metrics", "class_name": "function", "config": metric.__name__,
                "registered_name": "function"}
    raise TypeError(f"serialize: expected a Metric or a metric function, got {type(metric).__name__}")


def deserialize(config, custom_objects=None):
    """The Metric instance (or metric function) that ``config`` describes.

    Args:
        config: a dict from :func:`serialize` (or Keras's ``{"class_name", "config"}``), or a name.
        custom_objects: optional ``{name: class or function}`` for user metrics.

    Raises:
        ValueError: for an unknown name, listing the known ones.
    """
    objects = {**ALL_OBJECTS_DICT, **_FUNCTIONS_DICT, **_custom_scope.objects, **(custom_objects or {})}
    if isinstance(config, str):
        obj = _lookup(config, objects)
        return obj() if inspect.isclass(obj) else obj
    return from_config_dict(config, objects, _MODULES, _custom_scope, custom_objects, _lookup)


def _lookup(name, objects):
    if name not in objects:
        known = sorted(n for n in ALL_OBJECTS_DICT if not n[0].isupper() or n.isupper() or n == "AUC")
        raise ValueError(f"Unknown metric {name!r}. Known names: {', '.join(known)} "
                         f"(and the class names {', '.join(c.__name__ for c in _CLASSES[1:])})")
    return objects[name]


def get(identifier):
    """A ready :class:`Metric` for ``compile(metrics=[identifier])``.

    Args:
        identifier: a name (``'accuracy'``/``'acc'`` → exact-match ``Accuracy``,
            ``'mae'``, ``'mse'``, ``'categorical_accuracy'``, ``'precision'``,
            ``'auc'``, ``'AUC'``, ``'Precision'`` ...), a Metric (returned as is),
            a Metric class, a config dict, or a function ``f(y_true, y_pred)``
            of per-sample values (wrapped in :class:`MeanMetricWrapper`); or None.

    Returns:
        A Metric instance, named as its class names it (Keras's ``compile``
        renames string metrics to the string, e.g. ``'acc'``).

    Raises:
        ValueError: for an unknown name, listing the known ones.
        TypeError: for anything else that is not callable.

    >>> get("top_k_categorical_accuracy").k
    5
    """
    if identifier is None or isinstance(identifier, Metric):
        return identifier
    obj = identifier
    if isinstance(identifier, str):
        obj = _lookup(identifier, ALL_OBJECTS_DICT)
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    if inspect.isclass(obj) and issubclass(obj, Metric):
        return obj()
    if isinstance(obj, Metric):
        return obj
    if callable(obj):
        return MeanMetricWrapper(obj)
    raise TypeError(f"Could not interpret metric identifier: {identifier!r}")


_BINARY_LOSSES = ("binary_crossentropy", "bce", "BCE", "BinaryCrossentropy", "binary_focal_crossentropy",
                  "BinaryFocalCrossentropy")
_SPARSE_LOSSES = ("sparse_categorical_crossentropy", "SparseCategoricalCrossentropy")
_CATEGORICAL_LOSSES = ("categorical_crossentropy", "CategoricalCrossentropy", "kl_divergence", "KLDivergence",
                       "categorical_hinge", "CategoricalHinge")


def _loss_name(loss):
    """The name that identifies a loss given to compile: a string, class, function or Loss."""
    if loss is None or isinstance(loss, str):
        return loss
    if inspect.isclass(loss):
        return loss.__name__
    target = getattr(loss, "fn", None) or loss  # a wrapper names the function it wraps
    return getattr(target, "__name__", type(target).__name__)


def resolve_accuracy(loss, output_shape, y_true_shape=None, name="accuracy"):
    """The accuracy metric that ``metrics=['accuracy']`` means for this loss and output.

    Keras 3 decides from the shapes of the first batch (``compile_utils.get_metric``):
    an output with last dimension 1 → :class:`BinaryAccuracy`; targets of lower
    rank than the output, or a last dimension of 1 against a wider output →
    :class:`SparseCategoricalAccuracy`; else :class:`CategoricalAccuracy`. That
    rule is applied when ``y_true_shape`` is given. Without it (at compile time,
    before any data) the loss decides, as Keras 2.0 did: binary cross-entropy →
    binary, sparse categorical cross-entropy → sparse, categorical cross-entropy
    (or KL divergence, categorical hinge) → categorical; any other loss falls
    back on the output's last dimension (1 → binary, else categorical). Both
    rules agree whenever the targets fit the loss.

    Args:
        loss: the loss identifier or object given to compile (name, Loss, function) or None.
        output_shape: the model output's shape, e.g. ``(None, 10)``.
        y_true_shape: optional shape of the targets (of one batch).
        name: the metric's name (``'accuracy'`` or ``'acc'``).

    >>> resolve_accuracy("binary_crossentropy", (None, 1)).__class__.__name__
    'BinaryAccuracy'
    """
    output_shape = tuple(output_shape)
    last = output_shape[-1] if output_shape else 1
    if y_true_shape is not None:
        y_true_shape = tuple(y_true_shape)
        if last == 1:
            return BinaryAccuracy(name=name)
        if len(y_true_shape) < len(output_shape) or (y_true_shape and y_true_shape[-1] == 1 and last != 1):
            return SparseCategoricalAccuracy(name=name)
        return CategoricalAccuracy(name=name)
    loss_name = _loss_name(loss)
    if loss_name in _BINARY_LOSSES:
        return BinaryAccuracy(name=name)
    if loss_name in _SPARSE_LOSSES:
        return SparseCategoricalAccuracy(name=name)
    if loss_name in _CATEGORICAL_LOSSES:
        return CategoricalAccuracy(name=name)
    return BinaryAccuracy(name=name) if last == 1 else CategoricalAccuracy(name=name)
