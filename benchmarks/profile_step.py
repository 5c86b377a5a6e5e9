"""Profile striate's training or inference step on one network of BENCHMARKS.md.

Times ``train_on_batch`` (or ``predict_on_batch``) on random data, then prints
cProfile's top functions by their own time. Only the calling thread is profiled:
work that striate's other threads do in parallel shows up as ``lock.acquire``
(waiting for them).

    PYTHONPATH=src python benchmarks/profile_step.py e            # small ResNet, training
    PYTHONPATH=src python benchmarks/profile_step.py c --mode infer --steps 100
    PYTHONPATH=src python benchmarks/profile_step.py d --ops      # time of each recorded op

The step is the compiled one users get (``jit_compile='auto'``); ``--eager``
profiles the eager step instead. ``--ops`` times every op of the compiled step's
plan, forward and backward, in thread CPU time (robust on a busy machine).
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
    parser.add_argument("--eager", action="store_true", help="profile the eager step (jit_compile=False)")
    parser.add_argument("--ops", action="store_true", help="time each op of the compiled step instead")
    args = parser.parse_args(argv)

    shape, batch, _ = NETS[args.net]
    batch = args.batch or (INFER_BATCH if args.mode == "infer" else batch)
    model = striate_model(args.net)
    if args.eager:
        model.compile(optimizer=model.optimizer, loss=model.loss, jit_compile=False)
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

    if args.ops:
        function = model.train_function if args.mode == "train" else model.predict_function
        while hasattr(function, "__wrapped__") and not hasattr(function, "entries"):
            function = function.__wrapped__  # the Ctrl-C guard, the data-parallel wrapper
        return time_ops(function, step, args.steps)
    profiler = cProfile.Profile()
    profiler.runcall(lambda: [step() for _ in range(args.steps)])
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


def time_ops(compiled, step, steps):
    """Thread CPU time of each recorded op's forward and backward, per step."""
    entries = [e for e in getattr(compiled, "entries", {}).values() if e.plan is not None]
    if not entries:
        print(f"no compiled plan: {getattr(compiled, 'fallback_reason', 'the step is not compiled')}")
        return
    plan = entries[0].plan
    totals = {}

    def timed(fn, label):
        def run(*args, **kwargs):
            start = time.thread_time()
            try:
                return fn(*args, **kwargs)
            finally:
                totals[label] = totals.get(label, 0.0) + time.thread_time() - start
        return run

    wrapped = []
    for index, (forward, fn, ins, kwargs, out, frees) in enumerate(plan._forward_steps):
        label = f"{index:3d} {type(fn).__name__}"
        if hasattr(fn, "backward"):  # forward-only plans may hold ops without one (AddReLU)
            fn.backward = timed(fn.backward, label + " backward")
        wrapped.append((timed(forward, label + " forward"), fn, ins, kwargs, out, frees))
    plan._forward_steps = wrapped
    for _ in range(3):
        step()
    totals.clear()
    start = time.thread_time()
    for _ in range(steps):
        step()
    whole = (time.thread_time() - start) / steps
    for label, seconds in totals.items():
        print(f"{label:40s} {seconds / steps * 1e3:9.3f} ms")
    ops = sum(totals.values()) / steps
    print(f"{'ops':40s} {ops * 1e3:9.3f} ms\n{'rest of the step':40s} {(whole - ops) * 1e3:9.3f} ms")


if __name__ == "__main__":
    main()
