"""What a convnet learned, in pictures: filters, feature maps, the inputs each class likes best.

Trains keras.io's "Simple MNIST convnet" (Conv2D 32 3x3 -> pool -> Conv2D 64 3x3 ->
pool -> Dropout -> Dense 10 softmax) for a few epochs on the 5,000-digit MNIST
subset, then writes:

- ``filters.png``: the 32 learned 3x3 filters of the first layer (red positive,
  blue negative): about a third are oriented edge detectors (positive on one side,
  negative on the other), most others respond to ink in general; after 3 epochs
  they still carry much of their random start;
- ``feature_maps.png``: the first layer's 32 maps for one test digit (each
  filter's response at every position: edges of one orientation light up);
- ``class_maximization.png``: for each class, the input the network scores
  highest as that class, found by gradient ascent on the input from grey noise,
  with L2 decay, blur and jitter (Yosinski et al. 2015) — digits appear;
- ``filter_maximization.png``: the same for the ten most selective second-layer
  filters (strokes and gratings of one orientation);
- ``confusion_matrix.png`` on the 1,000 test digits.

    python examples/visualize_convnet.py [--epochs 3] [--out out/visualize_convnet] [--quick]
"""

import argparse
import os
import sys
import time

import numpy as np

import striate as keras
from striate import layers, viz


def load(limit=None):
    (x_train, y_train), (x_test, y_test) = keras.datasets.load_mnist_split()
    x_train = np.expand_dims(x_train[:limit].astype("float32") / 255, -1)  # (N, 28, 28, 1) in [0, 1]
    x_test = np.expand_dims(x_test.astype("float32") / 255, -1)
    return x_train, y_train[:limit], x_test, y_test


def convnet():
    """keras.io's model, with names to find its layers by."""
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu", name="conv1"),
        layers.MaxPooling2D(pool_size=(2, 2), name="pool1"),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu", name="conv2"),
        layers.MaxPooling2D(pool_size=(2, 2), name="pool2"),
        layers.Flatten(name="flatten"),
        layers.Dropout(0.5, name="dropout"),
        layers.Dense(10, activation="softmax", name="predictions"),
    ])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default="out/visualize_convnet")
    parser.add_argument("--quick", action="store_true", help="1 epoch on 1,000 digits, fewer ascent steps (smoke test)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(args.seed)
    x_train, y_train, x_test, y_test = load(1000 if args.quick else None)
    epochs = 1 if args.quick else args.epochs
    steps = 40 if args.quick else 200

    model = convnet()
    model.compile(loss="sparse_categorical_crossentropy", optimizer="adam", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, batch_size=128, epochs=epochs, verbose=2)
    _, accuracy = model.evaluate(x_test, y_test, verbose=0)
    print(f"trained {epochs} epochs on {len(x_train)} digits in {time.perf_counter() - start:.1f} s; "
          f"test accuracy {accuracy:.3f}")

    os.makedirs(args.out, exist_ok=True)
    plt = viz._mpl.pyplot()

    def save(fig, name):
        fig.savefig(os.path.join(args.out, name), dpi=100)
        plt.close(fig)
        print(f"wrote {os.path.join(args.out, name)}")

    save(viz.plot_filters(model.get_layer("conv1"), title="first layer: 32 learned 3x3 filters (red +, blue -)"),
         "filters.png")
    digit = x_test[0]
    save(viz.plot_feature_maps(model, "conv1", digit, title=f"first-layer feature maps of a test digit "
                                                             f"(label {y_test[0]})"), "feature_maps.png")

    # One optimised input per class, all ten in one batch; the scores before the softmax are climbed.
    start = time.perf_counter()
    images, history = viz.maximize_activation(model, "predictions", list(range(10)), steps=steps,
                                              return_history=True)
    probabilities = model.predict(images, verbose=0)
    print(f"class visualisations in {time.perf_counter() - start:.1f} s; logit of each class before -> after: "
          + ", ".join(f"{c}: {a:.1f}->{b:.1f}" for c, (a, b) in enumerate(zip(history[0], history[-1]))))
    titles = [f"{c} (p={probabilities[c, c]:.2f})" for c in range(10)]
    save(viz.plot_activation_maximization(images, titles=titles, title="inputs that maximise each class score"),
         "class_maximization.png")

    # Ten second-layer filters worth a look: the most selective (their response varies most from
    # digit to digit, relative to its mean) among those that respond to digits at all.
    response = viz.feature_maps(model, "conv2", x_test[:200]).mean(axis=(1, 2))  # (200, 64) mean per map
    mean = response.mean(axis=0)
    selectivity = np.where(mean > 0.1 * mean.max(), response.std(axis=0) / (mean + 1e-9), -1.0)
    filters = [int(f) for f in np.argsort(-selectivity)[:10]]
    images = viz.maximize_activation(model, "conv2", filters, steps=steps)
    save(viz.plot_activation_maximization(images, titles=[f"conv2 filter {f}" for f in filters],
                                          title="inputs that maximise second-layer filters (mean of the map)"),
         "filter_maximization.png")

    save(viz.plot_confusion_matrix(y_test, model.predict(x_test, verbose=0)), "confusion_matrix.png")
    recognised = int((probabilities.argmax(axis=1) == np.arange(10)).sum())
    print(f"{recognised} of 10 class visualisations are classified as their class")
    return 0


if __name__ == "__main__":
    sys.exit(main())
