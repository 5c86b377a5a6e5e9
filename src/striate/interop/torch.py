"""PyTorch state dicts into striate models and back, with the layout conversions between the two.

PyTorch is channels first and stores a linear layer as ``(out, in)``; striate
(like Keras) is channels last with ``(in, out)``. Per layer:

=======================  ==============================  ================================
striate layer            PyTorch module                  conversion
=======================  ==============================  ================================
Dense                    Linear                          weight ``(out, in)`` -> kernel ``(in, out)``
Conv1D/2D/3D             Conv1d/2d/3d                    ``(F, C/groups, *k)`` -> ``(*k, C/groups, F)``
DepthwiseConv1D/2D       Conv with ``groups=C``          ``(C*M, 1, *k)`` -> ``(*k, C, M)``
SeparableConv1D/2D       two Convs: depthwise, 1x1       as above, then ``(F, C*M, 1..)`` -> ``(1.., C*M, F)``
BatchNormalization       BatchNorm1d/2d/3d               weight, bias, running_mean, running_var
LayerNormalization       LayerNorm                       weight, bias
PReLU                    PReLU                           weight reshaped to alpha's shape
=======================  ==============================  ================================

**Flatten.** PyTorch's ``nn.Flatten`` after a convolution flattens ``(C, H, W)``;
striate's flattens ``(H, W, C)``. The first Dense after a Flatten of an image (found
through the graph, across Dropout and activation layers) therefore gets its
kernel's rows reordered so that the outputs agree: ``flatten_order="channels_first"``
(the default, PyTorch's ``nn.Flatten``) or ``"channels_last"`` (the PyTorch model
permuted to NHWC before flattening: no reordering).

**Matching.** Layers with weights are matched to PyTorch modules (the key prefixes
before ``.weight``/``.bias``, in the state dict's order) by position, or by name for
the layers in ``name_map={striate layer name: torch module prefix}``.

**Not converted**: conventions that are not weights. PyTorch's BatchNorm ``eps``
defaults to 1e-5 (Keras's and striate's ``epsilon`` to 1e-3) and its ``momentum`` is
``1 - momentum``; 'same' padding with stride 2 is asymmetric in striate (Keras) but
symmetric in PyTorch. Build the striate model with the same settings.

A state dict may hold torch tensors or NumPy arrays; torch is imported only to
make tensors for a reference that holds them.

>>> import numpy as np
>>> import striate
>>> model = striate.Sequential([striate.Input(shape=(3,)), striate.layers.Dense(2, name="fc")])
>>> state = {"0.weight": np.arange(6.0).reshape(2, 3), "0.bias": np.zeros(2)}   # nn.Linear(3, 2)
>>> from_torch_state_dict(model, state)
>>> model.get_layer("fc").kernel.numpy().tolist()
[[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]
>>> sorted(to_torch_state_dict(model))
['fc.bias', 'fc.weight']
"""

from collections.abc import Mapping

import numpy as np

__all__ = ["from_torch_state_dict", "to_torch_state_dict"]

_SKIPPED = ("num_batches_tracked",)
# Layers that keep a rank-2 tensor's layout: a Flatten seen through them still feeds the Dense.
_PASS_THROUGH = ("Dropout", "Activation", "ReLU", "LeakyReLU", "ELU", "Softmax", "GaussianNoise", "GaussianDropout",
                 "ActivityRegularization", "Identity", "AlphaDropout")


def _host(value, key):
    """A value of a state dict as a NumPy array (torch tensors through their own ``numpy()``)."""
    if hasattr(value, "detach") and hasattr(value, "cpu") and type(value).__module__.startswith("torch"):
        value = value.detach().cpu().numpy()
    array = np.asarray(value)
    if array.dtype.kind not in "fiub":
        raise TypeError(f"state dict entry {key!r} holds {array.dtype} values, not numbers")
    return array


def _modules(state_dict):
    """``{prefix: {suffix: key}}`` in the state dict's order (the modules' registration order)."""
    if not isinstance(state_dict, Mapping):
        raise TypeError(f"a state dict must be a mapping of names to tensors, got {type(state_dict).__name__}")
    modules = {}
    for key in state_dict:
        if not isinstance(key, str):
            raise TypeError(f"state dict keys must be strings, got {key!r}")
        prefix, _, suffix = key.rpartition(".")
        if suffix in _SKIPPED:
            continue
        modules.setdefault(prefix, {})[suffix] = key
    return modules


def _weighted_layers(model):
    from striate.models.model import Model

    out = []
    for layer in model.layers:
        if isinstance(layer, Model):
            out += _weighted_layers(layer)
        elif layer.weights:
            out.append(layer)
    return out


def _flatten_shape(model, dense):
    """The ``(*spatial, C)`` shape that a Flatten feeding ``dense`` flattened, or None."""
    graph = getattr(model, "_graph", None)
    nodes = [] if graph is None else [n for n in graph.nodes if n.layer is dense]
    for node in nodes[:1]:
        tensor = node.inputs[0]
        while tensor.node is not None and type(tensor.node.layer).__name__ in _PASS_THROUGH and tensor.node.inputs:
            tensor = tensor.node.inputs[0]
        if tensor.node is not None and type(tensor.node.layer).__name__ == "Flatten" and tensor.node.inputs:
            shape = tensor.node.inputs[0].shape[1:]
            return tuple(shape) if len(shape) >= 2 and None not in shape else None
    for inner in (layer for layer in model.layers if getattr(layer, "_graph", None) is not None):
        found = _flatten_shape(inner, dense)
        if found is not None:
            return found
    return None


def _dense_from(w, flat):
    """torch ``(out, in)`` -> striate ``(in, out)``; with ``flat = (*S, C)``, rows from (C, *S) to (*S, C) order."""
    if flat is not None and w.shape[1] == int(np.prod(flat)):
        s, c = flat[:-1], flat[-1]
        w = w.reshape((w.shape[0], c) + s)  # (out, C, *S)
        w = np.moveaxis(w, 1, -1).reshape(w.shape[0], -1)  # (out, *S, C) -> (out, S*C)
    return w.T


def _dense_to(k, flat):
    w = k.T  # (out, in)
    if flat is not None and w.shape[1] == int(np.prod(flat)):
        s, c = flat[:-1], flat[-1]
        w = np.moveaxis(w.reshape((w.shape[0],) + s + (c,)), -1, 1).reshape(w.shape[0], -1)  # (out, C*S)
    return w


def _conv_from(w):
    return np.moveaxis(w, (0, 1), (-1, -2))  # (F, C, *k) -> (*k, C, F)


def _conv_to(k):
    return np.moveaxis(k, (-1, -2), (0, 1))


def _depthwise_from(w, shape):
    c, m = shape[-2:]
    return np.moveaxis(w.reshape((c, m) + w.shape[2:]), (0, 1), (-2, -1))  # (C*M, 1, *k) -> (*k, C, M)


def _depthwise_to(k):
    c, m = k.shape[-2:]
    return np.moveaxis(k, (-2, -1), (0, 1)).reshape((c * m, 1) + k.shape[:-2])


def _rules(layer, flat):
    """``[(variable, torch suffix, module offset, to_striate, to_torch)]`` for one layer's weights."""
    kind = type(layer).__name__
    v = {w.path.rpartition("/")[2]: w for w in layer.weights}
    same = (lambda a: a), (lambda a: a)
    if kind == "Dense":
        rules = [("kernel", "weight", 0, (lambda a: _dense_from(a, flat)), (lambda a: _dense_to(a, flat))),
                 ("bias", "bias", 0) + same]
    elif kind in ("Conv1D", "Conv2D", "Conv3D"):
        rules = [("kernel", "weight", 0, _conv_from, _conv_to), ("bias", "bias", 0) + same]
    elif kind in ("DepthwiseConv1D", "DepthwiseConv2D"):
        shape = v["kernel"].shape
        rules = [("kernel", "weight", 0, (lambda a: _depthwise_from(a, shape)), _depthwise_to),
                 ("bias", "bias", 0) + same]
    elif kind in ("SeparableConv1D", "SeparableConv2D"):
        shape = v["depthwise_kernel"].shape
        rules = [("depthwise_kernel", "weight", 0, (lambda a: _depthwise_from(a, shape)), _depthwise_to),
                 ("pointwise_kernel", "weight", 1, _conv_from, _conv_to), ("bias", "bias", 1) + same]
    elif kind == "BatchNormalization":
        rules = [("gamma", "weight", 0) + same, ("beta", "bias", 0) + same,
                 ("moving_mean", "running_mean", 0) + same, ("moving_variance", "running_var", 0) + same]
    elif kind == "LayerNormalization":
        rules = [("gamma", "weight", 0) + same, ("beta", "bias", 0) + same]
    elif kind == "PReLU":
        shape = v["alpha"].shape
        rules = [("alpha", "weight", 0, (lambda a: a.reshape(shape)), (lambda a: a.reshape(-1)))]
    else:
        raise ValueError(f"layer {layer.name!r} ({kind}) has weights but no PyTorch counterpart that striate knows; "
                         "supported: Dense, Conv1D-3D, DepthwiseConv1D/2D, SeparableConv1D/2D, BatchNormalization, "
                         "LayerNormalization, PReLU")
    return [(v[name], suffix, offset, a, b) for name, suffix, offset, a, b in rules if name in v]


def _plan(model, modules, name_map, flatten_order):
    """``[(layer, rules, [torch prefixes])]`` pairing every weighted layer with its module(s)."""
    if flatten_order not in ("channels_first", "channels_last"):
        raise ValueError(f"flatten_order must be 'channels_first' or 'channels_last', got {flatten_order!r}")
    name_map = dict(name_map or {})
    layers = _weighted_layers(model)
    unknown = sorted(set(name_map) - {layer.name for layer in layers})
    if unknown:
        raise ValueError(f"name_map names layers that model {model.name!r} does not have (with weights): {unknown}")
    missing = sorted(p for p in name_map.values() if p not in modules)
    if missing:
        raise ValueError(f"name_map names modules that the state dict does not have: {missing}; it has "
                         f"{list(modules)[:8]}")
    free = [p for p in modules if p not in name_map.values()]
    plan = []
    for layer in layers:
        flat = _flatten_shape(model, layer) if flatten_order == "channels_first" and \
            type(layer).__name__ == "Dense" else None
        rules = _rules(layer, flat)
        count = 1 + max(offset for _, _, offset, _, _ in rules)
        if layer.name in name_map:
            start = list(modules).index(name_map[layer.name])
            prefixes = list(modules)[start:start + count]
        else:
            if len(free) < count:
                raise ValueError(f"the state dict has too few modules: none left for layer {layer.name!r} "
                                 f"({type(layer).__name__}); model {model.name!r} has {len(layers)} layers with "
                                 f"weights, the state dict {len(modules)} modules ({list(modules)[:8]})")
            prefixes, free = free[:count], free[count:]
        plan.append((layer, rules, prefixes))
    return plan, free


def _key(prefix, suffix):
    return f"{prefix}.{suffix}" if prefix else suffix


def from_torch_state_dict(model, state_dict, name_map=None, flatten_order="channels_first", strict=True):
    """Load a PyTorch ``state_dict`` into a built striate ``model``, converting every layout.

    Args:
        model: a built striate model whose architecture matches the PyTorch one.
        state_dict: ``{name: torch tensor or NumPy array}`` (``module.state_dict()``).
        name_map: optional ``{striate layer name: torch module prefix}`` (``{"fc1": "classifier.0"}``);
            the other layers are matched to the remaining modules by position.
        flatten_order: how the PyTorch model flattened conv features before its first
            Linear: 'channels_first' (``nn.Flatten`` on NCHW, the default) or 'channels_last'.
        strict: refuse state dict entries that no layer takes (as ``load_state_dict``).

    Every tensor is converted and its shape checked before the first weight is
    written, so a failed call leaves the model as it was.

    Raises:
        TypeError: for a state dict that is not a mapping of names to numbers.
        ValueError: naming the layer, the key and the shapes when something does not fit.
    """
    modules = _modules(state_dict)
    plan, free = _plan(model, modules, name_map, flatten_order)
    used, writes = set(), []
    for layer, rules, prefixes in plan:
        for variable, suffix, offset, to_striate, _ in rules:
            key = modules[prefixes[offset]].get(suffix)
            label = f"layer {layer.name!r} ({type(layer).__name__}), weight {variable.path!r}"
            if key is None:
                raise ValueError(f"{label}: the state dict has no {_key(prefixes[offset], suffix)!r} (module "
                                 f"{prefixes[offset]!r} holds {sorted(modules[prefixes[offset]])})")
            array = to_striate(_host(state_dict[key], key))
            if array.shape != variable.shape:
                raise ValueError(f"{label}: {key!r} converts to shape {array.shape}, the layer needs "
                                 f"{variable.shape} (a different architecture, or modules matched out of order: "
                                 "pass name_map)")
            used.add(key)
            writes.append((variable, array))
    leftover = [k for k in state_dict if k not in used and k.rpartition(".")[2] not in _SKIPPED]
    if strict and leftover:
        raise ValueError(f"state dict entries that no layer of model {model.name!r} takes: {leftover[:8]} "
                         "(pass strict=False to ignore them)")
    for variable, array in writes:
        variable.data[...] = array.astype(variable.data.dtype, copy=False)


def to_torch_state_dict(model, reference=None, name_map=None, flatten_order="channels_first"):
    """A PyTorch state dict of ``model``'s weights.

    Args:
        reference: the target module's ``state_dict()``: the result has its keys, order
            and types (torch tensors when it holds them, its ``num_batches_tracked``);
            without it, keys are ``"<layer name>.weight"`` etc. and values NumPy arrays.
        name_map, flatten_order: as for :func:`from_torch_state_dict`.

    Raises:
        ValueError: when the reference does not fit the model (naming the layer and key).
    """
    if reference is None:
        out = {}
        for layer in _weighted_layers(model):
            flat = _flatten_shape(model, layer) if flatten_order == "channels_first" and \
                type(layer).__name__ == "Dense" else None
            for variable, suffix, offset, _, to_torch in _rules(layer, flat):
                prefix = layer.name if offset == 0 else f"{layer.name}_pointwise"
                out[_key(prefix, suffix)] = np.ascontiguousarray(to_torch(variable.numpy()))
        return out
    modules = _modules(reference)
    plan, _ = _plan(model, modules, name_map, flatten_order)
    values = {}
    for layer, rules, prefixes in plan:
        for variable, suffix, offset, _, to_torch in rules:
            key = modules[prefixes[offset]].get(suffix)
            array = np.ascontiguousarray(to_torch(variable.numpy()))
            target = _host(reference[key], key) if key is not None else None
            if target is None or target.shape != array.shape:
                raise ValueError(f"layer {layer.name!r}, weight {variable.path!r}: the reference has "
                                 f"{'no ' + repr(_key(prefixes[offset], suffix)) if target is None else target.shape}"
                                 f", the weight converts to {array.shape}")
            values[key] = array.astype(target.dtype)
    out = {}
    for key, ref in reference.items():
        value = values.get(key, _host(ref, key))
        if type(ref).__module__.startswith("torch"):
            import torch

            value = torch.as_tensor(np.array(value), dtype=ref.dtype)
        out[key] = value
    return out
