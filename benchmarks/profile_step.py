"""Profile striate's training or inference step on one network of BENCHMARKS.md.

Times ``train_on_batch`` (or ``predict_on_batch``) on random data, then prints
cProfile's top functions by their own time. Only the calling thread is profiled:
work that striate's other threads do in parallel shows up as ``lock.acquire``
(waiting for them).

    PYTHONPATH=src python benchmarks/profile_step.py e            # small ResNet, training
    PYTHONPATH=src python benchmarks/profile_step.py c --mode infer --steps 100
"""

import argparse
import cProfile
import os
import pstats
import sys
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_convnets import INFER_BATCH, NETS, striate_model  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("net", choices=sorted(NETS))
    parser.add_argument("--mode", choices=("train", "infer"), default="train")
    parser.add_argument("--batch", type=int, default=None, help="default: BENCHMARKS.md's (256 for inference)")
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--top", type=int, default=20)
    args = parser.parse_args(argv)

    shape, batch, _ = NETS[args.net]
    batch = args.batch or (INFER_BATCH if args.mode == "infer" else batch)
    model = striate_model(args.net)
    rng = np.random.default_rng(0)
    x = rng.random((batch,) + tuple(shape), dtype=np.float32)
    y = rng.integers(0, 10, batch)
    step = (lambda: model.train_on_batch(x, y)) if args.mode == "train" else (lambda: model.predict_on_batch(x))

    for _ in range(10):
        step()
    start = time.perf_counter()
    for _ in range(args.steps):
        step()
    per_step = (time.perf_counter() - start) / args.steps
    print(f"net {args.net}, {args.mode}, batch {batch}: {per_step * 1e3:.2f} ms per step "
          f"({batch / per_step:,.0f} samples/s) without the profiler")

    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step() for _ in range(args.steps)])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
