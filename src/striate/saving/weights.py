"""Weights and optimizer state to named tensors and back, with every check made before anything is written.

A file lists its weight tensors in the model's :attr:`~striate.layers.Layer.weights`
order (Keras's order) in the JSON member ``weights``; the names are the
variables' paths (``dense/kernel``), so other safetensors readers see readable
names. Loading matches by position, as Keras does, because layer names are
numbered per session (``dense_3``) and differ between runs; the count, every
shape and every dtype must agree exactly.

The optimizer's state (``Optimizer.get_state(model.weights)``: ``iterations``
and ``"<i>/<slot>"`` arrays) is stored as tensors named ``optimizer/<key>``, listed
in the JSON member ``optimizer`` as ``{key: tensor name}``.

>>> import numpy as np
>>> from striate.layers import Dense
>>> layer = Dense(2, name="d"); _ = layer(np.zeros((1, 3)))
>>> names, tensors = weight_tensors(layer.weights)
>>> names, [tensors[n].shape for n in names]
(['d/kernel', 'd/bias'], [(3, 2), (2,)])
"""

import numpy as np

from striate import backend

from striate.saving.errors import ModelFileError
from striate.saving.metadata import json_member

__all__ = ["weight_tensors", "optimizer_tensors", "match_weights", "match_optimizer_state", "set_optimizer_state",
           "assign", "check_all_used"]


def _unique(base, taken):
    name, k = base, 1
    while name in taken or not name or name == "__metadata__":
        name, k = f"{base}#{k}", k + 1
    taken.add(name)
    return name


def weight_tensors(variables, taken=None):
    """``(names, {name: array})`` for ``variables`` in order; names are paths made unique."""
    taken = set() if taken is None else taken
    names, tensors = [], {}
    for i, v in enumerate(variables):
        name = _unique(getattr(v, "path", None) or getattr(v, "name", None) or f"weight_{i}", taken)
        names.append(name)
        tensors[name] = backend.to_host(v.data)  # files hold host arrays: the same bytes on every backend
    return names, tensors


def optimizer_tensors(optimizer, variables, taken):
    """``({state key: tensor name}, {tensor name: array})`` of ``optimizer``'s state for ``variables``."""
    keys, tensors = {}, {}
    for key, array in optimizer.get_state(variables).items():
        name = _unique(f"optimizer/{key}", taken)
        keys[key] = name
        tensors[name] = backend.to_host(array)
    return keys, tensors


def match_weights(variables, metadata, tensors, name, what, owner):
    """The file's weight arrays in the order of ``variables``, after checking count, shapes and dtypes.

    Args:
        owner: the model's name, for messages.

    Returns:
        ``(arrays, used tensor names)``.

    Raises:
        ModelFileError: naming the file, the weight and what differs.
    """
    order = json_member(metadata, "weights", name, what, default=KeyError if "format" in metadata else None)
    if order is None:  # a safetensors file from another tool: match by path
        paths = [getattr(v, "path", None) for v in variables]
        missing = [p for p in paths if p not in tensors]
        if missing or len(tensors) != len(paths):
            raise ModelFileError(f"{what} {name!r} has no striate metadata, so its tensors must be named by the "
                                 f"weight paths of model {owner!r}; missing {missing[:5]}, file has "
                                 f"{sorted(tensors)[:5]}{' ...' if len(tensors) > 5 else ''}")
        order = paths
    if not (isinstance(order, list) and all(isinstance(n, str) for n in order) and len(set(order)) == len(order)):
        raise ModelFileError(f"{what} {name!r}: member 'weights' must be a list of distinct tensor names")
    absent = [n for n in order if n not in tensors]
    if absent:
        raise ModelFileError(f"{what} {name!r} lists weight tensors that it does not hold: {absent[:5]}")
    if len(order) != len(variables):
        raise ModelFileError(f"{what} {name!r} holds {len(order)} weights, but model {owner!r} has "
                             f"{len(variables)}; the file was saved from a different architecture")
    arrays = []
    for i, (tensor_name, v) in enumerate(zip(order, variables)):
        array = tensors[tensor_name]
        label = f"weight {i} ({tensor_name!r} in the file, {getattr(v, 'path', None)!r} in model {owner!r})"
        if array.shape != v.data.shape:
            raise ModelFileError(f"{what} {name!r}: {label} has shape {array.shape} in the file but "
                                 f"{v.data.shape} in the model")
        if array.dtype != v.data.dtype:
            raise ModelFileError(f"{what} {name!r}: {label} has dtype {array.dtype} in the file but "
                                 f"{v.data.dtype} in the model")
        arrays.append(array)
    return arrays, set(order)


def match_optimizer_state(variables, metadata, tensors, name, what):
    """The optimizer state stored in the file (``{key: array}``), or None when there is none.

    Slot dtypes are checked against their variables here; the slot names and
    shapes are checked by ``Optimizer.set_state``.

    Returns:
        ``(state or None, used tensor names)``.

    Raises:
        ModelFileError: for a malformed ``optimizer`` member or a slot of the wrong dtype.
    """
    keys = json_member(metadata, "optimizer", name, what, default=None)
    if keys is None:
        return None, set()
    if not (isinstance(keys, dict) and all(isinstance(t, str) and t in tensors for t in keys.values())
            and len(set(keys.values())) == len(keys)):
        raise ModelFileError(f"{what} {name!r}: member 'optimizer' must map state keys to distinct tensors of "
                             "the file")
    state = {}
    for key, tensor_name in keys.items():
        array = tensors[tensor_name]
        index, _, slot = key.partition("/")
        if key == "iterations" and (array.dtype.kind not in "iu" or array.shape != ()):
            raise ModelFileError(f"{what} {name!r}: optimizer 'iterations' must be an integer scalar, got "
                                 f"{array.dtype} of shape {array.shape}")
        if slot and index.isdigit() and int(index) < len(variables) and array.dtype != variables[int(index)].data.dtype:
            raise ModelFileError(f"{what} {name!r}: optimizer slot {key!r} has dtype {array.dtype}, but its "
                                 f"variable has {variables[int(index)].data.dtype}")
        if not slot and key != "iterations" and (array.dtype.kind != "f" or array.shape != ()):
            raise ModelFileError(f"{what} {name!r}: optimizer value {key!r} must be a float scalar")
        state[key] = array
    return state, set(keys.values())


def set_optimizer_state(optimizer, state, variables, name, what):
    """``optimizer.set_state(state, variables)``, its errors as ModelFileError (it changes nothing on error)."""
    try:
        optimizer.set_state(state, variables)
    except (ValueError, TypeError) as error:
        raise ModelFileError(f"{what} {name!r}: the optimizer state does not fit the model's "
                             f"{type(optimizer).__name__}: {error}") from None


def check_all_used(tensors, used, name, what):
    """Refuse a file holding tensors that no member refers to (a wrong or extra member).

    Raises:
        ModelFileError: naming the unexpected tensors.
    """
    extra = sorted(set(tensors) - used)
    if extra:
        raise ModelFileError(f"{what} {name!r} holds tensors that belong to nothing: {extra[:5]}")


def assign(variables, arrays):
    """Copy ``arrays`` into ``variables`` (already checked: cannot fail half-way)."""
    for v, array in zip(variables, arrays):
        v.data[...] = backend.to_device(array)  # (no copy on NumPy)
