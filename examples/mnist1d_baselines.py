"""MNIST-1D (Greydanus, 2020): logistic regression, an MLP and a 1-D CNN, beside the paper's table.

The data set is the one the ``mnist1d`` package generates with its default
arguments (4,000 train + 1,000 test signals of length 40, seed 42; see
``striate.datasets.load_mnist1d``). The paper's table gives 32 % (logistic
regression), 68 % (MLP) and 94 % (CNN) test accuracy.

The three baselines as the paper's repository defines them (``notebooks/models.py``):

- logistic regression: one linear layer 40 -> 10 (softmax in the loss);
- MLP: 40 -> 100 ReLU, then a residual ReLU layer ``h + relu(W h + b)`` (100), then 10;
- CNN: three Conv1D layers of 25 channels, ReLU (kernel 5, stride 2, padding 1;
  kernel 3, stride 2, padding 1; kernel 3, stride 2, padding 1: lengths 40 -> 19 ->
  10 -> 5), flatten (125) and a linear layer to 10.

Training as the repository's ``train.py``: Adam, learning rate 1e-2, batch 100,
6,000 steps (150 epochs of 40 batches), no weight decay, cross-entropy; the test
accuracy is the one after the last step. PyTorch's default initialisation
(uniform in +-1/sqrt(fan_in) for the weights) is used through Keras's
``VarianceScaling(1/3, 'fan_in', 'uniform')``; biases start at zero (Keras).
Every model is trained with ``--seeds`` seeds (default 3) and the table gives the
mean and the spread (min-max).

    python examples/mnist1d_baselines.py [--epochs 150] [--seeds 3] [--out out/mnist1d]
    python examples/mnist1d_baselines.py --quick      # smoke run: 1 epoch, 1 seed

Prints a Markdown table "ours vs published", writes ``results.md`` and
``results.json`` to ``--out``, and exits with status 1 when a mean test accuracy
is more than 3 points from the published one (never with ``--quick``/``--limit``).

(The file is not called ``mnist1d.py``: a script of that name would shadow the
``mnist1d`` package that generates the data, because Python puts the script's
folder first on ``sys.path``.)
"""

import argparse
import os
import sys

import numpy as np

import striate as keras
from striate import layers

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import Timer, markdown_table, write_results  # noqa: E402

PUBLISHED = {"logistic": 32.0, "mlp": 68.0, "cnn": 94.0}
TOLERANCE = 3.0  # points


def torch_like():
    """PyTorch's default weight initialisation, uniform in +-1/sqrt(fan_in), in Keras's words."""
    return keras.initializers.VarianceScaling(scale=1.0 / 3.0, mode="fan_in", distribution="uniform")


def logistic_regression():
    inputs = keras.Input(shape=(40,))
    outputs = layers.Dense(10, activation="softmax", kernel_initializer=torch_like(), name="linear")(inputs)
    return keras.Model(inputs, outputs, name="logistic_regression")


def mlp(hidden=100):
    inputs = keras.Input(shape=(40,))
    h = layers.Dense(hidden, activation="relu", kernel_initializer=torch_like(), name="linear1")(inputs)
    r = layers.Dense(hidden, activation="relu", kernel_initializer=torch_like(), name="linear2")(h)
    h = layers.Add(name="residual")([h, r])
    outputs = layers.Dense(10, activation="softmax", kernel_initializer=torch_like(), name="linear3")(h)
    return keras.Model(inputs, outputs, name="mlp")


def cnn(channels=25):
    # PyTorch's padding=1 is symmetric: ZeroPadding1D(1) then a 'valid' conv (Keras's 'same' with
    # stride 2 would pad differently and give lengths 20, 10, 5).
    model = keras.Sequential([keras.Input(shape=(40,)), layers.Reshape((40, 1))], name="cnn")
    for i, k in enumerate((5, 3, 3)):
        model.add(layers.ZeroPadding1D(1, name=f"pad{i + 1}"))
        model.add(layers.Conv1D(channels, k, strides=2, activation="relu", kernel_initializer=torch_like(),
                                name=f"conv{i + 1}"))
    model.add(layers.Flatten(name="flatten"))  # (5 * 25 = 125,)
    model.add(layers.Dense(10, activation="softmax", kernel_initializer=torch_like(), name="linear"))
    return model


MODELS = {"logistic": ("logistic regression", logistic_regression), "mlp": ("MLP (100-100 residual)", mlp),
          "cnn": ("CNN (3 x Conv1D 25, stride 2)", cnn)}


def train_one(kind, data, epochs, seed, lr):
    (x_train, y_train), (x_test, y_test) = data
    keras.utils.set_random_seed(seed)
    model = MODELS[kind][1]()
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    with Timer() as t:
        history = model.fit(x_train, y_train, batch_size=100, epochs=epochs, verbose=0)
    _, test_acc = model.evaluate(x_test, y_test, batch_size=1000, verbose=0)
    return {"seed": seed, "test_accuracy": 100.0 * test_acc, "train_accuracy": 100.0 * history.history["accuracy"][-1],
            "seconds": t.seconds, "params": model.count_params()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=150, help="150 epochs = the paper's 6,000 steps of 100")
    parser.add_argument("--seeds", type=int, default=3, help="runs per model (seeds 0, 1, ...)")
    parser.add_argument("--lr", type=float, default=1e-2)
    parser.add_argument("--models", default="logistic,mlp,cnn")
    parser.add_argument("--out", default=os.path.join("out", "mnist1d"))
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 epoch, 1 seed, no target")
    parser.add_argument("--limit", type=int, default=None, help="use only this many train and test signals")
    args = parser.parse_args(argv)
    if args.quick:
        args.epochs, args.seeds = 1, 1
    smoke = args.quick or args.limit is not None

    (x_train, y_train), (x_test, y_test) = keras.datasets.load_mnist1d()
    if args.limit:
        x_train, y_train, x_test, y_test = x_train[:args.limit], y_train[:args.limit], x_test[:args.limit], \
            y_test[:args.limit]
    data = (x_train, y_train), (x_test, y_test)
    print(f"MNIST-1D (mnist1d package, default arguments): {len(x_train)} train / {len(x_test)} test, "
          f"length {x_train.shape[1]}")
    steps = args.epochs * -(-len(x_train) // 100)
    print(f"training: Adam {args.lr:g}, batch 100, {args.epochs} epochs ({steps} steps), {args.seeds} seed(s)\n")

    rows, runs, missed = [], {}, []
    for kind in args.models.split(","):
        label = MODELS[kind][0]
        runs[kind] = [train_one(kind, data, args.epochs, seed, args.lr) for seed in range(args.seeds)]
        acc = np.array([r["test_accuracy"] for r in runs[kind]])
        mean, published = float(acc.mean()), PUBLISHED[kind]
        ok = abs(mean - published) <= TOLERANCE
        if not ok:
            missed.append(kind)
        seconds = float(np.mean([r["seconds"] for r in runs[kind]]))
        spread = f"{acc.min():.1f}–{acc.max():.1f}" if len(acc) > 1 else "—"
        rows.append({"model": label, "params": runs[kind][0]["params"], "ours: test acc %": mean,
                     "seeds (min–max)": spread, "published %": published, "difference": mean - published,
                     "train s / run": seconds, "within 3 points": "yes" if ok else "NO"})
        print(f"{label:34s} test accuracy {mean:5.1f} % (seeds: {', '.join(f'{a:.1f}' for a in acc)})  "
              f"published {published:.0f} %  [{seconds:.1f} s per run]", flush=True)

    columns = ["model", "params", "ours: test acc %", "seeds (min–max)", "published %", "difference",
               "train s / run", "within 3 points"]
    table = markdown_table(rows, columns)
    print("\n" + table)
    write_results(args.out, "mnist1d", table, {"args": vars(args), "runs": runs, "rows": rows,
                                               "published": PUBLISHED, "tolerance_points": TOLERANCE})
    print(f"\nresults written to {args.out}/results.md and results.json")
    if missed and not smoke:
        print(f"target missed for: {', '.join(missed)}", file=sys.stderr)
        return 1
    if smoke:
        print("[quick run: targets not checked]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
