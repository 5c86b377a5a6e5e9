"""Data-parallel training speed: samples/s with 1 and K processes of one thread, and the allreduce's cost.

    python benchmarks/bench_distributed.py                 # nets c and d, 1 vs 2 processes
    python benchmarks/bench_distributed.py --nets c --processes 3 --rounds 3

For each network (BENCHMARKS.md: c LeNet-5, d the CIFAR CNN; global batch 64,
Adam 1e-3, cross-entropy) it alternates, round after round, a one-process run
(plain ``python``) and a K-process run (``mpirun -n K``), every process with one
thread (``STRIATE_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1``), and reports the median
samples/s of each over its timed ``fit`` chunks, the scaling efficiency
``(samples/s with K) / (K * samples/s with 1)``, and per step: the bytes of the
gradient message, the time spent in that allreduce inside training (which
includes waiting for the slower process) and the time of the same allreduce
alone, after a barrier (the transfer itself), and the CPU time of all processes
per sample with 1 and K processes (what the parallelism costs in work: on a
loaded machine wall-clock scaling says little, this still shows the overhead).
The load average (``uptime``) is printed with each figure: on a shared machine
they move together.

``--worker`` is what each launched process runs (not for direct use).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NETS = {"c": ("LeNet-5", "lenet5", (28, 28, 1)), "d": ("CIFAR CNN", "cifar_cnn", (32, 32, 3))}


def load_average():
    try:
        return " ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "?"


# ---- what each process runs ------------------------------------------------------------------------
def worker(args):
    import numpy as np

    import striate
    from striate import distribution as D

    dist = D.DataParallel()
    D.set_distribution(dist)
    comm = dist.communicator
    timers = {"gradients": 0.0, "other": 0.0, "calls": 0}
    allreduce = comm.allreduce

    def timed_allreduce(buffer, op="sum"):
        start = time.perf_counter()
        try:
            return allreduce(buffer, op)
        finally:
            key = "gradients" if buffer is dist.bucket._buffer else "other"
            timers[key] += time.perf_counter() - start
            timers["calls"] += key == "gradients"
    comm.allreduce = timed_allreduce

    _, builder, shape = NETS[args.net]
    striate.utils.set_random_seed(0)
    model = getattr(striate.applications, builder)(input_shape=shape, num_classes=10)
    model.compile(optimizer=striate.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy")
    rng = np.random.default_rng(0)
    n = args.batch * args.steps
    x = rng.normal(size=(n, *shape)).astype("float32")
    y = rng.integers(0, 10, n)
    model.fit(x[:args.batch * 2], y[:args.batch * 2], batch_size=args.batch, epochs=1, verbose=0)  # warm-up
    rates, gradient_ms, other_ms, cpu_us = [], [], [], []
    for _ in range(args.chunks):
        for key in timers:
            timers[key] = 0
        start, cpu = time.perf_counter(), time.process_time()
        model.fit(x, y, batch_size=args.batch, epochs=1, verbose=0)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        rates.append(n / seconds)
        # CPU seconds of all processes per sample: what parallelism costs in work, whatever the load
        cpu_us.append(1e6 * (comm.comm.allreduce(cpu) if comm.size > 1 else cpu) / n)
        gradient_ms.append(1e3 * timers["gradients"] / args.steps)
        other_ms.append(1e3 * timers["other"] / args.steps)
    alone_ms = None
    if comm.size > 1:  # the same message with every process ready: the transfer alone
        buffer = dist.bucket._buffer.copy()
        comm.comm.Barrier()
        start = time.perf_counter()
        for _ in range(20):
            comm.comm.Barrier()
            allreduce(buffer)
        alone_ms = 1e3 * (time.perf_counter() - start) / 20
        comm.comm.Barrier()
        start = time.perf_counter()
        for _ in range(20):
            comm.comm.Barrier()
        alone_ms -= 1e3 * (time.perf_counter() - start) / 20  # less the barriers themselves
    if comm.rank == 0:
        params = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
        print(json.dumps({"processes": comm.size, "samples_per_s": statistics.median(rates),
                          "cpu_us_per_sample": statistics.median(cpu_us),
                          "gradient_allreduce_ms": statistics.median(gradient_ms),
                          "other_collectives_ms": statistics.median(other_ms),
                          "allreduce_alone_ms": alone_ms, "bytes": dist.bucket.nbytes, "parameters": params,
                          "step_ms": 1e3 * args.batch / statistics.median(rates), "load": load_average()}))


# ---- the launcher --------------------------------------------------------------------------------------
def launcher_prefix(processes):
    sys.path.insert(0, os.path.join(ROOT, "tests", "distribution"))
    import mpi_launch

    # Up to one process per core: Open MPI binds each to a core and lets waiting ones poll
    # (steadier); more processes than cores need --oversubscribe (waiting ones yield).
    prefix, reason = mpi_launch.find_launcher(oversubscribe=processes > (os.cpu_count() or 1))
    if prefix is None:
        raise SystemExit(f"bench_distributed: cannot run MPI here: {reason}")
    return prefix


def run(prefix, processes, net, args):
    env = {**os.environ, "PYTHONPATH": os.path.join(ROOT, "src"), "STRIATE_NUM_THREADS": "1",
           "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "OMPI_ALLOW_RUN_AS_ROOT": "1",
           "OMPI_ALLOW_RUN_AS_ROOT_CONFIRM": "1"}
    command = [sys.executable, os.path.abspath(__file__), "--worker", "--net", net, "--batch", str(args.batch),
               "--steps", str(args.steps[net]), "--chunks", str(args.chunks)]
    if processes > 1:
        command = [*prefix, "-n", str(processes), *command]
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=args.timeout)
    if done.returncode != 0:
        raise SystemExit(f"bench_distributed: {' '.join(command)} failed:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--nets", default="cd")
    parser.add_argument("--processes", type=int, default=2, help="K, the processes compared with one")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of the 1- and K-process runs")
    parser.add_argument("--chunks", type=int, default=3, help="timed fit calls per run")
    parser.add_argument("--batch", type=int, default=64, help="the global batch")
    parser.add_argument("--steps-c", type=int, default=60)
    parser.add_argument("--steps-d", type=int, default=8)
    parser.add_argument("--timeout", type=float, default=600)
    parser.add_argument("--quick", action="store_true", help="tiny settings (a smoke test)")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--net", help=argparse.SUPPRESS)
    parser.add_argument("--steps", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return worker(args)
    if args.quick:
        args.rounds, args.chunks, args.steps_c, args.steps_d = 1, 1, 4, 2
    args.steps = {"c": args.steps_c, "d": args.steps_d}
    prefix = launcher_prefix(args.processes)
    k = args.processes
    print(f"global batch {args.batch}, one thread per process, {args.rounds} round(s) of 1 vs {k} processes; "
          f"load average before: {load_average()}")
    header = (f"{'net':<14}{'params':>9}{'1 proc/s':>10}{f'{k} proc/s':>10}{'effic.':>8}{'step ms':>9}"
              f"{'bytes/step':>12}{'allreduce ms':>14}{'alone ms':>10}{'other ms':>10}{'cpu us/1':>9}{f'cpu us/{k}':>9}"
              "  load (1/5/15 min)")
    print(header)
    for net in args.nets:
        one, many = [], []
        for _ in range(args.rounds):
            one.append(run(prefix, 1, net, args))
            many.append(run(prefix, k, net, args))
        r1 = statistics.median(r["samples_per_s"] for r in one)
        rk = statistics.median(r["samples_per_s"] for r in many)
        c1 = statistics.median(r["cpu_us_per_sample"] for r in one)
        ck = statistics.median(r["cpu_us_per_sample"] for r in many)
        med = {key: statistics.median(r[key] for r in many) for key in
               ("gradient_allreduce_ms", "other_collectives_ms", "allreduce_alone_ms", "step_ms")}
        name = f"{net} {NETS[net][0]}"
        print(f"{name:<14}{many[0]['parameters']:>9,}{r1:>10,.0f}{rk:>10,.0f}{rk / (k * r1):>8.2f}"
              f"{med['step_ms']:>9.1f}{many[0]['bytes']:>12,}{med['gradient_allreduce_ms']:>14.2f}"
              f"{med['allreduce_alone_ms']:>10.2f}{med['other_collectives_ms']:>10.2f}{c1:>9.0f}{ck:>9.0f}"
              f"  {many[-1]['load']}")
    print(f"load average after: {load_average()}")


if __name__ == "__main__":
    main()
