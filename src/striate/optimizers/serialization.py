"""``get``, ``serialize`` and ``deserialize``: optimizers from names and configs.

The dicts are Keras 3's (``{'module': 'keras.optimizers', 'class_name':
'Adam', 'config': {...}, 'registered_name': None}``), so a striate model's
optimizer config can be read by Keras and the other way round.

>>> get("adam").learning_rate
0.001
>>> opt = deserialize(serialize(get("SGD")))
>>> type(opt).__name__, opt.learning_rate
('SGD', 0.01)
"""

from striate.optimizers.adadelta import Adadelta
from striate.optimizers.adagrad import Adagrad
from striate.optimizers.adam import Adam, AdamW
from striate.optimizers.adamax import Adamax
from striate.optimizers.base import Optimizer
from striate.optimizers.nadam import Nadam
from striate.optimizers.rmsprop import RMSprop
from striate.optimizers.sgd import SGD

__all__ = ["get", "serialize", "deserialize"]

# Lower-case class name -> class: names are matched case-insensitively, as in Keras.
_BUILT_IN = {cls.__name__.lower(): cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Nadam)}


def serialize(optimizer):
    """The optimizer's class and configuration (not its state) as a JSON-ready dict.

    Raises:
        TypeError: when ``optimizer`` is not an :class:`Optimizer`.
    """
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizers.serialize: expected an Optimizer, got {optimizer!r}")
    return {"module": "keras.optimizers", "class_name": type(optimizer).__name__, "config": optimizer.get_config(),
            "registered_name": None}


def deserialize(config, custom_objects=None):
    """A new optimizer from ``{'class_name': ..., 'config': {...}}`` (other keys ignored).

    Args:
        config: the dict written by :func:`serialize` or by Keras.
        custom_objects: optional ``{name: class}`` for user optimizers and
            learning-rate schedules.

    Raises:
        TypeError: when ``config`` is not such a dict.
        ValueError: for an unknown class name (the message lists the known ones).
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str):
        raise TypeError(f"optimizers.deserialize: expected a dict with 'class_name' and 'config', got {config!r}")
    name = config["class_name"]
    custom_objects = custom_objects or {}
    cls = custom_objects.get(name) or _BUILT_IN.get(name.lower())
    if cls is None:
        raise ValueError(f"Unknown optimizer {name!r}; known optimizers: {sorted(_BUILT_IN)}")
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier):
    """An optimizer from an instance (returned as is), a name or a config dict.

    Args:
        identifier: an :class:`Optimizer`; a name such as ``'adam'`` or
            ``'RMSprop'`` (any case; a new instance with Keras's defaults); a
            dict as written by :func:`serialize`; or None (returns None, as Keras).

    Raises:
        ValueError: for an unknown name.
        TypeError: for any other type.
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return deserialize({"class_name": identifier, "config": {}})
    if isinstance(identifier, dict):
        return deserialize(identifier)
    raise TypeError(f"Could not interpret optimizer identifier {identifier!r}: expected an Optimizer, a name "
                    f"(one of {sorted(_BUILT_IN)}) or a config dict")
