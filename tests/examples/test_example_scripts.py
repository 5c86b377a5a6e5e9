"""The issue-6 demo scripts run end to end in their quick modes and write their pictures."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(script, *args, timeout=240):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
               MPLBACKEND="Agg", OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    result = subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], capture_output=True, text=True,
                            timeout=timeout, env=env, cwd=ROOT)
    assert result.returncode == 0, f"{script} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
    return result.stdout


def is_png(path):
    return path.exists() and path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5000


def test_backprop_explained(tmp_path):
    out = run("backprop_explained.py", "--out", str(tmp_path))
    assert "all checks passed" in out and "δ̄_3" in out
    assert is_png(tmp_path / "backprop.png")


def test_sgd_comparison_quick(tmp_path):
    out = run("sgd_comparison.py", "--quick", "--out", str(tmp_path))
    for name in ("full-batch GD", "SGD, 1 example", "mini-batch SGD", "Adagrad", "Adadelta", "RMSprop", "Adam",
                 "uniform ±0.05", "Glorot uniform", "He normal"):
        assert name in out
    assert is_png(tmp_path / "sgd_comparison.png") and is_png(tmp_path / "initialization.png")


def test_visualize_convnet_quick(tmp_path):
    pytest.importorskip("mlxtend")
    run("visualize_convnet.py", "--quick", "--out", str(tmp_path))
    for name in ("filters", "feature_maps", "class_maximization", "filter_maximization", "confusion_matrix"):
        assert is_png(tmp_path / f"{name}.png"), name


def test_import_striate_does_not_import_matplotlib():
    code = "import sys, striate, striate.viz; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=60)
