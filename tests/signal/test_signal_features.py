"""Hierarchical line features, the generated scenes, and the two demo scripts."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from striate import signal

ROOT = Path(__file__).resolve().parents[2]


def test_line_response_shapes_and_range():
    image = np.random.default_rng(0).random((40, 50))
    edges, lines = signal.line_response(image, length=10)
    assert edges.shape == (38, 48) and lines.shape == (29, 48)
    assert lines.min() >= 0 and lines.max() <= 1
    _, horizontal = signal.line_response(image, length=10, orientation="horizontal")
    assert horizontal.shape == (38, 39)


def test_vertical_bars_score_and_smooth_hills_do_not():
    bars = np.zeros((48, 48))
    bars[:, 10:14] = 1.0
    hills = np.fromfunction(lambda r, c: (r > 24 + 8 * np.sin(c / 8)).astype(float), (48, 48))
    assert signal.line_feature(bars) > 0.05
    assert signal.line_feature(hills) == 0.0
    assert signal.line_feature(bars.T, orientation="horizontal") == pytest.approx(signal.line_feature(bars))


def test_feature_separates_generated_cityscapes_from_landscapes():
    images, labels = signal.make_scenes(30, size=48, seed=5)
    features = np.array([signal.line_feature(image, length=12) for image in images])
    cities, lands = features[labels == 1], features[labels == 0]
    assert np.median(cities) > 5 * max(np.median(lands), 1e-3)
    threshold = (np.percentile(cities, 10) + np.percentile(lands, 90)) / 2
    assert ((features > threshold) == labels).mean() >= 0.9


def test_make_scenes_is_deterministic_per_seed():
    a, la = signal.make_scenes(3, size=32, seed=1)
    b, lb = signal.make_scenes(3, size=32, seed=1)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(la, [1, 0, 1, 0, 1, 0])
    assert not np.array_equal(a, signal.make_scenes(3, size=32, seed=2)[0])


def _run(script, *args):
    return subprocess.run([sys.executable, str(ROOT / "examples" / script), *args], capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT / "src"), "MPLBACKEND": "Agg"})


def test_hierarchical_feature_demo_prints_its_accuracy(tmp_path):
    pytest.importorskip("matplotlib")  # the demo's figure needs it; the accuracy does not
    done = _run("hierarchical_features.py", "--out", str(tmp_path), "--per-class", "40")
    assert done.returncode == 0, done.stderr
    line = [s for s in done.stdout.splitlines() if s.startswith("test accuracy")][0]
    assert float(line.split()[2]) >= 0.9
    assert (tmp_path / "hierarchical_features.png").stat().st_size > 10_000


def test_convolutions_demo_writes_its_figures(tmp_path):
    pytest.importorskip("matplotlib")
    done = _run("convolutions.py", "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    names = {p.name for p in tmp_path.glob("*.png")}
    assert names == {"smoothing.png", "noise_removal.png", "sobel_edges.png", "oriented_edges.png",
                     "template_matching.png", "colour_convolution.png", "spectrogram.png"}
    assert all(p.stat().st_size > 10_000 for p in tmp_path.glob("*.png"))
