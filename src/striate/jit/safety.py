"""Which models a compiled step may record: the rules that keep a replay equal to eager.

A plan replays recorded primitives, so a layer whose ``call`` does anything
else that matters — NumPy on ``.data``, Python branches on values, draws from a
generator outside an op — would be frozen. Rather than trust every layer, the
compiled step records only models built entirely from layers that declare
themselves traceable (``jit_traceable = True``, set on striate's built-in layers
after review), with no class from outside striate anywhere in their class
hierarchy (a user's subclass of ``Dense`` may override anything), with built-in
activations only, and without activity regularizers (their penalties are made
during the forward pass, outside what a replay returns). Everything else runs
eagerly. The tracer adds a second net for the built-in layers themselves (see
``tracer.py``), and the compiled step a third (it checks a new plan once
against eager on its second batch).

>>> import striate
>>> model = striate.Sequential([striate.layers.Input((3,)), striate.layers.Dense(2)])
>>> untraceable_reason(model) is None
True
>>> class Doubler(striate.layers.Layer):
...     def call(self, x):
...         return x * 2.0
>>> untraceable_reason(striate.Sequential([striate.layers.Input((3,)), Doubler()]))
"layer 'doubler' (Doubler) is not one of striate's traceable layers"
"""

from striate import activations

__all__ = ["untraceable_reason"]

_BUILT_IN_ACTIVATIONS = None


def _built_in_activation(fn):
    global _BUILT_IN_ACTIVATIONS
    if _BUILT_IN_ACTIVATIONS is None:
        _BUILT_IN_ACTIVATIONS = {id(f) for f in activations._BY_NAME.values()}
    return id(fn) in _BUILT_IN_ACTIVATIONS


def _striate_class(cls):
    return cls is object or cls.__module__ == "striate" or cls.__module__.startswith("striate.")


def _layer_reason(layer):
    cls = type(layer)
    label = f"layer {layer.name!r} ({cls.__name__})"
    if not all(_striate_class(c) for c in cls.__mro__) or not getattr(cls, "jit_traceable", False):
        return f"{label} is not one of striate's traceable layers"
    activation = getattr(layer, "activation", None)
    if activation is not None and not _built_in_activation(activation):
        return f"{label} has a custom activation function"
    if getattr(layer, "activity_regularizer", None) is not None:
        return f"{label} has an activity regularizer"
    return None


def untraceable_reason(model):
    """None when ``model`` may be compiled, else why not (a sentence naming the layer)."""
    for layer in [model] + model._flatten_layers():
        reason = _layer_reason(layer)
        if reason is not None:
            return reason
    return None
