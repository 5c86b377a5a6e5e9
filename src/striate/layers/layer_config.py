"""``get_config`` / ``from_config`` and ``get_build_config`` / ``build_from_config`` of every layer (Keras 3's rules).

A layer subclass that does not write ``get_config`` still serializes, as in
Keras 3: the arguments its constructor was called with are recorded (when all
of them are plain values: numbers, strings, booleans, None, and lists, tuples
and dicts of those) and become its config, defaults included. When some
argument is not a plain value, ``get_config`` raises ``NotImplementedError``
asking for a ``get_config`` of its own. A subclass that writes ``get_config``
and calls ``super().get_config()`` gets the base keys (``name``, ``trainable``,
``dtype``) to update.

>>> from striate.layers import Layer
>>> class Scale(Layer):
...     def __init__(self, factor=2.0, **kwargs):
...         super().__init__(**kwargs)
...         self.factor = factor
...     def call(self, x):
...         return x * self.factor
>>> config = Scale(3.0, name="s").get_config()
>>> config["factor"], config["name"]
(3.0, 's')
>>> Scale.from_config(config).factor
3.0
"""

import inspect
import textwrap

__all__ = ["LayerConfig"]

_PLAIN = (str, int, float, bool, type(None))
_SIGNATURES = {}

_EXAMPLE = """
    class CustomLayer(keras.layers.Layer):
        def __init__(self, arg1, arg2, **kwargs):
            super().__init__(**kwargs)
            self.arg1 = arg1
            self.arg2 = arg2

        def get_config(self):
            config = super().get_config()
            config.update({"arg1": self.arg1, "arg2": self.arg2})
            return config
"""


def _signature(cls):
    signature = _SIGNATURES.get(cls)
    if signature is None:
        signature = _SIGNATURES[cls] = inspect.signature(cls.__init__)
    return signature


def _base_parameters():
    from striate.layers.base import Layer

    return [name for name in _signature(Layer).parameters if name != "self"]


def _all_plain(value):
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif not isinstance(item, _PLAIN):
            return False
    return True


def _auto_config(cls, args, kwargs):
    """The constructor arguments as a config dict, or a reason string when they cannot be one."""
    signature = _signature(cls)
    try:
        bound = signature.bind(None, *args, **kwargs)
    except TypeError:
        return "unbindable"
    params = list(signature.parameters.values())[1:]
    if any(p.kind == p.POSITIONAL_ONLY for p in params):
        return "positional"
    bound.apply_defaults()
    arguments = dict(bound.arguments)
    arguments.pop(next(iter(signature.parameters)))  # self
    for p in params:
        if p.kind == p.VAR_KEYWORD:
            arguments.update(arguments.pop(p.name, {}))
        elif p.kind == p.VAR_POSITIONAL:
            if arguments.pop(p.name, ()):
                return "positional"
    # The base Layer's own arguments (name, trainable, dtype, input_shape ...) are the base
    # config's business: it writes those that were set, in Keras's form.
    for key in _base_parameters():
        arguments.pop(key, None)
    if not _all_plain(arguments):
        return "values"
    return arguments


class LayerConfig:
    """The config half of :class:`~striate.layers.Layer` (mixed into it)."""

    def __new__(cls, *args, **kwargs):
        instance = super().__new__(cls)
        # Before __init__ runs (and may change them): the arguments, for the default get_config.
        instance.__dict__["_auto_config"] = _auto_config(cls, args, kwargs)
        return instance

    def get_config(self):
        """The constructor arguments as JSON-friendly values (Keras's keys).

        Raises:
            NotImplementedError: for a subclass without its own ``get_config`` whose
                constructor got arguments that are not plain values (see the module doc).
        """
        from striate import regularizers

        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_shape is not None:
            config["batch_input_shape"] = list(self._batch_shape)
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = regularizers.serialize(self.activity_regularizer)
        if not self._uses_default_get_config():
            return config
        return self._auto_get_config(config)

    def _uses_default_get_config(self):
        from striate.layers.base import Layer

        return type(self).get_config is Layer.get_config

    def _auto_get_config(self, base):
        auto = self.__dict__.get("_auto_config")
        if isinstance(auto, dict):
            config = {**auto, **base}
            params = _signature(type(self)).parameters
            if "name" not in params and not any(p.kind == p.VAR_KEYWORD for p in params.values()):
                config.pop("name", None)  # __init__ could not take it back
            return config
        what = ("positional-only or variadic positional arguments (*args)" if auto == "positional"
                else "non-serializable argument values")
        raise NotImplementedError(textwrap.dedent(f"""
            Layer {type(self).__name__} was created by passing {what} to `__init__()`, and therefore
            the layer must override `get_config()` in order to be serializable. Please implement
            `get_config()` (and `from_config()` when its arguments are objects). Example:
            {_EXAMPLE}"""))

    @classmethod
    def from_config(cls, config):
        """``cls(**config)``; a config that the constructor does not accept is a TypeError naming both.

        Raises:
            TypeError: "Error when deserializing class ... using config=...", as in Keras.
        """
        try:
            return cls(**config)
        except TypeError as error:
            raise TypeError(f"Error when deserializing class '{cls.__name__}' using config={config}.\n\n"
                            f"Exception encountered: {error}") from error

    def get_build_config(self):
        """``{"input_shape": ...}``: the shape(s) ``build`` was called with, or None before that."""
        shapes = self.__dict__.get("_build_shapes")
        return None if shapes is None else {"input_shape": _as_lists(shapes)}

    def build_from_config(self, config):
        """Build the layer for the ``input_shape`` that :meth:`get_build_config` recorded."""
        shape = (config or {}).get("input_shape")
        if shape is not None:
            self._build_from_shapes(_as_shapes(shape))


def _as_lists(shapes):
    if isinstance(shapes, (list, tuple)):
        return [_as_lists(s) for s in shapes]
    if isinstance(shapes, dict):
        return {k: _as_lists(v) for k, v in shapes.items()}
    return shapes


def _as_shapes(value):
    """JSON lists back to shape tuples: ``[None, 3]`` -> ``(None, 3)``, lists of them -> lists of tuples."""
    if isinstance(value, (list, tuple)) and all(v is None or isinstance(v, int) for v in value):
        return tuple(value)
    if isinstance(value, (list, tuple)):
        return [_as_shapes(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_shapes(v) for k, v in value.items()}
    raise TypeError(f"build_from_config: input_shape must be a shape (list of ints and None), got {value!r}")
