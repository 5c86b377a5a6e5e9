"""The benchmark scripts run and print their side-by-side ratios (tiny settings; no speed asserted).

Each runs in a fresh interpreter, as a user runs it. Where PyTorch is absent the
scripts must still time striate and say so, instead of failing.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HAS_TORCH = importlib.util.find_spec("torch") is not None
RATIO = r"\d+\.\d\d"


def run(*args, timeout=240):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "OPENBLAS_NUM_THREADS": "2"}
    done = subprocess.run([sys.executable, *map(str, args)], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


def test_bench_mlp_prints_both_modes_with_a_ratio_and_import_times():
    out = run(ROOT / "benchmarks" / "bench_mlp.py", "--quick")
    for mode in ("train", "infer"):
        line = next(l for l in out.splitlines() if l.startswith(mode))
        if HAS_TORCH:
            assert re.search(rf"\s{RATIO}$", line), line
        else:
            assert line.rstrip().endswith("-"), line
    assert re.search(r"import time: striate \d+\.\d+ s", out)


def test_bench_convnets_prints_a_row_per_mode_with_ratio_and_peak_share():
    out = run(ROOT / "benchmarks" / "bench_convnets.py", "--quick", "--nets", "b", "--no-memory")
    rows = [l for l in out.splitlines() if l.startswith("b LeCun 1989")]
    assert [r.split()[3] for r in rows] == ["train", "infer"]
    for row in rows:
        assert re.search(r"\d+\.\d%", row), row  # share of the measured GEMM peak
        if HAS_TORCH:
            assert re.search(rf"\s{RATIO}\s", row), row
    assert re.search(r"GEMM peak .*: \d+ GFLOP/s", out)


def test_bench_signal_checks_agreement_then_prints_a_ratio():
    pytest.importorskip("scipy")
    out = run(ROOT / "benchmarks" / "bench_signal.py", "--only", "512x512 * 3x3", "--modes", "valid",
              "--dtype", "float32", "--chunks", "1", "--chunk-ms", "5")
    line = next(l for l in out.splitlines() if l.startswith("correlate 512x512 * 3x3 valid"))
    assert re.search(rf"direct\s+\d+\.\d+\s+\d+\.\d+\s+{RATIO}$", line), line
    assert "1/1 cases" in out or "0/1 cases" in out


def test_profile_step_reports_the_step_time_and_a_profile():
    out = run(ROOT / "benchmarks" / "profile_step.py", "b", "--steps", "3", "--top", "3")
    assert re.search(r"net b, train, batch 32: \d+\.\d+ ms per step", out)
    assert "tottime" in out


def test_bench_gpu_checks_the_install_and_says_what_it_could_not_measure():
    out = run(ROOT / "benchmarks" / "bench_gpu.py", "--quick", "--seconds", "0.05")
    assert "== install check" in out and "numpy " in out
    rows = [l for l in out.splitlines() if l.startswith("| d ") or l.startswith("| e ")]
    assert len(rows) == 4, out  # (d, e) x (train, infer) at the quick batch
    assert all(re.search(r"\| [\d,]+ \|", row) for row in rows), rows  # striate-NumPy always measured
    if importlib.util.find_spec("cupy") is None:
        assert "cupy: not measured" in out and all("not measured" in row for row in rows)
