"""The names under which custom classes and functions are found again: Keras 3's object registration.

A config (and so a model file) names classes and functions by string only.
Three places give such a name a meaning, looked up in this order:

1. the innermost :class:`CustomObjectScope` (``with custom_object_scope({...}):``),
2. the global registry filled by :func:`register_keras_serializable`
   (keys ``"package>name"``),
3. the ``custom_objects`` dict a loader was given.

Nothing is ever imported or evaluated because a name says so: a name that none
of these (nor striate's own tables) knows is an error that names it.

This module sits below every registry (layers, losses, metrics, activations,
initializers, regularizers, constraints) so that all of them see the same
registrations; ``striate.saving`` and ``striate.utils`` re-export it.

>>> @register_keras_serializable(package="demo")
... def cube(x):
...     return x ** 3
>>> get_registered_name(cube), get_registered_object("demo>cube") is cube
('demo>cube', True)
>>> with custom_object_scope({"triple": cube}):
...     get_registered_object("triple") is cube
True
>>> get_registered_object("triple") is None
True
"""

import contextvars
import inspect

__all__ = ["register_keras_serializable", "get_registered_object", "get_registered_name", "get_custom_objects",
           "CustomObjectScope", "custom_object_scope", "scope_objects", "lookup_custom"]

# registered name ("package>name") -> class or function, and back; the first is what
# get_custom_objects() returns (Keras's GLOBAL_CUSTOM_OBJECTS: user code may clear or fill it).
GLOBAL_CUSTOM_OBJECTS = {}
GLOBAL_CUSTOM_NAMES = {}
_SCOPE = contextvars.ContextVar("striate_custom_object_scope", default={})


def register_keras_serializable(package="Custom", name=None):
    """Decorator: make a class or function findable by ``"package>name"`` in configs and files.

    Args:
        package: the first part of the key (Keras's default ``"Custom"``).
        name: the second part; defaults to the object's ``__name__``.

    Raises:
        ValueError: for a class without ``get_config`` (it could not be saved), as in Keras.
    """
    def decorator(obj):
        registered_name = f"{package}>{name if name is not None else obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(f"Cannot register the class {obj.__name__!r}: it has no get_config() method")
        GLOBAL_CUSTOM_OBJECTS[registered_name] = obj
        GLOBAL_CUSTOM_NAMES[obj] = registered_name
        return obj
    return decorator


def get_custom_objects():
    """The global registry itself, ``{registered name: object}`` (clearing it forgets every registration)."""
    return GLOBAL_CUSTOM_OBJECTS


def get_registered_name(obj):
    """``"package>name"`` of a registered object, else its ``__name__``."""
    try:
        registered = GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable
        registered = None
    if registered is not None and GLOBAL_CUSTOM_OBJECTS.get(registered) is obj:
        return registered
    return obj.__name__


def get_registered_object(name, custom_objects=None, module_objects=None):
    """The object ``name`` stands for (scope, then registry, then the given dicts), or None."""
    for table in (_SCOPE.get(), GLOBAL_CUSTOM_OBJECTS, custom_objects or {}, module_objects or {}):
        if name in table:
            return table[name]
    return None


def scope_objects():
    """A copy of what the active :class:`CustomObjectScope`\\ s hold (empty outside any)."""
    return dict(_SCOPE.get())


def lookup_custom(name, custom_objects=None):
    """A custom object for a config's name: by exact key, else a registration whose plain
    name (after ``>``) is ``name`` when only one has it. None when nothing fits."""
    if not isinstance(name, str):
        return None
    found = get_registered_object(name, custom_objects)
    if found is not None:
        return found
    matches = [obj for key, obj in GLOBAL_CUSTOM_OBJECTS.items() if key.rpartition(">")[2] == name]
    return matches[0] if len(matches) == 1 else None


class CustomObjectScope:
    """Context manager: names that configs (and ``load_model``) may use inside it.

    >>> import striate
    >>> def my_relu(x):
    ...     return striate.activations.relu(x)
    >>> with CustomObjectScope({"my_relu": my_relu}):
    ...     layer = striate.layers.Dense.from_config({"units": 2, "activation": "my_relu"})
    >>> layer.activation is my_relu
    True

    Scopes nest: an inner scope sees the outer one's names too.
    """

    def __init__(self, custom_objects):
        if custom_objects is not None and not isinstance(custom_objects, dict):
            raise TypeError(f"CustomObjectScope: custom_objects must be a dict, got {type(custom_objects).__name__}")
        self.custom_objects = dict(custom_objects or {})
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_SCOPE.set({**_SCOPE.get(), **self.custom_objects}))
        return self

    def __exit__(self, *exc):
        _SCOPE.reset(self._tokens.pop())


custom_object_scope = CustomObjectScope
