"""The small CIFAR-10 CNN (network (d) of BENCHMARKS.md) on Fashion-MNIST, striate beside PyTorch.

CIFAR-10 cannot be obtained offline, so the CIFAR-10 demo's network,
``striate.applications.cifar_cnn``, is trained on Fashion-MNIST (60,000 + 10,000
grey 28x28 images, Debian's ``dataset-fashion-mnist``) at its native size,
``input_shape=(28, 28, 1)``: conv 3x3 32 'same' -> conv 3x3 32 -> max pool 2 ->
conv 3x3 64 'same' -> conv 3x3 64 -> max pool 2 -> flatten (5*5*64 = 1,600) ->
dense 512 -> dropout 0.5 -> dense 10 (889,834 parameters). Adam 1e-3, batch 64,
categorical cross-entropy, pixels scaled to [0, 1].

PyTorch trains the same network on the same data in the same process: its weights
are copied from striate's initial weights (so both start from the same point), it
sees the same batches in the same order (one permutation per epoch, shared), and
uses the same Adam (epsilon 1e-7, Keras's default). The two alternate epoch by
epoch (striate, PyTorch, striate, ...), as BENCHMARKS.md asks, and each epoch is
timed alone; the test accuracy is measured after every epoch. PyTorch uses
``torch.set_num_threads(--threads)``; set ``OPENBLAS_NUM_THREADS`` to the same
number for NumPy. Without PyTorch (``pip install torch==2.13.0``) the PyTorch side
is skipped.

    OPENBLAS_NUM_THREADS=2 python examples/fashion_mnist_cifar_cnn.py [--epochs 3] [--out out/fashion_mnist_cifar_cnn]
    python examples/fashion_mnist_cifar_cnn.py --quick     # smoke run: 256 + 256 images, 1 epoch

Prints a Markdown table (test accuracy and seconds per epoch for both), writes
``results.md``/``results.json`` to ``--out``, and exits with status 1 when
striate's test accuracy is below 90 % (never with ``--quick``/``--limit``). For
reference, Fashion-MNIST's benchmark page lists about 90-92 % for small 2-layer
CNNs; this network reaches that within a few epochs.
"""

import argparse
import os
import sys
import time

import numpy as np

import striate as keras
from striate import applications  # keras.applications; striate/__init__.py does not import it (yet)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import markdown_table, write_results  # noqa: E402

TARGET = 0.90
BATCH = 64


def torch_network(torch):
    """Network (d) at 28x28x1 in PyTorch (channels first)."""
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 32, 3, padding=1), nn.ReLU(),
        nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(),
        nn.Conv2d(64, 64, 3), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(5 * 5 * 64, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))


def copy_weights_to_torch(model, net, torch):
    """Load striate's weights into the PyTorch network (kernels transposed, dense rows permuted)."""
    convs = [m for m in net if isinstance(m, torch.nn.Conv2d)]
    denses = [m for m in net if isinstance(m, torch.nn.Linear)]
    with torch.no_grad():
        for m, name in zip(convs, ("conv1", "conv2", "conv3", "conv4")):
            w, b = model.get_layer(name).get_weights()  # (kh, kw, C, F), (F,)
            m.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))))  # (F, C, kh, kw)
            m.bias.copy_(torch.from_numpy(b))
        w, b = model.get_layer("fc1").get_weights()  # (5*5*64, 512), rows in (h, w, c) order
        # PyTorch flattens (c, h, w): reorder the rows to match.
        w = w.reshape(5, 5, 64, 512).transpose(2, 0, 1, 3).reshape(-1, 512)
        denses[0].weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
        denses[0].bias.copy_(torch.from_numpy(b))
        w, b = model.get_layer("output").get_weights()
        denses[1].weight.copy_(torch.from_numpy(np.ascontiguousarray(w.T)))
        denses[1].bias.copy_(torch.from_numpy(b))


class TorchSide:
    """PyTorch's training loop for the same network, data order and optimizer."""

    def __init__(self, torch, model, x_train, y_train, x_test, y_test):
        self.torch = torch
        self.net = torch_network(torch)
        copy_weights_to_torch(model, self.net, torch)
        self.optimizer = torch.optim.Adam(self.net.parameters(), lr=1e-3, eps=1e-7)
        self.loss = torch.nn.CrossEntropyLoss()
        self.x_train = torch.from_numpy(np.ascontiguousarray(x_train.transpose(0, 3, 1, 2)))  # (N, 1, 28, 28)
        self.y_train = torch.from_numpy(y_train.astype(np.int64))
        self.x_test = torch.from_numpy(np.ascontiguousarray(x_test.transpose(0, 3, 1, 2)))
        self.y_test = y_test

    def epoch(self, order):
        self.net.train()
        x_all, y_all = self.x_train[order], self.y_train[order]  # the same batches as striate's
        start = time.perf_counter()
        for i in range(0, len(order), BATCH):
            x, y = x_all[i:i + BATCH], y_all[i:i + BATCH]
            self.optimizer.zero_grad(set_to_none=True)
            loss = self.loss(self.net(x), y)
            loss.backward()
            self.optimizer.step()
        return time.perf_counter() - start

    def accuracy(self):
        torch = self.torch
        self.net.eval()
        with torch.no_grad():
            pred = torch.cat([self.net(self.x_test[i:i + 1000]).argmax(1) for i in range(0, len(self.x_test), 1000)])
        return float(np.mean(pred.numpy() == self.y_test))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--out", default=os.path.join("out", "fashion_mnist_cifar_cnn"))
    parser.add_argument("--limit", type=int, default=None, help="use only this many train and test images")
    parser.add_argument("--quick", action="store_true", help="smoke run: 256 + 256 images, 1 epoch, no target")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch side")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if args.quick:
        args.limit, args.epochs = args.limit or 256, 1
    smoke = args.quick or args.limit is not None
    keras.utils.set_random_seed(args.seed)

    (x_train, y_train), (x_test, y_test) = keras.datasets.fashion_mnist.load_data()
    if args.limit:
        x_train, y_train, x_test, y_test = x_train[:args.limit], y_train[:args.limit], x_test[:args.limit], \
            y_test[:args.limit]
    x_train = (x_train.astype("float32") / 255.0)[..., None]  # (N, 28, 28, 1)
    x_test = (x_test.astype("float32") / 255.0)[..., None]
    y_train, y_test = y_train.astype(np.int64), y_test.astype(np.int64)
    print(f"Fashion-MNIST: {len(x_train)} train / {len(x_test)} test, 28x28x1 in [0, 1]")

    model = applications.cifar_cnn(input_shape=(28, 28, 1), num_classes=10)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3), loss="categorical_crossentropy",
                  metrics=["accuracy"])
    print(f"network (d), cifar_cnn(input_shape=(28, 28, 1)): {model.count_params():,} parameters")
    y_train_1hot = keras.utils.to_categorical(y_train, 10)

    torch_side = None
    if not args.no_torch:
        try:
            import torch
        except ImportError:
            print("PyTorch is not installed: striate alone (pip install torch==2.13.0 for the comparison)")
        else:
            torch.manual_seed(args.seed)
            torch.set_num_threads(args.threads)
            torch_side = TorchSide(torch, model, x_train, y_train, x_test, y_test)
            print(f"PyTorch {torch.__version__}, {torch.get_num_threads()} threads; same initial weights, "
                  f"same batches, Adam eps 1e-7")
    print(f"OPENBLAS_NUM_THREADS={os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, batch {BATCH}, "
          f"{args.epochs} epochs, alternating striate / PyTorch epoch by epoch\n")

    rng = np.random.default_rng(args.seed)
    log = []
    for epoch in range(args.epochs):
        order = rng.permutation(len(x_train))
        start = time.perf_counter()
        model.fit(x_train[order], y_train_1hot[order], batch_size=BATCH, epochs=epoch + 1, initial_epoch=epoch,
                  shuffle=False, verbose=0)
        s_time = time.perf_counter() - start
        s_acc = float(np.mean(model.predict(x_test, batch_size=1000, verbose=0).argmax(1) == y_test))
        row = {"epoch": epoch + 1, "striate_s": s_time, "striate_acc": s_acc}
        if torch_side:
            row["torch_s"] = torch_side.epoch(order)
            row["torch_acc"] = torch_side.accuracy()
        log.append(row)
        print(f"epoch {epoch + 1}: striate {s_time:6.1f} s, test acc {s_acc:.4f}"
              + (f" | PyTorch {row['torch_s']:6.1f} s, test acc {row['torch_acc']:.4f}  "
                 f"(time ratio striate/PyTorch {s_time / row['torch_s']:.2f})" if torch_side else ""), flush=True)

    s_med = float(np.median([r["striate_s"] for r in log]))
    rows = [{"framework": "striate", "epochs": args.epochs, "test accuracy %": 100 * log[-1]["striate_acc"],
             "s / epoch (median)": s_med, "samples / s": len(x_train) / s_med}]
    if torch_side:
        t_med = float(np.median([r["torch_s"] for r in log]))
        rows.append({"framework": f"PyTorch {torch_side.torch.__version__}", "epochs": args.epochs,
                     "test accuracy %": 100 * log[-1]["torch_acc"], "s / epoch (median)": t_med,
                     "samples / s": len(x_train) / t_med})
        ratios = [r["striate_s"] / r["torch_s"] for r in log]
        rows[0]["time ratio vs PyTorch"] = float(np.median(ratios))
        rows[1]["time ratio vs PyTorch"] = 1.0
    table = markdown_table(rows, ["framework", "epochs", "test accuracy %", "s / epoch (median)", "samples / s",
                                  "time ratio vs PyTorch"])
    print("\n" + table)
    acc = log[-1]["striate_acc"]
    met = acc >= TARGET
    print(f"\nstriate test accuracy {100 * acc:.2f} % (target >= {100 * TARGET:.0f} %): {'met' if met else 'MISSED'}"
          + ("  [quick run: target not checked]" if smoke else ""))
    write_results(args.out, "fashion_mnist_cifar_cnn", table,
                  {"args": vars(args), "per_epoch": log, "rows": rows, "target_accuracy": TARGET, "target_met": met,
                   "n_train": len(x_train), "n_test": len(x_test), "params": model.count_params()})
    print(f"results written to {args.out}/results.md and results.json")
    if not met and not smoke:
        print("target missed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
