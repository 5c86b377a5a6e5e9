"""Keras's HDF5 weight layouts, read and written through h5py (an optional dependency: ``striate[keras]``).

Two layouts exist:

- **Keras 3** (``model.weights.h5`` inside a ``.keras`` archive, and ``.weights.h5`` files):
  one group per layer, named by the layer's *class* in snake case and numbered in
  the order of ``model.layers`` (``layers/conv2d``, ``layers/conv2d_1``; a nested
  model's layers under ``layers/functional/layers/...``), each holding
  ``vars/0``, ``vars/1`` ... in the layer's creation order, trainable ones first,
  and a ``name`` attribute with the layer's name.
- **legacy** (Keras 2 ``.h5`` files, such as the ImageNet weights of
  ``keras.applications``): a ``layer_names`` attribute listing the layers, and per
  layer a group whose ``weight_names`` attribute lists its datasets in order.

Reading is bounded: every dataset's shape and dtype are checked against the
model's weight before it is read (so a file can never make the reader allocate
more than the model's own weights), soft and external links, external storage
and virtual datasets (which would read other files) are refused, and any error
from the HDF5 library becomes a :class:`~striate.saving.ModelFileError`.
Nothing is written into the model until every weight has been read and checked.
"""

import hashlib
import re

import numpy as np

from striate.saving.errors import ModelFileError

__all__ = ["require_h5py", "keras_layer_order", "keras_class_name", "keras_weight_groups", "own_variables",
           "read_keras_weights", "write_keras_weights", "is_legacy_layout"]

# The largest attribute striate reads from a weights file (names and name lists).
MAX_ATTRIBUTE_BYTES = 16 * 2**20
# Keras's files carry no checksum; striate adds this root attribute (Keras ignores it) and checks it when present.
CHECKSUM_ATTRIBUTE = "striate_checksum"


def require_h5py(what):
    """The h5py module, or an ImportError that says how to install it."""
    try:
        import h5py
    except ImportError:
        raise ImportError(f"{what} needs h5py to read and write HDF5, an optional dependency of striate: "
                          "pip install 'striate[keras]' (or pip install h5py)") from None
    return h5py


def keras_class_name(layer):
    """The class name Keras would give ``layer``: 'Functional' for functional models."""
    from striate.models.model import Model
    from striate.models.sequential import Sequential

    if isinstance(layer, Sequential):
        return "Sequential"
    if type(layer) is Model:
        return "Functional"
    return type(layer).__name__


def _snake(name):
    """Keras's ``to_snake_case``: 'BatchNormalization' -> 'batch_normalization', 'ReLU' -> 're_lu'."""
    name = re.sub(r"\W+", "", name)
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def keras_layer_order(model):
    """``model.layers`` in the order Keras 3 gives them (it names the weight groups by this order).

    A Sequential lists its layers as added. A functional model lists its layers by
    decreasing depth (the longest path to an output), ties broken by the order in
    which a depth-first walk from the outputs first meets them; InputLayers come first.
    """
    from striate.models.sequential import Sequential

    graph = getattr(model, "_graph", None)
    if isinstance(model, Sequential) or graph is None:
        return list(model.layers)
    order, done, on_path, index = [], set(), set(), {}
    for output in graph.outputs:  # pre-order indices, post-order node list, as Keras's _build_map
        stack = [(output.node, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                on_path.discard(id(node))
                done.add(id(node))
                order.append(node)
                continue
            if id(node) in done or id(node) in on_path:
                continue
            index.setdefault(id(node.layer), len(index))
            on_path.add(id(node))
            stack.append((node, True))
            stack.extend((t.node, False) for t in reversed(node.inputs))
    depth_of_node, depth_of_layer = {}, {}
    for node in reversed(order):
        depth = max(depth_of_node.setdefault(id(node), 0), depth_of_layer.get(id(node.layer), 0))
        depth_of_layer[id(node.layer)] = depth_of_node[id(node)] = depth
        for parent in node.parent_nodes:
            depth_of_node[id(parent)] = max(depth + 1, depth_of_node.get(id(parent), 0))
    layers = {id(node.layer): node.layer for node in order}
    for t in graph.inputs:  # inputs that reach no output still belong to the model
        if id(t.node.layer) not in layers:
            layers[id(t.node.layer)] = t.node.layer
            depth_of_layer[id(t.node.layer)], index[id(t.node.layer)] = 0, -1
    return sorted(layers.values(), key=lambda layer: (-depth_of_layer[id(layer)], index[id(layer)]))


def own_variables(layer):
    """A layer's own weights as Keras stores them: trainable ones first, each group in creation order."""
    own = list(layer._own_weights)
    return [v for v in own if v.trainable] + [v for v in own if not v.trainable]


def keras_weight_groups(model, prefix=""):
    """``(group path, layer, variables)`` for the model and every layer inside it, in Keras 3's layout.

    Raises:
        ValueError: for a layer (not a model) that holds sublayers: Keras names those by
            Python attribute, which striate cannot reproduce.
    """
    from striate.models.model import Model

    out, used = [(prefix, model, own_variables(model))], {}
    for layer in keras_layer_order(model):
        base = _snake(keras_class_name(layer))
        used[base] = used.get(base, -1) + 1
        path = f"{prefix}/layers/{base}" if prefix else f"layers/{base}"
        path += f"_{used[base]}" if used[base] else ""
        if isinstance(layer, Model):
            out += keras_weight_groups(layer, path)
        elif layer._sublayers:
            raise ValueError(f"layer {layer.name!r} ({type(layer).__name__}) holds sublayers, whose place in a "
                             "Keras weights file striate cannot name")
        else:
            out.append((path, layer, own_variables(layer)))
    return out


# ---- reading --------------------------------------------------------------------------------
def _fail(name, message):
    raise ModelFileError(f"Keras weights {name!r}: {message}")


def _child(group, key, name, h5py):
    """``group[key]`` if it is a hard link to a group or dataset, else None (refusing other links)."""
    try:
        link = group.get(key, getlink=True)
    except (KeyError, ValueError, TypeError, OSError, RuntimeError):
        return None
    if link is None:
        return None
    if not isinstance(link, h5py.HardLink):
        _fail(name, f"{group.name}/{key} is a {type(link).__name__}; striate follows only plain (hard) links, "
                    "never links to other files or paths")
    return group[key]


def _attribute(obj, key, name):
    """A bounded read of an attribute (None when absent)."""
    if key not in obj.attrs:
        return None
    attr = obj.attrs.get_id(key)
    size = attr.get_space().get_simple_extent_npoints() * attr.dtype.itemsize  # (0 bytes: an empty list)
    if size > MAX_ATTRIBUTE_BYTES:
        _fail(name, f"attribute {key!r} of {obj.name} holds {size} bytes; at most {MAX_ATTRIBUTE_BYTES} are read")
    return obj.attrs[key]


def _text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _read_dataset(ds, variable, where, name, h5py):
    if not isinstance(ds, h5py.Dataset):
        _fail(name, f"{where} is not a dataset")
    if ds.external or ds.is_virtual:
        _fail(name, f"{where} keeps its data outside the file (external or virtual storage), which striate "
                    "never reads")
    if ds.dtype.kind not in "fiub" or ds.dtype.fields is not None:
        _fail(name, f"{where} has dtype {ds.dtype}, not a number type")
    if tuple(ds.shape) != tuple(variable.shape):
        _fail(name, f"{where} has shape {tuple(ds.shape)}, but weight {variable.path!r} of the model has shape "
                    f"{tuple(variable.shape)}")
    if (ds.dtype.kind == "f") != (variable.data.dtype.kind == "f"):
        _fail(name, f"{where} has dtype {ds.dtype}, but weight {variable.path!r} is {variable.data.dtype}")
    array = np.asarray(ds[()])
    return array.astype(variable.data.dtype, copy=False)  # Keras casts float16/64 weights on load too


def is_legacy_layout(root):
    """Whether an open HDF5 file holds legacy (Keras 2 ``.h5``) weights rather than Keras 3's layout."""
    return "layer_names" in root.attrs or "model_weights" in root


def _checksum(pairs):
    """``sha256:<hex>`` of every weight in order: its index, dtype, shape and bytes."""
    digest = hashlib.sha256()
    for i, (_, array) in enumerate(pairs):
        array = np.ascontiguousarray(array)
        digest.update(f"{i}:{array.dtype.str}:{array.shape}\n".encode())
        digest.update(array.reshape(-1).view(np.uint8).data)
    return "sha256:" + digest.hexdigest()


def read_keras_weights(root, model, name):
    """``[(variable, array)]`` for every weight of ``model`` from an open HDF5 file in either layout.

    A file that striate wrote carries a checksum of its weights, which must match
    (a changed byte is an error, never silently different weights); Keras's own
    files have none.

    Raises:
        ModelFileError: naming the layer, the dataset and what does not fit.
    """
    h5py = require_h5py("reading Keras weights")
    try:
        if is_legacy_layout(root):
            return _read_legacy(root, model, name, h5py)
        pairs = _read_keras3(root, model, name, h5py)
        expected = _attribute(root, CHECKSUM_ATTRIBUTE, name)
        if expected is not None and _text(expected) != _checksum(pairs):
            _fail(name, "the weights do not match the checksum striate wrote with them (a changed byte, or an "
                        "incomplete copy)")
        return pairs
    except ModelFileError:
        raise
    except (OSError, KeyError, ValueError, TypeError, RuntimeError) as error:  # from the HDF5 library
        raise ModelFileError(f"Keras weights {name!r}: unreadable HDF5 content ({type(error).__name__}: "
                             f"{str(error)[:200]})") from None


def _vars_group(root, path, name, h5py):
    node = root
    for part in (path.split("/") if path else []):
        node = _child(node, part, name, h5py) if isinstance(node, h5py.Group) else None
        if node is None:
            return None
    return _child(node, "vars", name, h5py) if isinstance(node, h5py.Group) else None


def _read_keras3(root, model, name, h5py):
    if "layers" not in root and "_layer_checkpoint_dependencies" in root:  # files of Keras 2.13-2.15
        alias = "_layer_checkpoint_dependencies"
    elif "layers" in root or not model.weights:
        alias = "layers"
    else:
        _fail(name, "this HDF5 file has neither Keras 3's 'layers' group nor a legacy 'layer_names' list: it is "
                    "not a Keras weights file")
    pairs = []
    for path, layer, variables in keras_weight_groups(model):
        group = _vars_group(root, "/".join(alias if p == "layers" else p for p in path.split("/")), name, h5py)
        label = f"layer {layer.name!r} ({type(layer).__name__}, group {path or '/'}/vars)"
        keys = [] if group is None else list(group.keys())
        if group is None and variables:
            _fail(name, f"{label} is missing; the file was saved from a different architecture")
        if sorted(keys) != sorted(str(i) for i in range(len(variables))):
            _fail(name, f"{label} holds {len(keys)} weights {sorted(keys)[:6]}, the model's layer has "
                        f"{len(variables)}")
        for i, variable in enumerate(variables):
            pairs.append((variable, _read_dataset(_child(group, str(i), name, h5py), variable,
                                                  f"{label}, weight {i}", name, h5py)))
    return pairs


def _read_legacy(root, model, name, h5py):
    group = _child(root, "model_weights", name, h5py) if "model_weights" in root else root
    names = _attribute(group, "layer_names", name)
    if names is None:
        _fail(name, "a legacy Keras .h5 file needs a 'layer_names' attribute")
    stored = []
    for layer_name in (_text(n) for n in np.asarray(names).ravel()):
        g = _child(group, layer_name, name, h5py)
        weight_names = [] if g is None else [_text(n) for n in np.asarray(_attribute(g, "weight_names", name)
                                                                             if "weight_names" in g.attrs else []).ravel()]
        if weight_names:
            stored.append((layer_name, g, weight_names))
    layers = [layer for layer in keras_layer_order(model) if layer.weights]
    by_name = {layer_name: (g, w) for layer_name, g, w in stored}
    if all(layer.name in by_name for layer in layers):  # Keras's applications use the same names: match by name
        matched = [(layer, *by_name[layer.name]) for layer in layers]
    elif len(stored) == len(layers):  # Keras's own rule: by position among the layers that have weights
        matched = [(layer, g, w) for layer, (_, g, w) in zip(layers, stored)]
    else:
        _fail(name, f"the file holds weights for {len(stored)} layers, model {model.name!r} has {len(layers)} "
                    f"layers with weights (and not all their names are in the file); first file layers "
                    f"{[s[0] for s in stored[:5]]}")
    pairs = []
    for layer, g, weight_names in matched:
        variables = [v for v in layer.weights if v.trainable] + [v for v in layer.weights if not v.trainable]
        if len(weight_names) != len(variables):
            _fail(name, f"layer {layer.name!r} has {len(variables)} weights, its group {g.name} in the file holds "
                        f"{len(weight_names)}: {weight_names[:6]}")
        for weight_name, variable in zip(weight_names, variables):
            ds = g
            for part in weight_name.split("/"):
                ds = _child(ds, part, name, h5py) if isinstance(ds, h5py.Group) else None
                if ds is None:
                    _fail(name, f"layer {layer.name!r}: dataset {weight_name!r} listed in {g.name} is missing")
            pairs.append((variable, _read_dataset(ds, variable, f"layer {layer.name!r}, {weight_name!r}", name,
                                                  h5py)))
    return pairs


# ---- writing --------------------------------------------------------------------------------
def write_keras_weights(root, model):
    """Write ``model``'s weights into an open, empty HDF5 file in Keras 3's layout.

    Raises:
        ValueError: see :func:`keras_weight_groups`.
    """
    pairs = []
    for path, layer, variables in keras_weight_groups(model):
        group = root.create_group(f"{path}/vars" if path else "vars")
        group.attrs["name"] = layer.name
        for i, variable in enumerate(variables):
            group.create_dataset(str(i), data=np.asarray(variable.data))
            pairs.append((variable, np.asarray(variable.data)))
    root.attrs[CHECKSUM_ATTRIBUTE] = _checksum(pairs)
