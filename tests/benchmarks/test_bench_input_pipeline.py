"""benchmarks/bench_input_pipeline.py runs (tiny settings) and prints its three rows with slowdowns;
no speed is asserted (the figures depend on the machine and its load)."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_bench_input_pipeline_prints_memory_folder_and_augmentation_rows():
    pytest.importorskip("PIL")
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENBLAS_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "bench_input_pipeline.py"), "--quick"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    assert re.search(r"load average \(1, 5, 15 min\): \d+\.\d\d", done.stdout)
    for name in ("memory", "folder", "folder + augmentation", "folder + aug. in workers"):
        row = next(line for line in done.stdout.splitlines() if line.strip().startswith(name + " ") and "%" in line)
        assert len(re.findall(r"[+-]\d+\.\d%", row)) == 2, row  # wall and CPU slowdowns
