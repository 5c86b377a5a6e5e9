"""What deterministic mode costs: one training step (and one inference batch) of each reference
network with and without ``striate.utils.enable_deterministic()``, alternating in one process.

Run::

    PYTHONPATH=src python benchmarks/bench_determinism.py [--nets abcde] [--chunks 7]

Prints, per network and mode, the median milliseconds per call of each and their ratio
(> 1: deterministic mode is slower by that factor).
"""

import argparse
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "determinism"))
from timing import alternate  # noqa: E402
from worker import BATCH, SHAPE, build  # noqa: E402

import striate  # noqa: E402


class Toggle:
    """A zero-argument function that runs ``fn`` with deterministic mode on or off."""

    def __init__(self, fn, deterministic):
        self.fn, self.deterministic = fn, deterministic

    def __call__(self):
        if self.deterministic:
            striate.utils.enable_deterministic()
        try:
            return self.fn()
        finally:
            striate.utils.disable_deterministic()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nets", default="abcde")
    parser.add_argument("--chunks", type=int, default=7)
    parser.add_argument("--calls", type=int, default=5)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'net':<4}{'mode':<7}{'default ms':>12}{'deterministic ms':>18}{'cost':>8}")
    for net in args.nets:
        striate.utils.set_random_seed(0)
        model = build(net)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        x = rng.standard_normal((256,) + SHAPE[net]).astype("float32")
        y = rng.integers(0, 10, 256)
        n = BATCH[net]
        modes = {"train": lambda: model.train_on_batch(x[:n], y[:n]),
                 "infer": lambda: model.predict_on_batch(x)}
        for mode, fn in modes.items():
            result = alternate({"default": Toggle(fn, False), "deterministic": Toggle(fn, True)},
                               calls_per_chunk=args.calls, chunks=args.chunks)
            default, det = result.median("default") * 1e3, result.median("deterministic") * 1e3
            print(f"{net:<4}{mode:<7}{default:>12.2f}{det:>18.2f}{det / default:>8.2f}", flush=True)


if __name__ == "__main__":
    main()
