"""Backprop made visible: the lecture's per-layer quantities for one example.

For a dense network with layers ``i = 0 .. L-1`` the forward pass is

    v̄_{i+1} = K_iᵀ v_i + b_i        (pre-activation; K_i is the Keras kernel, shape (in, out))
    v_{i+1} = σ_i(v̄_{i+1})           (node values; v_0 = x)

and backprop computes, from the loss J back to the input,

    δ̄_{i+1} = ∂J/∂v̄_{i+1} = σ_i'(v̄_{i+1}) ⊙ δ_{i+1}
    δ_i     = ∂J/∂v_i     = K_i δ̄_{i+1}          (the lecture's W_iᵀ δ̄_{i+1}, with W_i = K_iᵀ)
    Δ_i     = ∂J/∂K_i     = v_i δ̄_{i+1}ᵀ         (an outer product, shape (in, out) like K_i)

:func:`backprop` runs the engine on one example, keeps every intermediate
gradient, and checks both formulas against what the engine computed.

>>> import numpy as np, striate
>>> striate.utils.set_random_seed(0)
>>> model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(3, activation="sigmoid"),
...                             striate.layers.Dense(3, activation="sigmoid"), striate.layers.Dense(1)])
>>> trace = backprop(model, np.array([0.5, -1.0]), np.array([1.0]), loss="mse")
>>> [v.shape for v in trace.values], trace.checks_passed
([(2,), (3,), (3,), (1,)], True)
"""

import functools

import numpy as np

from striate import backend
from striate import losses as losses_module
from striate.layers.core import Activation, Dense, Flatten
from striate.layers.dropout import Dropout
from striate.layers.input_layer import InputLayer
from striate.tensor import Tensor

__all__ = ["backprop", "BackpropTrace"]


class BackpropTrace:
    """The quantities of one forward and backward pass, one entry per layer boundary.

    Attributes:
        values: ``v_0 .. v_L`` (node values; ``v_0`` is the input).
        pre_activations: ``v̄_1 .. v̄_L``.
        node_grads: ``δ_0 .. δ_L`` (∂J/∂v_i).
        pre_activation_grads: ``δ̄_1 .. δ̄_L`` (∂J/∂v̄_i).
        kernel_grads: ``Δ_0 .. Δ_{L-1}``, each shaped like its layer's kernel ``(in, out)``.
        bias_grads: ∂J/∂b_i.
        loss: the loss value J.
        checks: name -> max absolute difference between the lecture's formula and the engine.
        layer_names: the Dense layers' names.
    """

    def __init__(self):
        self.values, self.pre_activations, self.node_grads, self.pre_activation_grads = [], [], [], []
        self.kernel_grads, self.bias_grads, self.layer_names, self.checks = [], [], [], {}
        self.loss = None

    @property
    def checks_passed(self):
        """Whether every formula agrees with the engine to float32 rounding."""
        scale = max([1e-12] + [float(np.abs(g).max()) for g in self.kernel_grads + self.node_grads])
        return all(diff <= 1e-5 * scale + 1e-7 for diff in self.checks.values())

    def format(self, precision=4):
        """A printable account of the pass, layer by layer."""
        fmt = {"float_kind": lambda v: f"{v:.{precision}f}"}

        def show(array):
            return np.array2string(np.asarray(array), formatter=fmt, max_line_width=100)

        lines = [f"forward   v_0 = x = {show(self.values[0])}"]
        for i, name in enumerate(self.layer_names):
            label = f"layer {i} ({name}):  "
            lines.append(f"{label}v̄_{i + 1} = {show(self.pre_activations[i])}")
            lines.append(f"{'':>{len(label)}}v_{i + 1} = {show(self.values[i + 1])}")
        lines.append(f"loss      J = {self.loss:.{precision}g}")
        lines.append(f"backward  δ_{len(self.layer_names)} = ∂J/∂v_{len(self.layer_names)} = {show(self.node_grads[-1])}")
        for i in reversed(range(len(self.layer_names))):
            lines.append(f"layer {i}:  δ̄_{i + 1} = σ'(v̄_{i + 1}) ⊙ δ_{i + 1} = {show(self.pre_activation_grads[i])}")
            lines.append(f"{'':>10}δ_{i} = K_{i} δ̄_{i + 1} = {show(self.node_grads[i])}")
            lines.append(f"{'':>10}Δ_{i} = v_{i} δ̄_{i + 1}ᵀ =")
            lines.extend(f"{'':>14}{row}" for row in show(self.kernel_grads[i]).splitlines())
        lines.append("checks against the engine (max |formula - engine|): " +
                     ", ".join(f"{k} {v:.1e}" for k, v in self.checks.items()))
        lines.append("all checks passed" if self.checks_passed else "CHECKS FAILED")
        return "\n".join(lines)

    def __str__(self):
        return self.format()


def _dense_stack(model):
    """The Dense layers of ``model``, each with the activations that follow it."""
    stack = []
    for layer in model.layers:
        if isinstance(layer, (InputLayer, Flatten, Dropout)):
            continue  # no parameters; dropout is off for one explained example
        if isinstance(layer, Dense):
            stack.append([layer, [layer.activation]])
        elif isinstance(layer, Activation) and stack:
            stack[-1][1].append(layer.activation)
        else:
            raise ValueError(f"explain.backprop handles dense networks (Dense, Activation, Flatten, Dropout); "
                             f"layer {layer.name!r} is a {type(layer).__name__}")
    if not stack:
        raise ValueError("explain.backprop: the model has no Dense layer")
    return stack


def backprop(model, x, y, loss=None):
    """Run one example forward and backward and return every quantity of the lecture.

    Args:
        model: a built dense model (Sequential or functional chain of Dense layers).
        x: one example, shape ``(features,)`` (or ``(1, features)``).
        y: its target, in the form the loss expects (e.g. one-hot or a class id).
        loss: loss name or object; default: the model's compiled loss, else 'mse'.

    Returns:
        A :class:`BackpropTrace`; ``trace.checks`` holds how far the formulas
        ``δ_i = K_i δ̄_{i+1}`` and ``Δ_i = v_i δ̄_{i+1}ᵀ`` are from the engine's gradients.

    Raises:
        ValueError: for a model with layers other than Dense/Activation/Flatten/Dropout,
            or an input of the wrong size.
    """
    stack = _dense_stack(model)
    x = np.asarray(x, dtype=stack[0][0].dtype).reshape(1, -1)  # (1, features): a batch of one
    first_kernel = stack[0][0].kernel
    if x.shape[1] != first_kernel.shape[0]:
        raise ValueError(f"explain.backprop: x has {x.shape[1]} features, the first Dense layer expects "
                         f"{first_kernel.shape[0]}")
    loss_fn = losses_module.get(loss or getattr(model, "loss", None) or "mse")
    trace = BackpropTrace()

    v = Tensor(x, requires_grad=True).retain_grad()
    values, pres = [v], []
    for layer, activations in stack:
        pre = (v @ layer.kernel + (layer.bias if layer.bias is not None else 0.0)).retain_grad()
        out = pre
        for activation in activations:
            out = activation(out)
        out._activation = None  # explain the probabilities themselves, not a fused logit shortcut
        v = out.retain_grad()
        pres.append(pre)
        values.append(v)
        trace.layer_names.append(layer.name)
    y = np.asarray(y).reshape(1, *np.shape(y)) if np.ndim(y) else np.asarray([y])
    for layer, _ in stack:
        layer.kernel.grad = None
        if layer.bias is not None:
            layer.bias.grad = None
    total = loss_fn(backend.to_device(y), values[-1])
    total.backward()

    host = functools.partial(backend.to_host, copy=True)  # the trace is printed and drawn: host arrays
    trace.loss = float(total.data)
    trace.values = [host(t.data[0]) for t in values]
    trace.pre_activations = [host(t.data[0]) for t in pres]
    trace.node_grads = [host(t.grad[0]) for t in values]
    trace.pre_activation_grads = [host(t.grad[0]) for t in pres]
    trace.kernel_grads = [host(layer.kernel.grad) for layer, _ in stack]
    trace.bias_grads = [None if layer.bias is None else host(layer.bias.grad) for layer, _ in stack]
    for i, (layer, _) in enumerate(stack):
        kernel = backend.to_host(layer.kernel.data)
        delta_formula = kernel @ trace.pre_activation_grads[i]  # (in,) = (in, out) (out,)
        big_delta_formula = np.outer(trace.values[i], trace.pre_activation_grads[i])  # (in, out)
        trace.checks[f"δ_{i}"] = float(np.abs(delta_formula - trace.node_grads[i]).max())
        trace.checks[f"Δ_{i}"] = float(np.abs(big_delta_formula - trace.kernel_grads[i]).max())
    for layer, _ in stack:  # leave no gradients behind on the model
        layer.kernel.grad = None
        if layer.bias is not None:
            layer.bias.grad = None
    return trace
