"""Keras-style ``{"class_name", "config"}`` dicts back to objects, shared by losses and metrics.

Only names found in a fixed table (built-ins plus what the caller passes as
``custom_objects``) are ever resolved; nothing is imported because a config says so.
"""

import contextlib

from striate._object_registry import GLOBAL_CUSTOM_OBJECTS, scope_objects

__all__ = ["CustomScope", "from_config_dict", "custom_names"]


def custom_names():
    """The registered objects (under ``"package>name"`` and, where unambiguous, their plain
    name) and those of the active ``custom_object_scope``: what a config may name besides
    the built-ins."""
    plain = {}
    for key, obj in GLOBAL_CUSTOM_OBJECTS.items():
        plain.setdefault(key.rpartition(">")[2], obj)
    return {**plain, **GLOBAL_CUSTOM_OBJECTS, **scope_objects()}


class CustomScope:
    """The ``custom_objects`` of the deserialize calls in progress, so nested configs
    (the function inside a wrapper's config) resolve to them too; ``objects`` also
    holds the registered and scoped objects (:func:`custom_names`)."""

    def __init__(self):
        self._local = {}

    @property
    def objects(self):
        return {**custom_names(), **self._local}

    @contextlib.contextmanager
    def extended(self, custom_objects):
        saved = dict(self._local)
        self._local.update(custom_objects or {})
        try:
            yield
        finally:
            self._local.clear()
            self._local.update(saved)


def from_config_dict(config, objects, modules, scope, custom_objects, lookup):
    """The object a ``{"class_name", "config"}`` dict describes.

    Args:
        config: the dict (``class_name == "function"`` names a plain function).
        objects: name -> class or function, everything that may be resolved.
        modules: the ``module`` values accepted (Keras's and striate's own).
        scope: the :class:`CustomScope` of the calling registry.
        custom_objects: the caller's extra names, visible to nested configs.
        lookup: ``lookup(name, objects)`` raising a ValueError that lists the known names.

    Raises:
        ValueError: for a malformed dict, an unknown module or an unknown name.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"deserialize: expected a name or a dict with 'class_name', got {config!r}")
    if config.get("module") not in modules and config["class_name"] not in objects:
        raise ValueError(f"deserialize: unknown module {config.get('module')!r}")
    registered = config.get("registered_name")
    if config["class_name"] == "function":
        name = registered if isinstance(registered, str) and registered in objects else config["config"]
        return lookup(name, objects)
    name = registered if isinstance(registered, str) and registered in objects else config["class_name"]
    cls = lookup(name, objects)
    with scope.extended(custom_objects):
        return cls.from_config(config.get("config") or {})
