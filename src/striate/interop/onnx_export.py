"""ONNX export of striate models: ``model.export("m.onnx", format="onnx")``, Keras 3's vocabulary.

The file takes and returns channels-last tensors like the striate model (a
Transpose is inserted around each op that ONNX defines channels first), with a
dynamic batch axis named ``batch`` and the opset recorded in the file. Every
layer of the models in ``striate.applications`` exports (see ``onnx_layers.py``
for the full list); any other layer raises a ValueError naming it and its type.
The export is inference only: dropout and noise become Identity, batch
normalisation uses its moving statistics. Needs the ``onnx`` package
(``pip install 'striate[onnx]'``); running the file needs an ONNX runtime.

>>> import os, tempfile
>>> import striate
>>> model = striate.applications.lenet5()
>>> path = os.path.join(tempfile.mkdtemp(), "lenet5.onnx")
>>> model.export(path, format="onnx")                  # doctest: +SKIP
>>> model.export(path)                                  # Keras's default, a TensorFlow SavedModel
Traceback (most recent call last):
...
ValueError: export: striate exports only format='onnx', got format='tf_saved_model'
"""

from striate.interop.onnx_layers import CONVERTERS

__all__ = ["export_onnx", "DEFAULT_OPSET", "SUPPORTED_OPSETS"]

DEFAULT_OPSET = 17
SUPPORTED_OPSETS = range(13, 22)


def _onnx():
    try:
        import onnx
    except ImportError:
        raise ImportError("ONNX export needs the onnx package, an optional dependency of striate: "
                          "pip install 'striate[onnx]' (or pip install onnx)") from None
    return onnx


class Graph:
    """The ONNX graph being built: nodes, constant initializers and unique names."""

    def __init__(self, onnx, opset, dtype):
        import numpy as np

        self.onnx, self.opset, self.np = onnx, opset, np
        self.dtype = np.dtype(dtype)
        self.onnx_dtype = onnx.helper.np_dtype_to_tensor_dtype(self.dtype)
        self.nodes, self.initializers, self._names = [], [], {}

    def name(self, hint):
        count = self._names.get(hint, 0)
        self._names[hint] = count + 1
        return hint if count == 0 else f"{hint}_{count}"

    def const(self, value, hint="const"):
        """An initializer holding ``value`` (floats in the model's dtype, integers as given)."""
        array = self.np.asarray(value)
        if array.dtype.kind == "f":
            array = array.astype(self.dtype)
        name = self.name(f"{self.scope}/{hint}" if getattr(self, "scope", None) else hint)
        self.initializers.append(self.onnx.numpy_helper.from_array(self.np.ascontiguousarray(array), name))
        return name

    def op(self, op_type, inputs, attrs=None):
        output = self.name(f"{getattr(self, 'scope', None) or 'tensor'}/{op_type}")
        self.nodes.append(self.onnx.helper.make_node(op_type, list(inputs), [output], name=output, **(attrs or {})))
        return output

    def reduce(self, op, x, axes, keepdims):
        """ReduceMean/Max/Sum over ``axes``: an attribute before opset 18 (ReduceSum: 13), an input after."""
        as_input = self.opset >= 18 or op == "ReduceSum"
        if as_input:
            return self.op(op, [x, self.const(self.np.array(axes, "int64"), "axes")], {"keepdims": int(keepdims)})
        return self.op(op, [x], {"axes": list(axes), "keepdims": int(keepdims)})


def _value_info(onnx, name, shape, elem_type):
    dims = ["batch" if i == 0 else (f"{name}_dim{i}" if n is None else n) for i, n in enumerate(shape)]
    return onnx.helper.make_tensor_value_info(name, elem_type, dims)


def _emit(g, model, input_names):
    """The ONNX names of ``model``'s outputs, its graph emitted with inputs ``input_names``."""
    from striate.models.model import Model

    graph = model._graph
    if graph is None:
        raise ValueError(f"Model {model.name!r} is subclassed (its call is Python code) or not built: ONNX export "
                         "needs a functional or Sequential model with an Input")
    values = {id(t): name for t, name in zip(graph.inputs, input_names)}
    for node in graph.nodes:
        layer, ins = node.layer, [values[id(t)] for t in node.inputs]
        if isinstance(layer, Model):
            outs = _emit(g, layer, ins)
        else:
            convert = CONVERTERS.get(type(layer).__name__)
            if convert is None or type(layer).__module__.split(".")[:2] != ["striate", "layers"]:
                raise ValueError(f"ONNX export: layer {layer.name!r} of type {type(layer).__name__} has no ONNX "
                                 f"converter; supported types: {', '.join(sorted(CONVERTERS))}")
            g.scope = layer.name
            try:
                merge = len(node.inputs) > 1
                outs = [convert(g, layer, ins if merge else ins[0],
                                [t.shape for t in node.inputs] if merge else node.inputs[0].shape)]
            except ValueError as error:
                raise ValueError(f"ONNX export: layer {layer.name!r} ({type(layer).__name__}): {error}") from None
            finally:
                g.scope = None
        for t, name in zip(node.outputs, outs):
            values[id(t)] = name
    return [values[id(t)] for t in graph.outputs]


def export_onnx(model, filepath, verbose=None, input_signature=None, opset_version=None, **kwargs):
    """Write ``model`` as an ONNX file at ``filepath`` (atomically), checked by ``onnx.checker`` first.

    Args:
        model: a functional or Sequential striate model (with an Input).
        filepath: where to write, usually ``*.onnx``.
        verbose: print where the file went (True) or stay quiet (None, False).
        input_signature: only None (the model's own inputs, with a dynamic batch axis).
        opset_version: the ONNX opset, 13 to 21 (default 17).

    Raises:
        ValueError: for a layer without an ONNX converter (naming it and its type), a
            subclassed model, an unsupported opset or input signature.
        ImportError: when the onnx package is missing.
    """
    from striate.saving.atomic import atomic_write

    if kwargs:
        raise TypeError(f"export_onnx: unexpected keyword arguments {sorted(kwargs)}")
    if input_signature is not None:
        raise ValueError("export_onnx: input_signature must be None: the file takes the model's own input shapes, "
                         "with a dynamic batch axis")
    opset = DEFAULT_OPSET if opset_version is None else opset_version
    if opset not in SUPPORTED_OPSETS:
        raise ValueError(f"export_onnx: opset_version must be in {SUPPORTED_OPSETS.start}..{SUPPORTED_OPSETS.stop - 1}, "
                         f"got {opset_version!r}")
    onnx = _onnx()
    g = Graph(onnx, opset, model.dtype)
    graph = getattr(model, "_graph", None)
    if graph is None:
        _emit(g, model, [])  # raises the subclassed-model error
    inputs = [_value_info(onnx, t.node.layer.name, t.shape, g.onnx_dtype) for t in graph.inputs]
    outputs_internal = _emit(g, model, [i.name for i in inputs])
    outputs = []
    for t, internal in zip(graph.outputs, outputs_internal):
        name = g.name(t.node.layer.name if t.node.layer.name not in [i.name for i in inputs] else "output")
        g.nodes.append(onnx.helper.make_node("Identity", [internal], [name], name=f"{name}/output"))
        outputs.append(_value_info(onnx, name, t.shape, g.onnx_dtype))
    from striate import __version__

    proto = onnx.helper.make_model(onnx.helper.make_graph(g.nodes, model.name, inputs, outputs, g.initializers),
                                   opset_imports=[onnx.helper.make_opsetid("", opset)], producer_name="striate",
                                   producer_version=__version__)
    proto.ir_version = onnx.helper.find_min_ir_version_for(list(proto.opset_import))
    onnx.checker.check_model(proto)
    content = proto.SerializeToString()
    atomic_write(filepath, lambda file: file.write(content), True, "ONNX file")
    if verbose:
        print(f"Saved the ONNX model (opset {opset}) to {filepath}")
