"""The determinism contract (docs/determinism.md), checked in fresh processes.

- Same seed, same machine, same ``STRIATE_NUM_THREADS``: bit-identical weights and outputs.
- ``striate.utils.enable_deterministic()``: bit-identical for any thread count.
Without it, other thread counts may differ in the last bits (not asserted: it depends on the CPU).
"""

import os
import subprocess
import sys

import pytest

import striate
from striate import backend
from striate.autograd import _parallel

WORKER = os.path.join(os.path.dirname(__file__), "worker.py")
NETS = "abcde"


def run_worker(threads, deterministic):
    env = dict(os.environ, STRIATE_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, WORKER, NETS, "1" if deterministic else "0"], env=env,
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return dict(line.split() for line in done.stdout.splitlines())


@pytest.mark.skipif(backend.current_blas_threads() is None, reason="striate cannot control this BLAS's threads, "
                    "so it runs single-threaded and there is no thread count to vary")
def test_deterministic_mode_gives_the_same_bits_for_any_thread_count():
    digests = {threads: run_worker(threads, deterministic=True) for threads in (1, 2, 3)}
    assert digests[1] == digests[2] == digests[3]
    assert set(digests[1]) == set(NETS)


def test_same_threads_and_seed_give_the_same_bits():
    assert run_worker(2, deterministic=False) == run_worker(2, deterministic=False)


def test_deterministic_split_depends_on_the_data_size_only(monkeypatch):
    seen = {}
    for threads in (1, 2, 5):
        monkeypatch.setattr(backend, "num_threads", lambda threads=threads: threads)
        striate.utils.enable_deterministic()
        try:
            seen[threads] = _parallel.over_batch(lambda a, b: (a, b), 21, work_bytes=1 << 30)
        finally:
            striate.utils.disable_deterministic()
    assert seen[1] == seen[2] == seen[5]
    assert len(seen[1]) == backend.DETERMINISTIC_PARTS and seen[1][0][0] == 0 and seen[1][-1][1] == 21
    # and the default mode goes back to one part per thread
    monkeypatch.setattr(backend, "num_threads", lambda: 3)
    assert len(_parallel.over_batch(lambda a, b: (a, b), 21, work_bytes=1 << 30)) == 3


def test_enable_and_disable_restore_the_blas_threads():
    before = backend.current_blas_threads()
    striate.utils.enable_deterministic()
    try:
        assert striate.utils.is_deterministic() and striate.config.is_op_determinism_enabled()
        if before is not None:
            assert backend.current_blas_threads() == 1
    finally:
        striate.config.disable_op_determinism()
    assert not backend.is_deterministic() and backend.current_blas_threads() == before
