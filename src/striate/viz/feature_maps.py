"""Feature maps: what one layer of a model computes for one input.

A feature extractor is a new model that shares the trained layers and stops at
the chosen one — Keras's pattern, which also drives transfer learning::

    extractor = Model(inputs=model.inputs, outputs=model.get_layer(name).output)

:func:`feature_maps` builds it and runs it; :func:`plot_feature_maps` draws
one map per channel (early layers: edges and strokes; later ones: parts).

>>> import numpy as np, striate
>>> model = striate.Sequential([striate.Input(shape=(8, 8, 1)),
...                             striate.layers.Conv2D(4, 3, activation="relu", name="conv")])
>>> feature_maps(model, "conv", np.zeros((8, 8, 1))).shape
(1, 6, 6, 4)
"""

import numpy as np

from striate.models.model import Model
from striate.viz._mpl import pyplot

__all__ = ["feature_extractor", "feature_maps", "plot_feature_maps"]


def feature_extractor(model, layer_name):
    """``Model(inputs=model.inputs, outputs=<layer(s)>.output)``, sharing the trained weights.

    Args:
        model: a functional or Sequential model whose input shape is known.
        layer_name: one layer name, or a list of names (the extractor then has one output per name).

    Returns:
        A :class:`~striate.models.Model`.

    Raises:
        TypeError: when ``model`` is not a Model or is a subclassed model (it has no graph to cut).
        ValueError: when no layer has that name (the message lists the names).
    """
    if not isinstance(model, Model):
        raise TypeError(f"feature maps need a striate Model, got {type(model).__name__}")
    try:
        inputs = model.inputs
    except AttributeError:
        raise TypeError(f"feature maps need a functional or Sequential model with a known input shape; "
                        f"{type(model).__name__} {model.name!r} has no symbolic inputs (start it with an Input, "
                        "or call it on data once)") from None
    names = [layer_name] if isinstance(layer_name, str) else list(layer_name)
    outputs = [model.get_layer(name).output for name in names]
    return Model(inputs=inputs, outputs=outputs[0] if isinstance(layer_name, str) else outputs)


def _batch(model, x):
    """``x`` with a batch axis: a single example of the model's input shape gets one added."""
    x = np.asarray(x)
    expected = tuple(model.inputs[0].shape)
    if x.ndim == len(expected) - 1:
        x = x[None]  # (1, *input_shape)
    if x.ndim != len(expected):
        raise ValueError(f"feature maps: the model takes inputs of shape {expected}; got an array of shape {x.shape}")
    return x


def feature_maps(model, layer_name, x, batch_size=None):
    """The output of ``layer_name`` (or of several layers) for the inputs ``x``.

    Args:
        model: a functional or Sequential model with a known input shape.
        layer_name: a layer's name or a list of names.
        x: inputs ``(N, *input_shape)``, or one example ``input_shape`` (a batch axis is added).
        batch_size: passed to ``predict``.

    Returns:
        The layer's output as an array ``(N, *layer_output_shape)`` (e.g.
        ``(N, H', W', filters)`` for Conv2D), or a list of arrays for a list of names.

    Raises:
        TypeError, ValueError: as :func:`feature_extractor`; ValueError for inputs of the wrong rank.
    """
    extractor = feature_extractor(model, layer_name)
    return extractor.predict(_batch(model, x), batch_size=batch_size, verbose=0)


def plot_feature_maps(model_or_maps, layer_name=None, x=None, max_maps=32, ncols=8, cmap="viridis", title=None,
                      figsize=None):
    """Draw a layer's feature maps for one input: one panel per channel.

    Args:
        model_or_maps: a model (then give ``layer_name`` and ``x``), or maps already
            computed: ``(H, W, C)``/``(L, C)``/``(units,)``, with or without a batch axis of 1.
        layer_name: the layer to look at.
        x: one input example (with or without a batch axis of 1; the first is used).
        max_maps: draw at most this many channels.
        ncols: panels per row.
        cmap: colormap (each map on its own colour scale).
        title: figure title (default: the layer's name and output shape).

    Layouts: 2-D maps ``(H, W, C)`` as a grid of images; 1-D maps ``(L, C)`` as one
    image with a row per channel; a Dense output ``(units,)`` as a bar chart.

    Returns:
        The matplotlib Figure.

    Raises:
        ValueError: for a model without ``layer_name`` and ``x``, or maps of rank above 3.
    """
    if isinstance(model_or_maps, Model):
        if layer_name is None or x is None:
            raise ValueError("plot_feature_maps(model, layer_name, x): give the layer's name and one input")
        if not isinstance(layer_name, str):
            raise ValueError(f"plot_feature_maps draws one layer; got layer_name={layer_name!r}")
        extractor = feature_extractor(model_or_maps, layer_name)
        maps = extractor.predict(_batch(model_or_maps, x)[:1], verbose=0)[0]
        label = f"layer {layer_name!r}"
    else:
        maps = np.asarray(model_or_maps)
        if maps.ndim >= 2 and maps.shape[0] == 1:
            maps = maps[0]  # a batch of one
        label = "feature maps"
    if maps.ndim > 3:
        raise ValueError(f"plot_feature_maps draws 1-D or 2-D maps (or a Dense output); got shape {maps.shape}")
    plt = pyplot()
    title = title or f"{label}, output {maps.shape}"
    if maps.ndim == 1:
        fig, ax = plt.subplots(figsize=figsize or (6, 2.5))
        ax.bar(np.arange(maps.size), maps, color="tab:blue")
        ax.set_xlabel("unit")
        ax.set_ylabel("activation")
    elif maps.ndim == 2:
        shown = maps[:, :max_maps]  # (L, C)
        fig, ax = plt.subplots(figsize=figsize or (7, 0.25 * shown.shape[1] + 1.5))
        image = ax.imshow(shown.T, aspect="auto", cmap=cmap, interpolation="nearest")  # (C, L)
        ax.set_xlabel("position")
        ax.set_ylabel("channel")
        fig.colorbar(image, ax=ax)
    else:
        count = min(maps.shape[-1], max_maps)
        ncols = min(ncols, count)
        nrows = -(-count // ncols)
        fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (1.3 * ncols, 1.3 * nrows + 0.5), squeeze=False)
        for i, ax in enumerate(axes.ravel()):
            if i >= count:
                fig.delaxes(ax)
                continue
            ax.imshow(maps[..., i], cmap=cmap, interpolation="nearest")
            ax.set_title(str(i), fontsize=7)
            ax.set_axis_off()
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
