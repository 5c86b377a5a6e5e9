"""Training curves from a ``History``: loss and metrics per epoch, training beside validation."""

from striate.viz._mpl import pyplot

__all__ = ["plot_history"]


def plot_history(history, metrics=None, axes=None, title=None):
    """One panel per quantity (loss, accuracy, ...) with its ``val_`` twin.

    Args:
        history: a ``History`` from ``fit`` or its ``.history`` dict.
        metrics: names to plot (default: every non-``val_`` key).
        axes: optional sequence of matplotlib axes, one per metric.
        title: optional figure title.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: when a requested metric is not in the history or it is empty.
    """
    logs = getattr(history, "history", history)
    if not logs:
        raise ValueError("plot_history: the history is empty (did fit run any epoch?)")
    names = metrics or [k for k in logs if not k.startswith("val_") and k != "learning_rate"]
    for name in names:
        if name not in logs:
            raise ValueError(f"plot_history: {name!r} is not in the history; it has {sorted(logs)}")
    plt = pyplot()
    if axes is None:
        fig, axes = plt.subplots(1, len(names), figsize=(4.5 * len(names), 3.5), squeeze=False)
        axes = axes[0]
    fig = axes[0].figure
    for ax, name in zip(axes, names):
        epochs = range(1, len(logs[name]) + 1)
        ax.plot(epochs, logs[name], label=f"training {name}")
        if f"val_{name}" in logs:
            ax.plot(range(1, len(logs[f"val_{name}"]) + 1), logs[f"val_{name}"], label=f"validation {name}")
        ax.set_xlabel("epoch")
        ax.set_ylabel(name)
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
