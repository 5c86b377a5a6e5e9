"""Keras-style ``{"class_name", "config"}`` dicts back to objects, shared by losses and metrics.

Only names found in a fixed table (built-ins plus what the caller passes as
``custom_objects``) are ever resolved; nothing is imported because a config says so.
"""

import contextlib

__all__ = ["CustomScope", "from_config_dict"]


class CustomScope:
    """The ``custom_objects`` of the deserialize calls in progress, so nested configs
    (the function inside a wrapper's config) resolve to them too."""

    def __init__(self):
        self.objects = {}

    @contextlib.contextmanager
    def extended(self, custom_objects):
        saved = dict(self.objects)
        self.objects.update(custom_objects or {})
        try:
            yield
        finally:
            self.objects.clear()
            self.objects.update(saved)


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
    if config["class_name"] == "function":
        return lookup(config["config"], objects)
    cls = lookup(config["class_name"], objects)
    with scope.extended(custom_objects):
        return cls.from_config(config.get("config") or {})
