"""Side-by-side timing: alternate the contenders chunk by chunk, report medians and their ratio.

Timings on shared machines drift by 5-27 % from run to run, so every figure that
striate reports is a ratio measured in one process: A B A B ... after a warm-up,
the median of each side's chunks.
"""

import statistics
import time
import tracemalloc

__all__ = ["alternate", "peak_python_memory", "Result"]


class Result:
    """Median seconds per call for each contender, and their spreads."""

    def __init__(self, samples):
        self.samples = samples  # name -> list of seconds per call

    def median(self, name):
        return statistics.median(self.samples[name])

    def spread(self, name):
        values = self.samples[name]
        return (max(values) - min(values)) / statistics.median(values) if len(values) > 1 else 0.0

    def ratio(self, reference, contender):
        """How many times faster ``contender`` is than ``reference`` (> 1: contender faster)."""
        return self.median(reference) / self.median(contender)


def alternate(contenders, calls_per_chunk=10, chunks=7, warmup=3, pause=0.2, clock=time.perf_counter):
    """Time each ``name -> function()`` in alternating chunks, after an untimed ``pause``.

    Both libraries keep their worker threads spinning for a while after their
    last call (OpenBLAS for ~2^28 cycles, about 0.1 s here; libgomp for its spin
    count) before they sleep. On two cores those spinning threads would steal
    the next contender's cores at the start of its chunk, so each chunk starts
    ``pause`` seconds after the previous one ended, once the other side's threads are asleep.

    Args:
        contenders: dict of name -> zero-argument function.
        calls_per_chunk: calls timed together (one chunk).
        chunks: chunks per contender; the median is reported.
        warmup: untimed calls of each contender first.
        pause: untimed seconds of sleep before each chunk.
        clock: ``time.perf_counter`` (wall clock) or ``time.process_time`` (CPU time).
    """
    for fn in contenders.values():
        for _ in range(warmup):
            fn()
    samples = {name: [] for name in contenders}
    for _ in range(chunks):
        for name, fn in contenders.items():
            time.sleep(pause)
            start = clock()
            for _ in range(calls_per_chunk):
                fn()
            samples[name].append((clock() - start) / calls_per_chunk)
    return Result(samples)


def peak_python_memory(fn):
    """Peak bytes allocated through Python's allocator (NumPy's arrays included) while ``fn()`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
