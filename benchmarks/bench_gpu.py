"""striate on a CUDA GPU (CuPy) beside striate on NumPy and PyTorch CUDA/cuDNN: one short script.

What it does, in about five minutes on a GPU machine (docs/gpu.md):

1. install check: NumPy, CuPy and its device, PyTorch and whether it has CUDA;
2. the GPU test module (``tests/gpu/test_cupy_device.py``: every layer, optimizer, loss,
   metric, ``striate.signal`` and model files against NumPy on the real device);
3. networks (d) ``striate.applications.cifar_cnn`` and (e) ``small_resnet`` of BENCHMARKS.md,
   training steps (``train_on_batch``: forward, loss, backward, optimizer) and inference
   (``predict_on_batch``) at batch 64 and 256, for striate-NumPy (all CPU cores),
   striate-CuPy and PyTorch CUDA/cuDNN, each in its own fresh interpreter;
4. a summary table: samples/s and the ratios against the targets
   (striate-CuPy >= 20x striate-NumPy in training, >= 0.5x PyTorch CUDA).

Every contender gets the batch as a NumPy array each step and moves it to the device
(striate's ``train_on_batch`` does; the PyTorch step does ``torch.from_numpy(x).to('cuda')``),
and every timed step ends with the device synchronised (striate returns a host loss or
host outputs; PyTorch calls ``torch.cuda.synchronize()``). A missing CuPy, device or CUDA
build of PyTorch is reported and its columns say "not measured"; the script still exits 0.

Run::

    python benchmarks/bench_gpu.py [--quick] [--skip-tests] [--seconds 2.0] [--budget 330]

``--quick`` (a smoke test on any machine): batch 8, a fraction of a second per contender.
"""

import argparse
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETS = {"d": "cifar_cnn", "e": "small_resnet"}
OPTIMIZERS = {"d": ("adam", 1e-3), "e": ("sgd_momentum", 0.1)}  # as bench_convnets.py
TARGET_VS_NUMPY, TARGET_VS_TORCH = 20.0, 0.5


# ---- one contender, in a child interpreter ---------------------------------------------------
def _time(step, seconds, sync=lambda: None):
    """Median seconds per step: two warm-up steps, then chunks of steps for ``seconds`` in all."""
    import statistics

    step(), step()
    sync()
    start = time.perf_counter()
    step()
    sync()
    once = max(time.perf_counter() - start, 1e-6)
    per_chunk = max(1, int(seconds / 5 / once))
    samples, deadline = [], time.perf_counter() + seconds
    while len(samples) < 3 or time.perf_counter() < deadline:
        start = time.perf_counter()
        for _ in range(per_chunk):
            step()
        sync()
        samples.append((time.perf_counter() - start) / per_chunk)
        if len(samples) >= 50:
            break
    return statistics.median(samples)


def _data(batch, seed=0):
    import numpy as np

    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, batch)


def child_striate(backend_name, configs, seconds):
    import striate

    striate.backend.set_backend(backend_name)
    from striate import applications

    results = {}
    for net, mode, batch in configs:
        model = getattr(applications, NETS[net])()
        opt, lr = OPTIMIZERS[net]
        optimizer = striate.optimizers.Adam(lr) if opt == "adam" else striate.optimizers.SGD(lr, momentum=0.9)
        model.compile(optimizer=optimizer, loss="sparse_categorical_crossentropy")
        x, y = _data(batch)
        step = (lambda: model.train_on_batch(x, y)) if mode == "train" else (lambda: model.predict_on_batch(x))
        results[f"{net}/{mode}/{batch}"] = batch / _time(step, seconds)
        del model, optimizer
    return results


def _torch_model(net):
    import torch
    from torch import nn

    if net == "d":
        return nn.Sequential(nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(),
                             nn.MaxPool2d(2), nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3),
                             nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(2304, 512), nn.ReLU(),
                             nn.Dropout(0.5), nn.Linear(512, 10))

    def conv_bn():
        return [nn.Conv2d(16, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16)]

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(*conv_bn(), nn.ReLU(), *conv_bn())

        def forward(self, x):
            return torch.relu(x + self.body(x))

    return nn.Sequential(nn.Conv2d(3, 16, 3, padding=1, bias=False), nn.BatchNorm2d(16), nn.ReLU(),
                         Block(), Block(), Block(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))


def child_torch(configs, seconds):
    import torch

    if not torch.cuda.is_available():
        raise RuntimeError(f"PyTorch {torch.__version__} has no usable CUDA (build: {torch.version.cuda})")
    torch.backends.cudnn.benchmark = True
    device = torch.device("cuda")
    results = {}
    for net, mode, batch in configs:
        model = _torch_model(net).to(device)
        opt, lr = OPTIMIZERS[net]
        optimizer = torch.optim.Adam(model.parameters(), lr=lr) if opt == "adam" else \
            torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        loss_fn = torch.nn.CrossEntropyLoss()
        x, y = _data(batch)
        x = x.transpose(0, 3, 1, 2).copy()  # (N, C, H, W): PyTorch's layout

        def train():
            optimizer.zero_grad()
            loss = loss_fn(model(torch.from_numpy(x).to(device)), torch.from_numpy(y).to(device))
            loss.backward()
            optimizer.step()

        def infer():
            with torch.no_grad():
                model(torch.from_numpy(x).to(device)).cpu()

        model.train(mode == "train")
        results[f"{net}/{mode}/{batch}"] = batch / _time(train if mode == "train" else infer, seconds,
                                                         torch.cuda.synchronize)
    return results


# ---- the parent ---------------------------------------------------------------------------
def install_check():
    lines = []
    import numpy

    lines.append(f"numpy {numpy.__version__}")
    try:
        import cupy

        try:
            count = cupy.cuda.runtime.getDeviceCount()
            name = cupy.cuda.runtime.getDeviceProperties(0)["name"].decode() if count else "none"
            lines.append(f"cupy {cupy.__version__}: {count} CUDA device(s), device 0: {name}, "
                         f"CUDA runtime {cupy.cuda.runtime.runtimeGetVersion()}")
            has_cupy = count > 0
        except Exception as error:
            lines.append(f"cupy {cupy.__version__}: no usable CUDA device ({error})")
            has_cupy = False
    except ImportError:
        lines.append("cupy: not installed (pip install 'striate[gpu]')")
        has_cupy = False
    try:
        import torch

        cuda = torch.cuda.is_available()
        lines.append(f"torch {torch.__version__}: CUDA build {torch.version.cuda}, CUDA available {cuda}, "
                     f"cuDNN {torch.backends.cudnn.version() if cuda else '-'}")
        has_torch = cuda
    except ImportError:
        lines.append("torch: not installed")
        has_torch = False
    return lines, has_cupy, has_torch


def run_child(kind, configs, seconds, timeout):
    """One contender's results in a fresh interpreter, or the reason it has none."""
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    command = [sys.executable, os.path.abspath(__file__), "--child", kind, "--configs", json.dumps(configs),
               "--seconds", str(seconds)]
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return None, f"timed out after {timeout:.0f} s"
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:]), None
    return None, (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny batches and timings (a smoke test)")
    parser.add_argument("--skip-tests", action="store_true", help="skip the GPU test module")
    parser.add_argument("--seconds", type=float, default=None, help="timing per configuration and contender")
    parser.add_argument("--budget", type=float, default=330.0, help="wall-clock limit of the whole run, seconds")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--configs", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:  # one contender, run by run_child
        configs = [tuple(c) for c in json.loads(args.configs)]
        result = child_torch(configs, args.seconds) if args.child == "torch" else \
            child_striate(args.child, configs, args.seconds)
        print("RESULT " + json.dumps(result))
        return 0
    started = time.perf_counter()
    batches = (8,) if args.quick else (64, 256)
    seconds = args.seconds or (0.2 if args.quick else 2.0)
    configs = [(net, mode, batch) for net in NETS for mode in ("train", "infer") for batch in batches]

    print("== install check")
    lines, has_cupy, has_torch = install_check()
    print("\n".join("  " + line for line in lines))

    if not args.skip_tests:
        print("== GPU test module (tests/gpu/test_cupy_device.py)")
        env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src")}
        try:
            done = subprocess.run([sys.executable, "-m", "pytest", "-rs", "-p", "no:cacheprovider", "-o",
                                   "addopts=--import-mode=importlib", "tests/gpu/test_cupy_device.py"], cwd=ROOT, env=env, capture_output=True,
                                  text=True, timeout=min(240, args.budget / 2))  # CuPy compiles kernels
            lines = done.stdout.strip().splitlines()
            counts = [l.strip("= ") for l in lines if l.startswith("=") and
                      any(w in l for w in (" passed", " failed", " skipped", " error"))]
            reasons = sorted({l.split(": ", 1)[-1] for l in lines if l.startswith("SKIPPED")})
            print("  " + (counts[-1] if counts else (lines[-1:] or [done.stderr[-300:]])[0]))
            for reason in reasons:
                print(f"  skipped: {reason}")
        except subprocess.TimeoutExpired:
            print(f"  timed out after {min(240, args.budget / 2):.0f} s")

    print("== timing (each contender in a fresh interpreter)")
    per_child = 40 + len(configs) * (seconds * 2 + 8)
    results, why = {}, {}
    contenders = [("numpy", True), ("cupy", has_cupy), ("torch", has_torch)]
    runnable = [kind for kind, available in contenders if available]
    for kind, available in contenders:
        if not available:
            why[kind] = "CuPy or its CUDA device is missing" if kind == "cupy" else "no PyTorch CUDA build or device"
            continue
        left = args.budget - (time.perf_counter() - started)  # share what is left of the budget
        timeout = max(10.0, min(per_child, left / (len(runnable) - runnable.index(kind))))
        results[kind], why[kind] = run_child(kind, configs, seconds, timeout)
        print(f"  {kind}: {'done' if results[kind] else why[kind]}")
    print_table(configs, results, why)
    print(f"total {time.perf_counter() - started:.0f} s")
    return 0


def print_table(configs, results, why):
    def get(kind, key):
        return (results.get(kind) or {}).get(key)

    print("\n| net | mode | batch | striate-NumPy samples/s | striate-CuPy samples/s | PyTorch CUDA samples/s "
          f"| CuPy / NumPy (target {TARGET_VS_NUMPY:g}x train) | CuPy / PyTorch (target {TARGET_VS_TORCH:g}x) |")
    print("|---|---|---|---|---|---|---|---|")
    for net, mode, batch in configs:
        key = f"{net}/{mode}/{batch}"
        numpy_, cupy_, torch_ = get("numpy", key), get("cupy", key), get("torch", key)

        def fmt(v):
            return f"{v:,.0f}" if v else "not measured"

        def ratio(a, b, target):
            if not a or not b:
                return "-"
            return f"{a / b:.2f}" + ("" if target is None else (" ok" if a / b >= target else " below"))

        print(f"| {net} {NETS[net]} | {mode} | {batch} | {fmt(numpy_)} | {fmt(cupy_)} | {fmt(torch_)} | "
              f"{ratio(cupy_, numpy_, TARGET_VS_NUMPY if mode == 'train' else None)} | "
              f"{ratio(cupy_, torch_, TARGET_VS_TORCH)} |")
    for kind, reason in why.items():
        if reason:
            print(f"{kind}: not measured ({reason})")


if __name__ == "__main__":
    sys.exit(main())
