"""Network (a) of BENCHMARKS.md, striate beside PyTorch: 784 -> 256 sigmoid -> 10 softmax.

Training: one epoch over 6,000 samples in batches of 100 (categorical
cross-entropy, SGD lr 0.01) through each library's ordinary training API
(striate: ``model.fit``; PyTorch: the usual loop). Inference: 10,000 samples in
batches of 256 (striate: ``model.predict``). Chunks alternate between the two
libraries in one process; medians and the ratio are printed, and the import
time of each library in a fresh interpreter.

    python benchmarks/bench_mlp.py [--quick]
"""

import argparse
import os
import subprocess
import sys
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import alternate  # noqa: E402

import striate  # noqa: E402

N_TRAIN, N_INFER, BATCH, INFER_BATCH = 6000, 10000, 100, 256


def striate_model():
    striate.utils.set_random_seed(0)
    model = striate.Sequential([
        striate.Input(shape=(784,)),
        striate.layers.Dense(256, activation="sigmoid"),
        striate.layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=striate.optimizers.SGD(learning_rate=0.01), loss="categorical_crossentropy")
    return model


def torch_model(torch):
    torch.manual_seed(0)
    model = torch.nn.Sequential(torch.nn.Linear(784, 256), torch.nn.Sigmoid(), torch.nn.Linear(256, 10))
    return model, torch.optim.SGD(model.parameters(), lr=0.01)


def import_seconds(module):
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    try:
        out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
        return float(out.stdout.strip())
    except (subprocess.CalledProcessError, ValueError):
        return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer chunks")
    args = parser.parse_args()
    chunks = 3 if args.quick else 7

    rng = np.random.default_rng(0)
    x = rng.random((N_TRAIN, 784), dtype=np.float32)
    labels = rng.integers(0, 10, N_TRAIN)
    y = np.eye(10, dtype=np.float32)[labels]
    x_infer = rng.random((N_INFER, 784), dtype=np.float32)

    model = striate_model()
    train = {"striate": lambda: model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)}
    infer = {"striate": lambda: model.predict(x_infer, batch_size=INFER_BATCH, verbose=0)}

    try:
        import torch
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing striate alone (pip install torch==2.13.0 for the comparison)")
    if torch is not None:
        torch.set_num_threads(2)
        net, opt = torch_model(torch)
        tx, ty, tinf = torch.from_numpy(x), torch.from_numpy(labels), torch.from_numpy(x_infer)
        loss_fn = torch.nn.CrossEntropyLoss()

        def torch_train():
            order = torch.randperm(N_TRAIN)
            for start in range(0, N_TRAIN, BATCH):
                idx = order[start:start + BATCH]
                opt.zero_grad()
                loss = loss_fn(net(tx[idx]), ty[idx])
                loss.backward()
                opt.step()

        def torch_infer():
            with torch.no_grad():
                return torch.cat([torch.softmax(net(tinf[i:i + INFER_BATCH]), dim=1)
                                  for i in range(0, N_INFER, INFER_BATCH)]).numpy()

        train["pytorch"], infer["pytorch"] = torch_train, torch_infer

    print(f"network (a): 784 -> 256 sigmoid -> 10 softmax, float32, {os.cpu_count()} cores")
    print(f"{'mode':<10}{'striate samples/s':>20}{'pytorch samples/s':>20}{'ratio':>8}")
    for mode, contenders, n in (("train", train, N_TRAIN), ("infer", infer, N_INFER)):
        result = alternate(contenders, calls_per_chunk=1, chunks=chunks, warmup=1)
        ours = n / result.median("striate")
        if torch is not None:
            theirs = n / result.median("pytorch")
            print(f"{mode:<10}{ours:>20,.0f}{theirs:>20,.0f}{ours / theirs:>8.2f}")
        else:
            print(f"{mode:<10}{ours:>20,.0f}{'-':>20}{'-':>8}")
    ours, theirs = import_seconds("striate"), import_seconds("torch")
    print(f"import time: striate {ours:.3f} s" + (f", torch {theirs:.3f} s" if theirs else ""))
    print("ratio = striate throughput / PyTorch throughput (> 1: striate faster), medians of alternating chunks")


if __name__ == "__main__":
    main()
