"""The confusion matrix as a picture: which classes the model mistakes for which.

Rows are the true classes, columns the predicted ones; the diagonal holds the
correct answers and every bright cell off it is a confusion worth a look (4 read
as 9, shirt read as T-shirt).

>>> from striate.viz import plot_confusion_matrix
>>> fig = plot_confusion_matrix([0, 1, 1, 2], [0, 1, 2, 2], class_names=["a", "b", "c"])
>>> fig.axes[0].get_xlabel()
'predicted class'
"""

import numpy as np

from striate.metrics.confusion import confusion_matrix
from striate.viz._mpl import new_axes

__all__ = ["plot_confusion_matrix"]

NORMALIZE = (None, "true", "pred", "all")


def _num_classes(y_true, y_pred, class_names):
    if class_names is not None:
        return len(class_names)
    widths = [np.shape(y)[1] for y in (y_true, y_pred) if np.ndim(y) == 2 and np.shape(y)[1] > 1]
    if widths:
        return widths[0]  # scores or one-hot: one column per class
    labels = [np.asarray(y).reshape(-1) for y in (y_true, y_pred)]
    return int(max(int(a.max()) if a.size else 0 for a in labels)) + 1


def plot_confusion_matrix(y_true, y_pred, class_names=None, normalize=None, ax=None, cmap="Blues", title=None,
                          values=True):
    """Draw the confusion matrix of ``y_pred`` against ``y_true`` with the counts in the cells.

    Args:
        y_true: integer labels ``(N,)`` or one-hot ``(N, classes)``.
        y_pred: integer labels ``(N,)`` or scores ``(N, classes)`` (their argmax is used).
        class_names: names for the axes (their number fixes the number of classes).
        normalize: None (counts), 'true' (each row sums to 1: recall per class), 'pred'
            (each column sums to 1: precision) or 'all', as scikit-learn's.
        ax: optional matplotlib axes.
        cmap: colormap.
        title: axes title (default reports the accuracy).
        values: write each cell's value (skipped automatically above 30 classes).

    Returns:
        The matplotlib Figure; the matrix drawn is ``fig.axes[0].images[0].get_array()``.

    Raises:
        ValueError: for an unknown ``normalize``, or labels that are not classes (from
            :func:`striate.metrics.confusion_matrix`).
    """
    if normalize not in NORMALIZE:
        raise ValueError(f"plot_confusion_matrix: normalize must be one of {NORMALIZE}, got {normalize!r}")
    classes = _num_classes(y_true, y_pred, class_names)
    counts = confusion_matrix(y_true, y_pred, num_classes=classes).astype(np.float64)
    matrix = counts
    if normalize is not None:
        axis = {"true": 1, "pred": 0, "all": None}[normalize]
        total = counts.sum(axis=axis, keepdims=axis is not None)
        # An empty row or column (a class never seen or never predicted) stays 0 instead of 0/0.
        matrix = np.divide(counts, total, out=np.zeros_like(counts), where=np.asarray(total) > 0)
    fig, ax = new_axes(ax, figsize=(0.45 * classes + 2.5, 0.45 * classes + 2.2))
    image = ax.imshow(matrix, cmap=cmap, interpolation="nearest")
    fig.colorbar(image, ax=ax, fraction=0.046, pad=0.04)
    names = [str(n) for n in class_names] if class_names is not None else [str(i) for i in range(classes)]
    ax.set_xticks(range(classes))
    ax.set_yticks(range(classes))
    ax.set_xticklabels(names, rotation=45 if max(map(len, names)) > 2 else 0, ha="right" if max(map(len, names)) > 2
                       else "center", fontsize=8)
    ax.set_yticklabels(names, fontsize=8)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    if values and classes <= 30:
        threshold = matrix.max() / 2 if matrix.size else 0
        for (i, j), value in np.ndenumerate(matrix):
            text = f"{int(value)}" if normalize is None else f"{value:.2f}"
            ax.text(j, i, text, ha="center", va="center", fontsize=7,
                    color="white" if value > threshold else "black")
    accuracy = np.trace(counts) / max(counts.sum(), 1)
    ax.set_title(title or f"confusion matrix (accuracy {accuracy:.1%})", fontsize=10)
    fig.tight_layout()
    return fig
