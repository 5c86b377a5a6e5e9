"""A grid of a convolution layer's kernels: what each filter looks for in its input.

The first layer of a convnet trained on digits or clothes learns small oriented
edge and blob detectors (Hubel and Wiesel's simple cells, found again); this
picture is how one sees them. Positive weights are red, negative blue and zero
white, on a scale symmetric about zero, so a filter's sign pattern reads directly
as "bright here, dark there".

>>> import numpy as np
>>> from striate.viz import plot_filters
>>> fig = plot_filters(np.random.default_rng(0).normal(size=(3, 3, 1, 8)))
>>> len(fig.axes)
8
"""

import numpy as np

from striate.layers.convolutional import Conv1D, Conv2D, Conv3D
from striate.viz._mpl import pyplot

__all__ = ["plot_filters", "filter_kernel"]


def filter_kernel(layer_or_kernel):
    """The kernel array ``(*kernel_size, in_channels, filters)`` of a conv layer (or the array itself).

    Raises:
        TypeError: for a layer without a conv kernel (Dense, pooling ...).
        ValueError: for an unbuilt layer, a Conv3D kernel or an array of the wrong rank.
    """
    if isinstance(layer_or_kernel, Conv3D):
        raise ValueError(f"plot_filters draws 1-D and 2-D kernels; layer {layer_or_kernel.name!r} is a Conv3D "
                         "(slice its kernel, e.g. kernel[0], and pass that array)")
    if isinstance(layer_or_kernel, (Conv1D, Conv2D)):
        if layer_or_kernel.kernel is None:
            raise ValueError(f"plot_filters: layer {layer_or_kernel.name!r} has no weights yet; build it (call it on "
                             "data or put it in a model with a known input shape) first")
        kernel = layer_or_kernel.kernel.numpy()
    elif hasattr(layer_or_kernel, "get_weights") or hasattr(layer_or_kernel, "trainable_weights"):
        name = getattr(layer_or_kernel, "name", "?")
        raise TypeError(f"plot_filters needs a Conv1D or Conv2D layer (or a kernel array); layer {name!r} is a "
                        f"{type(layer_or_kernel).__name__}")
    else:
        kernel = np.asarray(layer_or_kernel)
    if kernel.ndim not in (3, 4) or kernel.dtype.kind not in "fiu":
        raise ValueError(f"plot_filters: a kernel must be a numeric array of shape (k, in, filters) for Conv1D or "
                         f"(kh, kw, in, filters) for Conv2D, got shape {kernel.shape} and dtype {kernel.dtype}")
    return kernel.astype(np.float64)


def _limit(w):
    """Half-width of a symmetric colour scale: white is zero (a constant 1 guards all-zero filters)."""
    limit = float(np.abs(w).max())
    return limit if limit > 0 else 1.0


def plot_filters(layer_or_kernel, max_filters=None, max_channels=8, ncols=None, rgb="auto", scale="filter",
                 cmap="RdBu_r", title=None, figsize=None):
    """Draw every filter of a Conv1D or Conv2D layer (or a kernel array) in a grid.

    Layouts:

    - Conv2D, one input channel (the first layer on grey images): one ``kh x kw``
      image per filter, in rows of ``ncols`` (default 8).
    - Conv2D, three input channels and ``rgb`` true or 'auto': each filter as one
      colour image (weights mapped to [0, 1] around a grey zero).
    - Conv2D, other channel counts: a row per filter, a column per input channel
      (the first ``max_channels``).
    - Conv1D: a row per filter; one input channel draws the taps as a curve,
      several as a ``(in, k)`` image (channels down, taps across).

    Args:
        layer_or_kernel: a built Conv1D/Conv2D layer, or its kernel array
            ``(k, in, filters)`` / ``(kh, kw, in, filters)`` (Keras's layout).
        max_filters: draw at most this many filters (the first ones); default 64 in the
            one-image-per-filter layouts, 16 in the filter-by-channel and Conv1D layouts.
        max_channels: for the filter-by-channel layout, at most this many input channels.
        ncols: filters per row in the one-channel and RGB layouts.
        rgb: 'auto' (colour when there are 3 input channels), True or False.
        scale: 'filter' (each filter on its own symmetric scale: shows every filter's
            pattern) or 'global' (one scale for all: shows which filters are strong).
        cmap: a diverging colormap (zero is its middle).
        title: figure title (default names the kernel's shape).
        figsize: default grows with the grid.

    Returns:
        The matplotlib Figure, one axes per drawn image or curve.

    Raises:
        TypeError: for a layer that is not Conv1D/Conv2D.
        ValueError: for Conv3D, an unbuilt layer, a wrongly shaped array, ``rgb=True``
            without 3 input channels, or an unknown ``scale``.
    """
    kernel = filter_kernel(layer_or_kernel)
    if scale not in ("filter", "global"):
        raise ValueError(f"plot_filters: scale must be 'filter' or 'global', got {scale!r}")
    channels, filters = kernel.shape[-2:]
    if rgb is True and (kernel.ndim != 4 or channels != 3):
        raise ValueError(f"plot_filters: rgb=True needs a Conv2D kernel with 3 input channels, got shape {kernel.shape}")
    one_image_each = kernel.ndim == 4 and (channels == 1 or (channels == 3 and rgb in ("auto", True)))
    kernel = kernel[..., :max_filters or (64 if one_image_each else 16)]
    shown = kernel.shape[-1]
    global_limit = _limit(kernel)
    plt = pyplot()
    if title is None:
        title = f"{shown} of {filters} filters, kernel {kernel.shape[:-1] + (filters,)}"
    if one_image_each:
        ncols = min(ncols or 8, shown)
        nrows = -(-shown // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (1.1 * ncols, 1.1 * nrows + 0.7), squeeze=False)
        for i, ax in enumerate(axes.ravel()):
            if i >= shown:
                fig.delaxes(ax)
                continue
            w = kernel[..., i]  # (kh, kw, C)
            limit = _limit(w) if scale == "filter" else global_limit
            if channels == 3:
                ax.imshow(np.clip(0.5 + 0.5 * w / limit, 0, 1))  # grey is zero
            else:
                ax.imshow(w[..., 0], cmap=cmap, vmin=-limit, vmax=limit)
            ax.set_axis_off()
    else:
        cols = 1 if kernel.ndim == 3 else min(channels, max_channels)
        fig, axes = plt.subplots(shown, cols, figsize=figsize or (max(1.1 * cols, 2.5), 0.9 * shown + 0.6),
                                 squeeze=False)
        for i in range(shown):
            w = kernel[..., i]
            limit = _limit(w) if scale == "filter" else global_limit
            for j in range(cols):
                ax = axes[i, j]
                if kernel.ndim == 3 and channels == 1:
                    ax.plot(w[:, 0], marker="o", ms=3)
                    ax.axhline(0, color="0.7", lw=0.5)
                    ax.set_ylim(-1.1 * limit, 1.1 * limit)
                    ax.set_xticks([])
                    ax.set_yticks([])
                elif kernel.ndim == 3:
                    ax.imshow(w.T, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto")  # (in, k)
                    ax.set_xticks([])
                    ax.set_yticks([])
                else:
                    ax.imshow(w[..., j], cmap=cmap, vmin=-limit, vmax=limit)
                    ax.set_axis_off()
                label = f"filter {i}" if j == 0 else ""
                if i == 0 and cols > 1:
                    label = f"{label}, channel {j}" if j == 0 else f"channel {j}"
                if label:
                    ax.set_title(label, fontsize=7, loc="left")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
