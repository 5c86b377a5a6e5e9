"""``keras.models.clone_model``: the same architecture with fresh weights.

The copy is rebuilt from the model's config (layer names and settings kept),
so its weights are newly initialised and it is not compiled, as in Keras; copy
them with ``clone.set_weights(model.get_weights())`` when you need them.

>>> import numpy as np
>>> import striate
>>> model = striate.Sequential([striate.Input((3,)), striate.layers.Dense(2, name="d")])
>>> clone = clone_model(model)
>>> [layer.name for layer in clone.layers], clone.layers[0] is model.layers[0], clone.compiled
(['d'], False, False)
"""

__all__ = ["clone_model"]


def clone_model(model, input_tensors=None, clone_function=None, call_function=None, recursive=False, **kwargs):
    """A new model like ``model``: a Sequential, functional or subclassed model rebuilt from its config.

    A subclassed model is rebuilt with ``type(model).from_config(model.get_config())`` and
    built for the same input shape.

    Args:
        model: the model to copy.
        clone_function: optional ``layer -> new layer`` for the layers of a Sequential model
            (default: each layer from its own config).
        input_tensors, call_function, recursive: Keras's hooks for rewiring a functional
            graph; not supported (a ValueError says so).

    Raises:
        ValueError: for a hook that is not supported, or a model whose config cannot be read.
        TypeError: when ``model`` is not a Model.
    """
    from striate.models.model import Model
    from striate.models.sequential import Sequential
    from striate.saving.serialization import deserialize_layer, serialize_layer

    if not isinstance(model, Model):
        raise TypeError(f"clone_model: expected a Model, got {type(model).__name__}")
    unsupported = {"input_tensors": input_tensors, "call_function": call_function}
    if any(value is not None for value in unsupported.values()) or recursive or kwargs:
        given = [k for k, v in unsupported.items() if v is not None] + (["recursive"] if recursive else []) \
            + sorted(kwargs)
        raise ValueError(f"clone_model: {given} are not supported by striate; clone_function works for "
                         "Sequential models")
    if clone_function is not None:
        if not isinstance(model, Sequential):
            raise ValueError("clone_model: clone_function is supported for Sequential models only")
        clone = Sequential(name=model.name, trainable=model.trainable)
        if model._input_layer is not None:
            from striate.layers.input_layer import InputLayer

            clone.add(InputLayer.from_config(model._input_layer.get_config()))
        for layer in model.layers:
            clone.add(clone_function(layer))
        return clone
    if model._graph is None and not isinstance(model, Sequential):
        clone = type(model).from_config(model.get_config())
        build_config = model.get_build_config()
        if build_config is not None:
            clone.build_from_config(build_config)
        return clone
    return deserialize_layer(serialize_layer(model))
