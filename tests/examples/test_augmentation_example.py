"""examples/augmentation_small_data.py runs end to end in --quick mode: writes the image folder,
reads it back, trains with and without augmentation and reports both accuracies."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_augmentation_small_data_quick(tmp_path):
    pytest.importorskip("mlxtend")
    pytest.importorskip("PIL")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
               MPLBACKEND="Agg", OPENBLAS_NUM_THREADS=os.environ.get("OPENBLAS_NUM_THREADS", "1"))
    done = subprocess.run([sys.executable, str(ROOT / "examples" / "augmentation_small_data.py"), "--quick",
                           "--out", str(tmp_path)], capture_output=True, text=True, timeout=240, env=env, cwd=ROOT)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    assert re.search(r"test accuracy without augmentation: \d+\.\d\d %", done.stdout)
    assert re.search(r"test accuracy with augmentation: +\d+\.\d\d %", done.stdout)
    pngs = list((tmp_path / "images" / "train").glob("*/*.png"))
    assert len(pngs) == 100 and len({p.parent.name for p in pngs}) == 10
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["per_class"] == 10 and len(results["runs"]) == 1
    assert 0 <= results["mean_plain"] <= 1 and 0 <= results["mean_augmented"] <= 1
    picture = tmp_path / "augmented_examples.png"
    assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
