"""Backprop made visible: one forward and one backward pass through the lecture's 2-3-3-1 network.

The network has two inputs, two hidden layers of three sigmoid units and one
sigmoid output, as in the lecture's figure. For one example it prints every
quantity of the lecture — node values v and pre-activations v̄ going forward,
then δ̄ = σ'(v̄) ⊙ δ, δ = K δ̄ and the weight gradients Δ = v δ̄ᵀ going back —
checks the formulas against the engine's own gradients, and draws the network
with v and δ at every node.

    python examples/backprop_explained.py [--out out/backprop]
"""

import argparse
import os
import sys

import numpy as np

import striate
from striate import explain


def lecture_network(seed=0):
    """2 inputs -> 3 sigmoid -> 3 sigmoid -> 1 sigmoid output (the lecture's figure)."""
    striate.utils.set_random_seed(seed)
    return striate.Sequential([
        striate.Input(shape=(2,)),
        striate.layers.Dense(3, activation="sigmoid", name="H1"),
        striate.layers.Dense(3, activation="sigmoid", name="H2"),
        striate.layers.Dense(1, activation="sigmoid", name="out"),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/backprop", help="folder for the PNG")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    model = lecture_network(args.seed)
    x, y = np.array([0.5, -1.0]), np.array([1.0])
    print(f"the lecture's network, one example x = {x.tolist()} with target y = {y.tolist()}, "
          "loss J = binary cross-entropy\n")
    trace = explain.backprop(model, x, y, loss="binary_crossentropy")
    print(trace.format())

    # One gradient step along -Δ lowers the loss: the point of computing Δ.
    before = trace.loss
    for layer, grad_k, grad_b in zip(model.layers, trace.kernel_grads, trace.bias_grads):
        layer.kernel.assign(layer.kernel.numpy() - 0.5 * grad_k)
        layer.bias.assign(layer.bias.numpy() - 0.5 * grad_b)
    after = explain.backprop(model, x, y, loss="binary_crossentropy").loss
    print(f"\none gradient step with learning rate 0.5: J {before:.4f} -> {after:.4f}")

    try:
        from striate.viz import plot_backprop
        from striate.viz._mpl import pyplot

        pyplot()
    except ImportError:
        print("(matplotlib is not installed: no picture)")
        return 0 if trace.checks_passed else 1
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, "backprop.png")
    fig = plot_backprop(trace, show_pre_activation=True)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    print(f"picture written to {path}")
    return 0 if trace.checks_passed and after < before else 1


if __name__ == "__main__":
    sys.exit(main())
