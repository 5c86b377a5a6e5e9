"""Decision regions of a classifier over a 2-D input plane, with the data on top."""

import numpy as np

from striate.viz._mpl import new_axes

__all__ = ["plot_decision_boundary"]


def plot_decision_boundary(model, x, y, ax=None, resolution=200, margin=0.5, title=None):
    """Colour the plane by the class the model predicts and scatter the samples.

    Args:
        model: anything with ``predict(array (M, 2)) -> (M, classes)`` or ``(M, 1)``.
        x: samples, shape ``(N, 2)``.
        y: integer labels, shape ``(N,)``.
        ax: optional matplotlib axes.
        resolution: grid points per axis.
        margin: space around the data.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: when ``x`` is not ``(N, 2)``.
    """
    x = np.asarray(x)
    if x.ndim != 2 or x.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary: x must have shape (N, 2), got {x.shape}")
    (x0, y0), (x1, y1) = x.min(axis=0) - margin, x.max(axis=0) + margin
    gx, gy = np.meshgrid(np.linspace(x0, x1, resolution), np.linspace(y0, y1, resolution))
    grid = np.stack([gx.ravel(), gy.ravel()], axis=1).astype(np.float32)  # (R*R, 2)
    scores = np.asarray(model.predict(grid, verbose=0))
    classes = (scores[:, 0] > 0.5).astype(int) if scores.shape[1] == 1 else scores.argmax(axis=1)
    fig, ax = new_axes(ax, figsize=(5, 5))
    ax.contourf(gx, gy, classes.reshape(gx.shape), alpha=0.3, cmap="coolwarm", levels=np.arange(classes.max() + 2) - 0.5)
    ax.scatter(x[:, 0], x[:, 1], c=y, cmap="coolwarm", s=12, edgecolors="k", linewidths=0.3)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return fig
