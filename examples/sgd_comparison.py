"""SGD, seen: gradient descent, stochastic and mini-batch SGD and the adaptive methods side by side,
and what the initial weights do to a deep network.

Part 1 trains the same network (784 -> 100 sigmoid -> 10 softmax, the lecture's
MNIST model) from the same initial weights with

    full-batch gradient descent      SGD, learning rate 1.0, every training image each step
    single-example SGD               SGD, learning rate 0.05, one image per step
    mini-batch SGD                   SGD, learning rate 0.5, 32 images per step
    Adagrad                          learning rate 0.05, 32 images per step
    Adadelta                         learning rate 1.0 (the paper's form; Keras's default 0.001
                                     barely moves), epsilon 1e-6, 32 images per step
    RMSprop                          learning rate 0.001, 32 images per step
    Adam                             learning rate 0.001, 32 images per step

for the same number of updates. Mini-batches are drawn by *shuffle and cycle*:
shuffle the training set, walk through it a batch at a time, reshuffle at the end
of every pass. The first figure shows the training loss against the number of
updates and against wall-clock seconds: full-batch steps are the best steps and by
far the most expensive ones.

Part 2 trains a deep, narrow ReLU network (10 hidden layers of 64 units) from
four initialisations — uniform in [-0.05, 0.05] (Keras 1's default), Gaussian
with standard deviation 0.1, Glorot/Xavier uniform and He normal — with the same
mini-batch SGD, and measures at initialisation how large each layer's
activations and weight gradients are: too small weights shrink the activations
layer after layer, and with them every gradient, so training cannot start; He's
scale (variance 2 / fan_in, for ReLU) keeps them level.

Data: the 5,000-digit MNIST subset (4,000 training images).

    python examples/sgd_comparison.py [--out out/sgd] [--iterations 1000] [--quick]

Prints a table per part and writes ``sgd_comparison.png`` and ``initialization.png``.
"""

import argparse
import os
import sys
import time

import numpy as np

import striate
from striate import datasets, initializers, layers, losses, optimizers
from striate.autograd import no_grad

METHODS = [
    # name, batch size (None: the whole training set), optimizer factory, the rate as text
    ("full-batch GD", None, lambda: optimizers.SGD(learning_rate=1.0), "1.0"),
    ("SGD, 1 example", 1, lambda: optimizers.SGD(learning_rate=0.05), "0.05"),
    ("mini-batch SGD", 32, lambda: optimizers.SGD(learning_rate=0.5), "0.5"),
    ("Adagrad", 32, lambda: optimizers.Adagrad(learning_rate=0.05), "0.05"),
    ("Adadelta", 32, lambda: optimizers.Adadelta(learning_rate=1.0, epsilon=1e-6), "1.0"),
    ("RMSprop", 32, lambda: optimizers.RMSprop(learning_rate=0.001), "0.001"),
    ("Adam", 32, lambda: optimizers.Adam(learning_rate=0.001), "0.001"),
]

INITIALIZERS = [
    ("uniform ±0.05", lambda seed: initializers.RandomUniform(-0.05, 0.05, seed=seed)),
    ("Gaussian σ=0.1", lambda seed: initializers.RandomNormal(stddev=0.1, seed=seed)),
    ("Glorot uniform", lambda seed: initializers.GlorotUniform(seed=seed)),
    ("He normal", lambda seed: initializers.HeNormal(seed=seed)),
]


def load(limit=None):
    """MNIST digits as (N, 784) floats in [0, 1] and integer labels."""
    (xtr, ytr), (xts, yts) = datasets.load_mnist_split()
    xtr, ytr = xtr[:limit], ytr[:limit]  # the split is already shuffled
    return (xtr.reshape(len(xtr), -1).astype("float32") / 255, ytr,
            xts.reshape(len(xts), -1).astype("float32") / 255, yts)


def shuffle_and_cycle(n, batch_size, rng):
    """Indices of one mini-batch after another: a fresh permutation for every pass over the data."""
    if batch_size is None or batch_size >= n:
        while True:
            yield slice(None)  # full batch: no copy, no shuffle needed
    while True:
        order = rng.permutation(n)
        for start in range(0, n - batch_size + 1, batch_size):
            yield order[start:start + batch_size]


def mean_loss(model, x, y):
    with no_grad():
        return float(losses.SparseCategoricalCrossentropy()(y, model(x, training=False)).data)


def train(model, optimizer, x, y, batch_size, iterations, checkpoints, seed=0):
    """Plain training loop; returns rows ``(update, seconds, training loss)`` at ``checkpoints``.

    The clock stops while the loss on the whole training set is measured, so the
    seconds are training time only.
    """
    rng = np.random.default_rng(seed)
    batches = shuffle_and_cycle(len(x), batch_size, rng)
    loss_fn = losses.SparseCategoricalCrossentropy()
    variables = model.trainable_weights
    rows, seconds = [(0, 0.0, mean_loss(model, x, y))], 0.0
    for step in range(1, iterations + 1):
        start = time.perf_counter()
        batch = next(batches)
        loss = loss_fn(y[batch], model(x[batch], training=True))
        for v in variables:
            v.grad = None
        loss.backward()
        optimizer.apply([v.grad for v in variables], variables)
        seconds += time.perf_counter() - start
        if step in checkpoints:
            rows.append((step, seconds, mean_loss(model, x, y)))
    return np.array(rows)


def checkpoints_for(iterations, count=30):
    """About ``count`` update numbers spaced evenly on a log scale (the plots' x axis)."""
    return set(np.unique(np.geomspace(1, iterations, count).astype(int)).tolist())


def mlp(seed):
    striate.utils.set_random_seed(seed)
    return striate.Sequential([striate.Input(shape=(784,)), layers.Dense(100, activation="sigmoid"),
                               layers.Dense(10, activation="softmax")])


def compare_optimizers(x, y, xts, yts, iterations, seed=0):
    """Part 1: every method from the same initial weights; returns {name: curve} and table rows."""
    model = mlp(seed)
    initial = model.get_weights()
    marks = checkpoints_for(iterations)
    curves, table = {}, []
    for name, batch_size, make, rate in METHODS:
        model.set_weights(initial)
        curve = train(model, make(), x, y, batch_size, iterations, marks, seed)
        curves[name] = curve
        accuracy = float((model.predict(xts, verbose=0).argmax(axis=1) == yts).mean())
        table.append((name, batch_size or len(x), rate, curve[-1, 1], curve[-1, 2], accuracy))
    return curves, table


def deep_net(initializer, depth, width, activation, seed):
    striate.utils.set_random_seed(seed)
    model = striate.Sequential([striate.Input(shape=(784,))])
    for i in range(depth):
        model.add(layers.Dense(width, activation=activation, kernel_initializer=initializer(seed + i),
                               name=f"hidden_{i + 1}"))
    model.add(layers.Dense(10, activation="softmax", kernel_initializer=initializer(seed + depth), name="output"))
    return model


def layer_statistics(model, x, y, depth):
    """Standard deviation of each hidden layer's activations and RMS of each kernel's gradient, on one batch."""
    names = [f"hidden_{i + 1}" for i in range(depth)]
    activations = striate.viz.feature_maps(model, names, x)
    loss = losses.SparseCategoricalCrossentropy()(y, model(x, training=True))
    kernels = [model.get_layer(name).kernel for name in names]
    for k in kernels:
        k.grad = None
    loss.backward()
    grads = [float(np.sqrt(np.mean(k.grad ** 2))) for k in kernels]
    for k in kernels:
        k.grad = None
    return [float(a.std()) for a in activations], grads


def compare_initializers(x, y, iterations, depth=10, width=64, activation="relu", seed=0):
    """Part 2: layer statistics at initialisation and the training curve, per initialiser."""
    marks = checkpoints_for(iterations)
    results = {}
    for name, initializer in INITIALIZERS:
        model = deep_net(initializer, depth, width, activation, seed)
        act_std, grad_rms = layer_statistics(model, x[:500], y[:500], depth)
        curve = train(model, optimizers.SGD(learning_rate=0.05), x, y, 32, iterations, marks, seed)
        results[name] = (act_std, grad_rms, curve)
    return results


def plot_optimizers(curves, path):
    from striate.viz._mpl import pyplot

    plt = pyplot()
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for name, curve in curves.items():
        style = "--" if "SGD" in name or "GD" in name else "-"
        left.plot(curve[1:, 0], curve[1:, 2], style, label=name)  # row 0 is before any update
        right.plot(curve[1:, 1], curve[1:, 2], style, label=name)
    left.set_xscale("log")
    right.set_xscale("log")
    left.set_xlabel("parameter updates (iterations)")
    right.set_xlabel("wall-clock seconds of training")
    left.set_ylabel("training loss (cross-entropy, whole training set)")
    left.set_title("loss against iterations")
    right.set_title("loss against time")
    for ax in (left, right):
        ax.grid(alpha=0.3, which="both")
    left.legend(fontsize=8)
    fig.suptitle("the same network and starting weights, seven ways to follow the gradient")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_initializers(results, depth, activation, path):
    from striate.viz._mpl import pyplot

    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.3))
    for name, (act_std, grad_rms, curve) in results.items():
        axes[0].plot(curve[1:, 0], curve[1:, 2], label=name)
        axes[1].plot(range(1, depth + 1), act_std, "o-", label=name)
        axes[2].plot(range(1, depth + 1), grad_rms, "o-", label=name)
    axes[0].set_xscale("log")
    axes[0].set_xlabel("mini-batch SGD updates")
    axes[0].set_ylabel("training loss")
    axes[0].set_title("training (SGD, learning rate 0.05, batch 32)")
    axes[1].set_yscale("log")
    axes[1].set_xlabel("hidden layer")
    axes[1].set_title("std of the activations at initialisation")
    axes[2].set_yscale("log")
    axes[2].set_xlabel("hidden layer")
    axes[2].set_title("RMS of dJ/dK (kernel gradient) at initialisation")
    for ax in axes:
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
    fig.suptitle(f"initialisation of a {depth}-hidden-layer {activation} network (64 units per layer)")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="out/sgd", help="folder for the PNGs")
    parser.add_argument("--iterations", type=int, default=None, help="updates per method (default 1000; quick 120)")
    parser.add_argument("--quick", action="store_true", help="1,000 training images and 120 updates (smoke test)")
    parser.add_argument("--activation", default="relu", help="activation of the deep network in part 2")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args(argv)
    iterations = args.iterations or (120 if args.quick else 1000)
    x, y, xts, yts = load(limit=1000 if args.quick else None)
    print(f"data: {len(x)} training and {len(xts)} test images; {iterations} updates per method\n")

    curves, table = compare_optimizers(x, y, xts, yts, iterations)
    print(f"{'method':<16} {'batch':>5} {'rate':>6} {'seconds':>8} {'train loss':>10} {'test acc':>8}")
    for name, batch, rate, seconds, loss, accuracy in table:
        print(f"{name:<16} {batch:>5} {rate:>6} {seconds:>8.2f} {loss:>10.4f} {accuracy:>8.3f}")

    results = compare_initializers(x, y, iterations, activation=args.activation)
    print(f"\n{'initialisation':<16} {'act std L1':>10} {'act std L10':>11} {'grad L1':>9} {'grad L10':>9} "
          f"{'train loss':>10}")
    for name, (act_std, grad_rms, curve) in results.items():
        print(f"{name:<16} {act_std[0]:>10.2e} {act_std[-1]:>11.2e} {grad_rms[0]:>9.2e} {grad_rms[-1]:>9.2e} "
              f"{curve[-1, 2]:>10.4f}")

    if not args.no_plots:
        os.makedirs(args.out, exist_ok=True)
        plot_optimizers(curves, os.path.join(args.out, "sgd_comparison.png"))
        plot_initializers(results, 10, args.activation, os.path.join(args.out, "initialization.png"))
        print(f"\nplots written to {args.out}/: sgd_comparison.png, initialization.png")
    finite = all(np.isfinite(c[:, 2]).all() for c in curves.values())
    return 0 if finite else 1


if __name__ == "__main__":
    sys.exit(main())
