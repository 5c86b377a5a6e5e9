"""Activation maximisation: the input that a unit, a filter or a class likes best.

Start from a random input and climb the gradient of one unit's activation
*with respect to the input* — the same backprop that trains the network, with the
weights held still and the input as the variable. Left alone, gradient ascent
finds high-frequency patterns no image contains; the regularisers of Yosinski et
al., "Understanding Neural Networks Through Deep Visualization" (2015), keep it
natural-looking:

- ``l2``: decay the input towards 0 every step (small values everywhere, the
  background of a digit);
- ``blur_every``/``blur_sigma``: smooth the input with a Gaussian every few steps
  (removes the high frequencies that the gradient loves and eyes do not);
- ``jitter``: shift the input by a few random pixels before each step (Mordvintsev
  et al.'s "Inceptionism"), so the pattern must work wherever it lands.

For classes the score *before* the softmax is maximised: raising a probability
can be done by lowering the other classes, which draws the wrong picture.

>>> import numpy as np, striate
>>> striate.utils.set_random_seed(0)
>>> model = striate.Sequential([striate.Input(shape=(6, 6, 1)),
...                             striate.layers.Conv2D(2, 3, activation="relu", name="conv")])
>>> x, values = maximize_activation(model, "conv", 0, steps=20, return_history=True)
>>> x.shape, bool(values[-1] > values[0])
((6, 6, 1), True)
"""

import warnings

import numpy as np

from striate import backend
from striate.autograd import enable_grad
from striate.tensor import Tensor
from striate.viz._mpl import pyplot
from striate.viz.feature_maps import feature_extractor

__all__ = ["maximize_activation", "plot_activation_maximization"]


def _target_weights(out_shape, indices, layer_name):
    """Weights ``(N, *out)`` that turn the layer's output into one objective per example.

    An int index on a layer with spatial axes means a whole filter: the mean of its
    map. A tuple names one unit (position and channel); on a Dense layer an int is a unit.
    """
    weights = np.zeros(out_shape, dtype=np.float64)
    per_example = out_shape[1:]
    for b, index in enumerate(indices):
        if isinstance(index, (int, np.integer)) and len(per_example) > 1:
            if not -per_example[-1] <= index < per_example[-1]:
                raise ValueError(f"maximize_activation: layer {layer_name!r} has {per_example[-1]} filters "
                                 f"(output shape {per_example}); index {index} is out of range")
            weights[b, ..., index] = 1.0 / int(np.prod(per_example[:-1]))
            continue
        unit = (index,) if isinstance(index, (int, np.integer)) else tuple(index)
        if len(unit) != len(per_example) or any(not -n <= i < n for i, n in zip(unit, per_example)):
            raise ValueError(f"maximize_activation: index {index!r} does not name a unit of layer {layer_name!r}, "
                             f"whose output shape is {per_example}")
        weights[(b,) + unit] = 1.0
    return weights


def _blur(x, sigma):
    """Gaussian smoothing of each example over its spatial axes (channels, last, left alone)."""
    from striate.signal import smooth

    # striate.signal computes on the current backend; the ascent's arrays stay on the host
    return np.stack([backend.to_host(smooth(backend.to_device(example), sigma=sigma, channel_axis=-1))
                     for example in x]).astype(x.dtype, copy=False)


def maximize_activation(model, layer_name, index, steps=200, learning_rate=0.05, l2=0.01, blur_every=4,
                        blur_sigma=0.5, jitter=1, value_range=(0.0, 1.0), use_logits=True, seed=0, x0=None,
                        return_history=False):
    """Find, by gradient ascent on the input, an input that maximally excites one unit.

    Every step: shift the input by a random jitter, run it to ``layer_name``, take the
    gradient of the target activation with respect to the input, undo the shift, step
    ``learning_rate`` along the gradient divided by its root mean square (so the step
    size does not depend on the layer's scale), decay by ``l2``, blur every
    ``blur_every`` steps and clip to ``value_range``.

    Args:
        model: a functional or Sequential model with a known input shape.
        layer_name: the layer whose unit is maximised.
        index: which unit: for a conv layer an int is a filter (the mean of its map) and
            a tuple ``(*position, channel)`` one unit; for a Dense layer an int is a unit
            (or a class, for the output layer). A list of these optimises one input per
            entry, all in one batch.
        steps: gradient-ascent steps.
        learning_rate: step length, in RMS-normalised gradient units per input value.
        l2: fraction by which the input decays towards 0 each step.
        blur_every: blur every this many steps (0 or None: never). Blur and jitter act on
            the spatial axes of inputs ``(*spatial, channels)``; flat inputs skip both.
        blur_sigma: the blur's standard deviation in pixels.
        jitter: largest random shift in pixels along each spatial axis (0: none).
        value_range: ``(low, high)`` to clip the input to (None: no clipping); the
            default suits images scaled to [0, 1].
        use_logits: for a layer whose activation is softmax or sigmoid, maximise the
            score before it (the logit).
        seed: seed of the starting noise and the jitter.
        x0: optional starting input ``input_shape`` or ``(K, *input_shape)``; default
            uniform noise over ``value_range``, redrawn (as smooth blobs for images) up to
            10 times where it leaves the target without a gradient.
        return_history: also return the target activation at every step.

    Returns:
        The optimised input, shape ``input_shape`` (``(K, *input_shape)`` for a list of
        ``K`` indices); with ``return_history``, ``(x, history)`` where ``history`` has
        shape ``(steps + 1,)`` (or ``(steps + 1, K)``): the activation before each step
        and, last, for the final input without jitter.

    Warns:
        UserWarning: when an index's gradient was zero at every step (a dead unit).

    Raises:
        TypeError, ValueError: for a model without a graph or an unknown layer (see
            :func:`~striate.viz.feature_maps.feature_extractor`); ValueError for an index
            outside the layer's output, non-positive ``steps`` or an ``x0`` of the wrong shape.
    """
    extractor = feature_extractor(model, layer_name)
    input_shape = tuple(model.inputs[0].shape[1:])
    if None in input_shape:
        raise ValueError(f"maximize_activation needs a fully known input shape, got {input_shape}")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"maximize_activation: steps must be a positive integer, got {steps!r}")
    spatial = tuple(range(1, len(input_shape)))  # batch axis 0; channels last are left alone
    if not spatial:
        jitter = blur_every = 0  # a flat input (features,) has no neighbours to blur or shift towards
    single = not isinstance(index, list)
    indices = [index] if single else list(index)
    rng = np.random.default_rng(seed)
    objective = _Objective(extractor, indices, layer_name, use_logits)
    x = _start(objective, x0, (len(indices),) + input_shape, value_range, rng)
    history, moved = [], np.zeros(len(indices), dtype=bool)
    for step in range(steps):
        shifts = tuple(int(s) for s in rng.integers(-jitter, jitter + 1, len(spatial))) if jitter else None
        values, grad = objective(np.roll(x, shifts, axis=spatial) if shifts else x)
        history.append(values)
        if shifts:
            grad = np.roll(grad, tuple(-s for s in shifts), axis=spatial)
        rms = np.sqrt((grad.reshape(len(indices), -1) ** 2).mean(axis=1))  # (K,)
        moved |= rms > 0
        x = x + learning_rate * grad / (rms.reshape((-1,) + (1,) * len(input_shape)) + 1e-12)
        if l2:
            x = x * (1.0 - l2)
        if blur_every and blur_sigma and (step + 1) % blur_every == 0:
            x = _blur(x, blur_sigma)
        if value_range is not None:
            x = np.clip(x, value_range[0], value_range[1])
        x = x.astype(objective.dtype, copy=False)
    history.append(objective(x)[0])
    if not moved.all():
        stuck = [indices[k] for k in np.flatnonzero(~moved)]
        warnings.warn(f"maximize_activation: the gradient for index {stuck} of layer {layer_name!r} was zero at every "
                      "step, so the input never moved (a ReLU unit that no start input switched on?); try another "
                      "x0 or seed", UserWarning, stacklevel=2)
    history = np.asarray(history)  # (steps + 1, K)
    result = x[0] if single else x
    if return_history:
        return result, (history[:, 0] if single else history)
    return result


class _Objective:
    """Target activations ``(K,)`` and their gradient with respect to a batch of K inputs."""

    def __init__(self, extractor, indices, layer_name, use_logits):
        self.extractor, self.indices, self.layer_name, self.use_logits = extractor, indices, layer_name, use_logits
        self.dtype = extractor.dtype if np.dtype(extractor.dtype).kind == "f" else np.float32
        self.weights = None

    def __call__(self, inputs):
        xt = Tensor(np.asarray(inputs, dtype=self.dtype), requires_grad=True)
        with enable_grad():
            out = self.extractor(xt, training=False)
            if self.use_logits and out._activation is not None and out._activation[0] in ("softmax", "sigmoid"):
                out = out._activation[1]  # the pre-activation scores
            if self.weights is None:
                self.weights = _target_weights(out.shape, self.indices, self.layer_name).astype(out.dtype)
            (out * backend.to_device(self.weights)).sum().backward()
        for w in self.extractor.weights:  # backward also filled the weights' gradients: leave the model as it was
            w.grad = None
        per_example = (backend.to_host(out.data) * self.weights).reshape(len(self.indices), -1).sum(axis=1)  # (K,)
        return per_example, backend.to_host(xt.grad)  # the ascent runs on the host


def _start(objective, x0, shape, value_range, rng, tries=10):
    """The starting inputs: ``x0``, or uniform noise over the value range.

    A random start can leave a ReLU unit at 0, with no gradient to climb; such
    examples get fresh noise, up to ``tries`` times — for images, smooth blobs
    (noise blurred and stretched to the range), which switch on units that fine
    noise does not.
    """
    if x0 is not None:
        x0 = np.asarray(x0, dtype=np.float64)
        if x0.shape not in (shape[1:], shape):
            raise ValueError(f"maximize_activation: x0 must have shape {shape[1:]} or {shape}, got {x0.shape}")
        return np.broadcast_to(x0, shape).astype(objective.dtype)
    low, high = (-0.5, 0.5) if value_range is None else value_range
    x = rng.uniform(low, high, shape).astype(objective.dtype)
    for _ in range(tries):
        _, grad = objective(x)
        dead = ~np.any(grad.reshape(len(x), -1) != 0, axis=1)  # (K,)
        if not dead.any():
            break
        fresh = rng.uniform(0.0, 1.0, (int(dead.sum()),) + shape[1:])
        if len(shape) > 2:  # spatial inputs: blobs of about 5 pixels
            fresh = _blur(fresh, 2.0)
            span = fresh.reshape(len(fresh), -1)
            lo, hi = span.min(axis=1), span.max(axis=1)
            fresh = (fresh - lo.reshape((-1,) + (1,) * (len(shape) - 1))) / \
                (hi - lo + 1e-12).reshape((-1,) + (1,) * (len(shape) - 1))
        x[dead] = low + (high - low) * fresh
    return x


def plot_activation_maximization(images, titles=None, ncols=5, image_shape=None, cmap="gray", title=None,
                                 figsize=None):
    """Draw optimised inputs (from :func:`maximize_activation` with a list of indices) side by side.

    Args:
        images: a batch ``(K, ...)``: images ``(K, H, W, C)`` with 1 or 3 channels or grey
            ``(K, H, W)``; 1-D inputs ``(K, L, C)`` with ``C <= 3`` and ``L >= 4 C`` or flat
            ``(K, features)`` are drawn as curves unless ``image_shape`` makes them images.
            Pass ``x[None]`` for a single example.
        titles: one label per image (e.g. class names).
        ncols: images per row.
        image_shape: reshape each example to this, e.g. ``(28, 28)`` for an MLP's flat inputs.
        cmap: colormap for one-channel images (each image on its own scale).
        title: figure title.

    Returns:
        The matplotlib Figure, one axes per example.

    Raises:
        ValueError: for a wrong number of titles or a shape that cannot be drawn.
    """
    images = np.asarray(images, dtype=np.float64)
    if image_shape is not None:
        images = images.reshape((len(images),) + tuple(image_shape))
    curves = images.ndim == 2 or (images.ndim == 3 and images.shape[-1] <= 3 and images.shape[1] >= 4 * images.shape[-1])
    if images.ndim == 4 and images.shape[-1] == 1:
        images = images[..., 0]  # (K, H, W)
    if not curves and not (images.ndim == 3 or (images.ndim == 4 and images.shape[-1] == 3)):
        raise ValueError(f"plot_activation_maximization: cannot draw an array of shape {images.shape}; give a batch "
                         "(K, H, W, C) with 1 or 3 channels, (K, H, W), (K, L, C) or (K, features)")
    count = len(images)
    if titles is not None and len(titles) != count:
        raise ValueError(f"plot_activation_maximization: {count} images but {len(titles)} titles")
    plt = pyplot()
    ncols = max(1, min(ncols, count))
    nrows = -(-count // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=figsize or (1.8 * ncols, 1.9 * nrows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.ravel()):
        if i >= count:
            fig.delaxes(ax)
            continue
        image = images[i]
        if curves:
            ax.plot(image)
            ax.set_xticks([])
            ax.set_yticks([])
        elif image.ndim == 3:
            ax.imshow((image - image.min()) / (np.ptp(image) or 1.0))  # colour, scaled to [0, 1]
            ax.set_axis_off()
        else:
            ax.imshow(image, cmap=cmap)
            ax.set_axis_off()
        if titles is not None:
            ax.set_title(str(titles[i]), fontsize=8)
    if title:
        fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return fig
