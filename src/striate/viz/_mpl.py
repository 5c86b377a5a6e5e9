"""matplotlib, imported only when a plot is asked for (it is an optional extra)."""

__all__ = ["pyplot", "new_axes"]


def pyplot():
    """``matplotlib.pyplot`` with a file-only backend when there is no display.

    Raises:
        ImportError: naming the extra to install when matplotlib is missing.
    """
    try:
        import matplotlib
    except ImportError:
        raise ImportError("plotting needs matplotlib: pip install 'striate[plot]' (or pip install matplotlib)") from None
    import os

    if not os.environ.get("DISPLAY") and matplotlib.get_backend().lower() not in ("agg", "module://matplotlib_inline.backend_inline"):
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def new_axes(ax=None, figsize=(6, 4)):
    """``(figure, axes)``: the given axes' figure, or a new figure with one axes."""
    if ax is not None:
        return ax.figure, ax
    plt = pyplot()
    fig, ax = plt.subplots(figsize=figsize)
    return fig, ax
