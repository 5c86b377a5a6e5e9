"""Networks (a)-(e) of BENCHMARKS.md, trained and run in striate and PyTorch side by side.

For every network and mode (training: forward + loss + backward + optimizer
step; inference: forward only, batch 256) the two libraries alternate chunk by
chunk in this one process (``timing.alternate``, with a pause before each
chunk so that the other library's spinning threads are asleep), on the same data, and the
table gives the median throughput of each, their ratio (> 1: striate faster),
the share of this machine's float32 GEMM peak (measured in the same run with a
big ``np.matmul``) that each reaches, and the peak memory of each.

Memory: each library runs the same steps alone in a fresh subprocess, which
reports its peak resident set size (``VmHWM``) minus its resident size just
before the model is built (after imports, a warm-up step of the same network on
2 samples, and the data). So both figures count weights, optimizer state,
activations, gradients and scratch buffers, through each library's own
allocator; neither counts the library's code and first-use set-up.

The striate side uses the Keras API a user writes: ``Sequential``/functional
models, ``compile``, ``train_on_batch`` and ``predict_on_batch``. The PyTorch side
is the idiomatic equivalent (NCHW, ``zero_grad``/``backward``/``step``, ``no_grad``
+ ``eval()`` for inference), with ``torch.set_num_threads(2)``.

Run::

    PYTHONPATH=src python benchmarks/bench_convnets.py [--quick] [--nets bcde] [--modes train,infer]
        [--threads 2] [--cpu-time] [--no-memory]

The goals are set for two threads on the wall clock, which needs an otherwise
idle machine: on a machine that other jobs keep busy, two-thread BLAS and
OpenMP runtimes spin and stall and the wall-clock ratio is noise. There,
``--threads 1 --cpu-time`` still gives a fair ratio of the work each library does.

FLOPs count conv and dense layers (2 per multiply-add); training counts the
forward pass, the weight gradient and the input gradient (none for the first layer).
"""

import argparse
import json
import os
import subprocess
import sys
import time


def _threads_from_argv():
    """``--threads N`` must reach OpenBLAS before NumPy loads it; without the flag,
    ``OPENBLAS_NUM_THREADS`` if set, else 2."""
    for i, arg in enumerate(sys.argv):
        if arg == "--threads" and i + 1 < len(sys.argv):
            return int(sys.argv[i + 1])
        if arg.startswith("--threads="):
            return int(arg.split("=", 1)[1])
    return int(os.environ.get("OPENBLAS_NUM_THREADS", 2))


THREADS = _threads_from_argv()
os.environ["OPENBLAS_NUM_THREADS"] = str(THREADS)
# striate's own threads (its convolutions split their batch) get the same budget as the
# BLAS and PyTorch: with --threads 1 --cpu-time a second striate thread would count twice.
os.environ["STRIATE_NUM_THREADS"] = str(THREADS)
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from timing import alternate  # noqa: E402

import striate  # noqa: E402
from striate import layers as L  # noqa: E402

# id: (input shape, training batch, optimizer)
NETS = {
    "a": ((784,), 100, ("sgd", 0.01)),
    "b": ((16, 16, 1), 32, ("sgd", 0.01)),
    "c": ((28, 28, 1), 64, ("adam", 1e-3)),
    "d": ((32, 32, 3), 64, ("adam", 1e-3)),
    "e": ((32, 32, 3), 64, ("sgd_momentum", 0.1)),
}
INFER_BATCH = 256
NAMES = {"a": "MLP 784-256-10", "b": "LeCun 1989", "c": "LeNet-5", "d": "CIFAR CNN", "e": "small ResNet"}


# ---- striate models ---------------------------------------------------------------
def striate_model(net):
    shape, _, (opt, lr) = NETS[net]
    if net == "a":
        model = striate.Sequential([L.Input(shape=shape), L.Dense(256, activation="sigmoid"),
                                    L.Dense(10, activation="softmax")])
    elif net == "b":
        # PyTorch's 'pad 2' and Keras's 'same' both give 8x8 and 4x4 maps (same work).
        model = striate.Sequential([L.Input(shape=shape),
                                    L.Conv2D(12, 5, strides=2, padding="same", activation="tanh"),
                                    L.Conv2D(12, 5, strides=2, padding="same", activation="tanh"),
                                    L.Flatten(), L.Dense(30, activation="tanh"), L.Dense(10, activation="softmax")])
    elif net == "c":
        model = striate.Sequential([L.Input(shape=shape), L.Conv2D(6, 5, padding="same", activation="relu"),
                                    L.MaxPooling2D(2), L.Conv2D(16, 5, activation="relu"), L.MaxPooling2D(2),
                                    L.Flatten(), L.Dense(120, activation="relu"), L.Dense(84, activation="relu"),
                                    L.Dense(10, activation="softmax")])
    elif net == "d":
        model = striate.Sequential([
            L.Input(shape=shape), L.Conv2D(32, 3, padding="same", activation="relu"),
            L.Conv2D(32, 3, activation="relu"), L.MaxPooling2D(2),
            L.Conv2D(64, 3, padding="same", activation="relu"), L.Conv2D(64, 3, activation="relu"),
            L.MaxPooling2D(2), L.Flatten(), L.Dense(512, activation="relu"), L.Dropout(0.5),
            L.Dense(10, activation="softmax")])
    else:
        inputs = L.Input(shape=shape)

        def conv_bn(x):
            x = L.Conv2D(16, 3, padding="same", use_bias=False)(x)
            return L.BatchNormalization(momentum=0.9, epsilon=1e-5)(x)

        x = L.Activation("relu")(conv_bn(inputs))
        for _ in range(3):
            h = conv_bn(L.Activation("relu")(conv_bn(x)))
            x = L.Activation("relu")(L.Add()([x, h]))
        outputs = L.Dense(10, activation="softmax")(L.GlobalAveragePooling2D()(x))
        model = striate.Model(inputs, outputs)
    optimizer = {"sgd": lambda: striate.optimizers.SGD(learning_rate=lr),
                 "adam": lambda: striate.optimizers.Adam(learning_rate=lr),
                 "sgd_momentum": lambda: striate.optimizers.SGD(learning_rate=lr, momentum=0.9)}[opt]()
    model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
    return model


def count_flops(model):
    """(forward, training) FLOPs per sample of the conv and dense layers."""
    forward = []
    for layer in model.layers:
        if isinstance(layer, (L.Conv1D, L.Conv2D, L.Conv3D)):
            out = layer.output.shape
            k = layer.kernel.shape
            forward.append(2 * int(np.prod(out[1:])) * int(np.prod(k[:-1])))
        elif isinstance(layer, L.Dense):
            forward.append(2 * int(np.prod(layer.kernel.shape)))
    # the first layer needs no input gradient
    return sum(forward), 3 * sum(forward) - forward[0]


# ---- PyTorch models -----------------------------------------------------------------
def torch_model(net):
    import torch
    from torch import nn

    shape, _, (opt, lr) = NETS[net]
    if net == "a":
        model = nn.Sequential(nn.Linear(784, 256), nn.Sigmoid(), nn.Linear(256, 10))
    elif net == "b":
        model = nn.Sequential(nn.Conv2d(1, 12, 5, 2, 2), nn.Tanh(), nn.Conv2d(12, 12, 5, 2, 2), nn.Tanh(),
                              nn.Flatten(), nn.Linear(192, 30), nn.Tanh(), nn.Linear(30, 10))
    elif net == "c":
        model = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(400, 120), nn.ReLU(),
                              nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))
    elif net == "d":
        model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(),
                              nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3),
                              nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2304, 512), nn.ReLU(),
                              nn.Dropout(0.5), nn.Linear(512, 10))
    else:
        def conv_bn():
            return [nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16, momentum=0.1, eps=1e-5)]

        class Block(nn.Module):
            def __init__(self):
                super().__init__()
                self.body = nn.Sequential(*conv_bn(), nn.ReLU(), *conv_bn())

            def forward(self, x):
                return torch.relu(x + self.body(x))

        model = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                              Block(), Block(), Block(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))
    if opt == "adam":
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    else:
        optimizer = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9 if opt == "sgd_momentum" else 0.0)
    return model, optimizer, nn.CrossEntropyLoss()


# ---- steps -----------------------------------------------------------------------------
def data(net, mode, seed=0, batch=None):
    shape, train_batch, _ = NETS[net]
    batch = batch or (train_batch if mode == "train" else INFER_BATCH)
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch,) + shape, dtype=np.float32), rng.integers(0, 10, batch)


def striate_step(net, mode, batch=None):
    model = striate_model(net)
    x, y = data(net, mode, batch=batch)
    if mode == "train":
        return lambda: model.train_on_batch(x, y)
    return lambda: model.predict_on_batch(x)


def torch_step(net, mode, batch=None):
    import torch

    model, optimizer, loss_fn = torch_model(net)
    x, y = data(net, mode, batch=batch)
    if x.ndim == 4:
        x = x.transpose(0, 3, 1, 2)  # (N, C, H, W): PyTorch's layout
    xt, yt = torch.from_numpy(np.ascontiguousarray(x)), torch.from_numpy(y)
    if mode == "train":
        model.train()

        def train():
            optimizer.zero_grad()
            loss = loss_fn(model(xt), yt)
            loss.backward()
            optimizer.step()
        return train
    model.eval()

    def infer():
        with torch.no_grad():
            model(xt)
    return infer


def gemm_peak(n=2048, repeats=5, clock=time.perf_counter):
    """Best float32 GFLOP/s of a big ``np.matmul`` (the BLAS that striate uses)."""
    a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
    best = float("inf")
    a @ a
    for _ in range(repeats):
        start = clock()
        a @ a
        best = min(best, clock() - start)
    return 2 * n ** 3 / best / 1e9


# ---- memory (one library per fresh process) --------------------------------------------
def _rss_bytes(field="VmRSS"):
    """Current (``VmRSS``) or peak (``VmHWM``) resident set size of this process.

    Not ``getrusage``'s ``ru_maxrss``: on Linux a child started from a big parent
    inherits the parent's resident size in it (fork copies the address space, and
    exec records its high-water mark), which would count PyTorch's 300 MB here."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {field} in /proc/self/status")


def memory_child(side, net, mode, steps):
    if side == "torch":
        import torch
        torch.set_num_threads(THREADS)
    make = striate_step if side == "striate" else torch_step
    # Warm up on 2 samples with a throw-away model: loads the library's code paths
    # (PyTorch maps ~85 MB of kernels and thread pools on its first ops), which is
    # not the network's memory.
    make(net, mode, batch=2)()
    data(net, mode)
    before = _rss_bytes()
    step = make(net, mode)
    for _ in range(steps):
        step()
    peak = _rss_bytes("VmHWM")
    print(json.dumps({"delta_mb": max(peak - before, 0) / 2 ** 20}))


def memory(side, net, mode, steps):
    env = dict(os.environ)
    src = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "src")
    env["PYTHONPATH"] = src + os.pathsep + env.get("PYTHONPATH", "")
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--memory-child", side, net, mode,
                          str(steps), "--threads", str(THREADS)], capture_output=True, text=True, env=env, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["delta_mb"]


# ---- main ------------------------------------------------------------------------------
def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer and shorter chunks")
    parser.add_argument("--nets", default="bcde", help="which networks, e.g. 'abcde' (default 'bcde')")
    parser.add_argument("--modes", default="train,infer")
    parser.add_argument("--no-memory", action="store_true", help="skip the memory subprocesses")
    parser.add_argument("--threads", type=int, default=THREADS,
                        help="threads for OpenBLAS, striate and PyTorch (default: $OPENBLAS_NUM_THREADS, else 2)")
    parser.add_argument("--cpu-time", action="store_true",
                        help="time with process CPU time instead of the wall clock: with --threads 1, a fair "
                             "ratio even on a machine that other jobs keep busy")
    parser.add_argument("--memory-child", nargs=4, metavar=("SIDE", "NET", "MODE", "STEPS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_child:
        side, net, mode, steps = args.memory_child
        return memory_child(side, net, mode, int(steps))

    try:
        import torch
        torch.set_num_threads(THREADS)
    except ImportError:
        torch = None
        print("PyTorch is not installed: timing striate alone (pip install torch==2.13.0 for the comparison).")
    clock = time.process_time if args.cpu_time else time.perf_counter
    load = os.getloadavg()[0]
    if load > 0.5 and not args.cpu_time:
        print(f"warning: load average {load:.1f}: other jobs share this machine, so wall-clock ratios of "
              "multi-threaded code are noise; use --threads 1 --cpu-time here")
    peak = gemm_peak(clock=clock)
    if args.cpu_time and THREADS != 1:
        parser.error("--cpu-time needs --threads 1 (CPU time of several threads is not a speed)")
    print(f"float32 GEMM peak (np.matmul 2048x2048, {THREADS} OpenBLAS threads): {peak:.0f} GFLOP/s; "
          f"numpy {np.__version__}" + (f", torch {torch.__version__} ({torch.get_num_threads()} threads)" if torch else "")
          + ("; timed in process CPU time" if args.cpu_time else "; timed on the wall clock"))
    chunks, warmup = (3, 2) if args.quick else (7, 3)
    header = (f"{'net':<18}{'mode':<6}{'batch':>6}{'striate/s':>11}{'torch/s':>10}{'ratio':>7}"
              f"{'striate %peak':>15}{'torch %peak':>13}{'mem striate':>13}{'mem torch':>11}")
    rows = []
    for net in args.nets:
        for mode in args.modes.split(","):
            batch = NETS[net][1] if mode == "train" else INFER_BATCH
            s_step = striate_step(net, mode)
            fwd, train = count_flops(striate_model(net))
            flops = train if mode == "train" else fwd
            contenders = {"striate": s_step}
            if torch is not None:
                contenders["torch"] = torch_step(net, mode)
            # ~0.3 s per chunk: enough calls that timer and thread wake-up noise vanish.
            start = time.perf_counter()
            s_step()
            per_call = max(time.perf_counter() - start, 1e-4)
            calls = max(1, min(200, int((0.15 if args.quick else 0.3) / per_call)))
            result = alternate(contenders, calls_per_chunk=calls, chunks=chunks, warmup=warmup,
                               pause=0.05 if args.quick else 0.2,
                               clock=clock)
            s_rate = batch / result.median("striate")
            t_rate = batch / result.median("torch") if torch else float("nan")
            steps = 3 if args.quick else 6
            mem_s = float("nan") if args.no_memory else memory("striate", net, mode, steps)
            mem_t = float("nan") if args.no_memory or torch is None else memory("torch", net, mode, steps)
            row = (f"{net} {NAMES[net]:<16}{mode:<6}{batch:>6}{s_rate:>11,.0f}{t_rate:>10,.0f}{s_rate / t_rate:>7.2f}"
                   f"{100 * s_rate * flops / 1e9 / peak:>14.1f}%{100 * t_rate * flops / 1e9 / peak:>12.1f}%"
                   f"{mem_s:>10.1f} MB{mem_t:>8.1f} MB")
            rows.append(row)
            print(row if len(rows) > 1 else header + "\n" + row, flush=True)
    print("\nratio = striate samples/s / PyTorch samples/s (> 1: striate faster); medians of "
          f"{chunks} alternating chunks; memory = peak RSS growth while running, one library per process; "
          f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end.")


if __name__ == "__main__":
    main()
