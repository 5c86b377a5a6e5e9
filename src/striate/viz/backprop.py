"""One backward pass, drawn: the network's nodes with their values v and gradients δ.

Draws a :class:`~striate.explain.BackpropTrace` (from ``striate.explain.backprop``)
as the lecture's picture: a column of nodes per layer, each node showing its value
``v`` (forward pass) and its gradient ``δ = ∂J/∂v`` (backward pass), coloured by
``δ``; every edge (a weight ``K[i, j]``) is coloured by its gradient ``Δ[i, j] =
v_i δ̄_j`` and drawn thicker the larger that gradient is.

>>> import numpy as np, striate
>>> from striate.viz import plot_backprop
>>> striate.utils.set_random_seed(0)
>>> model = striate.Sequential([striate.Input(shape=(2,)), striate.layers.Dense(3, activation="sigmoid"),
...                             striate.layers.Dense(1)])
>>> fig = plot_backprop(striate.explain.backprop(model, [0.5, -1.0], [1.0], loss="mse"))
>>> fig.axes[0].get_title().startswith("one backward pass")
True
"""

import numpy as np

from striate.viz._mpl import pyplot

__all__ = ["plot_backprop"]


def _check_trace(trace, max_nodes):
    needed = ("values", "node_grads", "pre_activation_grads", "kernel_grads", "layer_names", "loss")
    if not all(hasattr(trace, name) for name in needed):
        raise TypeError(f"plot_backprop needs the BackpropTrace that striate.explain.backprop returns, "
                        f"got {type(trace).__name__}")
    if not trace.layer_names:
        raise ValueError("plot_backprop: the trace is empty (no layers)")
    widths = [np.size(v) for v in trace.values]
    if max(widths) > max_nodes:
        raise ValueError(f"plot_backprop draws up to {max_nodes} nodes per layer (max_nodes); this network's "
                         f"layers have {widths} — print trace.format() instead, or raise max_nodes")
    return widths


def plot_backprop(trace, precision=3, show_pre_activation=False, max_nodes=12, cmap="coolwarm", title=None,
                  figsize=None):
    """Draw the network of a backprop trace with ``v`` and ``δ`` at every node.

    Args:
        trace: a :class:`~striate.explain.BackpropTrace`.
        precision: digits after the decimal point in the node labels.
        show_pre_activation: also write ``v̄`` and ``δ̄`` in the hidden and output nodes.
        max_nodes: refuse layers wider than this (the labels would not fit).
        cmap: diverging colormap for the signs of δ (nodes) and Δ (edges).
        title: the axes title (default reports the loss J).
        figsize: default grows with the network.

    Returns:
        The matplotlib Figure (one axes with the graph, one colorbar for Δ).

    Raises:
        TypeError: when ``trace`` is not a BackpropTrace.
        ValueError: for a layer wider than ``max_nodes``.
    """
    widths = _check_trace(trace, max_nodes)
    plt = pyplot()
    from matplotlib.colors import Normalize

    columns = len(widths)
    tallest = max(widths)
    place = [[(c, (n - 1) / 2 - r) for r in range(n)] for c, n in enumerate(widths)]  # centred on y = 0
    fig, ax = plt.subplots(figsize=figsize or (2.9 * columns + 1.5, 1.25 * tallest + 1.6))
    kernel_grads = [np.asarray(g) for g in trace.kernel_grads]
    d_limit = max(float(np.abs(g).max()) for g in kernel_grads) or 1.0
    edge_colours = plt.get_cmap(cmap)
    edge_norm = Normalize(-d_limit, d_limit)
    for i, grads in enumerate(kernel_grads):  # grads (in, out): the edge from node a of column i to node b of i + 1
        for (a, b), g in np.ndenumerate(grads):
            (x0, y0), (x1, y1) = place[i][a], place[i + 1][b]
            ax.plot([x0, x1], [y0, y1], color=edge_colours(edge_norm(g)), lw=0.6 + 4.0 * abs(g) / d_limit, zorder=1)
    node_grads = [np.asarray(g).reshape(-1) for g in trace.node_grads]
    n_limit = max(float(np.abs(g).max()) for g in node_grads) or 1.0
    node_norm = Normalize(-n_limit, n_limit)
    f = f"{{:+.{precision}f}}"
    for c in range(columns):
        values = np.asarray(trace.values[c]).reshape(-1)
        for r, (x, y) in enumerate(place[c]):
            lines = [f"v = {f.format(values[r])}", f"δ = {f.format(node_grads[c][r])}"]
            if show_pre_activation and c > 0:
                lines = [f"v̄ = {f.format(np.reshape(trace.pre_activations[c - 1], -1)[r])}", lines[0],
                         f"δ̄ = {f.format(np.reshape(trace.pre_activation_grads[c - 1], -1)[r])}", lines[1]]
            shade = edge_colours(0.5 + 0.7 * (node_norm(node_grads[c][r]) - 0.5))  # pale: text stays legible
            ax.text(x, y, "\n".join(lines), ha="center", va="center", fontsize=8, family="monospace", zorder=3,
                    bbox=dict(boxstyle="round,pad=0.4", fc=shade, ec="0.3", lw=0.8))
        header = "input x = v_0" if c == 0 else f"{trace.layer_names[c - 1]} → v_{c}"
        ax.text(c, (tallest - 1) / 2 + 0.75, header, ha="center", va="bottom", fontsize=9, weight="bold")
    ax.set_xlim(-0.6, columns - 0.4)
    ax.set_ylim(-(tallest - 1) / 2 - 0.7, (tallest - 1) / 2 + 1.15)
    ax.set_axis_off()
    mappable = plt.cm.ScalarMappable(norm=edge_norm, cmap=edge_colours)
    fig.colorbar(mappable, ax=ax, fraction=0.03, pad=0.02, label="Δ = ∂J/∂K (edge colour; width ∝ |Δ|)")
    ax.set_title(title or f"one backward pass: loss J = {trace.loss:.4g}; nodes show v and δ = ∂J/∂v "
                          "(shaded by δ)", fontsize=10)
    return fig
