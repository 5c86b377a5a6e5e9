"""match_template against scikit-image, and finding the best matches."""

import numpy as np
import pytest
import skimage.feature
from hypothesis import given, settings
from hypothesis import strategies as st

from striate import signal


@st.composite
def image_and_template(draw):
    ndim = draw(st.sampled_from([2, 3]))
    shape = tuple(draw(st.lists(st.integers(2, 30 if ndim == 2 else 10), min_size=ndim, max_size=ndim)))
    tshape = tuple(draw(st.integers(1, n)) for n in shape)
    dtype = draw(st.sampled_from(["float64", "float32", "uint8"]))
    return shape, tshape, dtype, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=60, deadline=None)
@given(image_and_template())
def test_equals_skimage(problem):
    shape, tshape, dtype, seed = problem
    rng = np.random.default_rng(seed)
    image = (rng.random(shape) * 200).astype(dtype)
    template = (rng.random(tshape) * 200).astype(dtype)
    got = signal.match_template(image, template)
    want = skimage.feature.match_template(image, template)
    assert got.shape == want.shape and got.dtype == want.dtype
    if dtype == "float32":
        # scikit-image's own float32 sums drift by up to a few percent on tiny
        # windows (e.g. -1.027 for a perfect anti-match); hold float32 against
        # its float64 answer for the same numbers instead.
        want = skimage.feature.match_template(image.astype(np.float64), template.astype(np.float64))
    np.testing.assert_allclose(got, want, atol=1e-4 if dtype == "float32" else 1e-9)


def test_flat_windows_and_flat_templates_score_zero_like_skimage():
    rng = np.random.default_rng(1)
    image = np.zeros((20, 20))
    image[10:, 10:] = rng.standard_normal((10, 10))
    template = rng.standard_normal((4, 4))
    np.testing.assert_allclose(signal.match_template(image, template),
                               skimage.feature.match_template(image, template), atol=1e-12)
    assert np.all(signal.match_template(image, np.ones((3, 3))) == 0)
    image[:8, :8] = 1234.5  # flat but far from zero: still no score from rounding
    assert np.all(signal.match_template(image, template)[:5, :5] == 0)


def test_finds_planted_copies_and_scores_lie_in_minus_one_to_one():
    rng = np.random.default_rng(2)
    image = rng.random((80, 90))
    template = image[10:22, 30:45].copy()
    image[50:62, 60:75] = 0.5 * template + 0.2  # another copy, with other brightness and contrast
    scores = signal.match_template(image, template)
    assert scores.min() >= -1 and scores.max() <= 1
    assert sorted(signal.best_matches(scores, count=2, min_distance=12).tolist()) == [[10, 30], [50, 60]]
    assert scores[50, 60] == pytest.approx(1.0)


def test_one_dimensional_signals_work_too():
    rng = np.random.default_rng(3)
    x = rng.standard_normal(300)
    pattern = x[120:150]
    scores = signal.match_template(x, pattern)
    windows = np.lib.stride_tricks.sliding_window_view(x, 30)
    a = windows - windows.mean(axis=1, keepdims=True)
    b = pattern - pattern.mean()
    want = a @ b / np.sqrt((a * a).sum(axis=1) * (b * b).sum())
    np.testing.assert_allclose(scores, want, atol=1e-12)
    assert signal.best_matches(scores).tolist() == [[120]]


def test_best_matches_keeps_its_distance_and_stops_when_nothing_is_left():
    scores = np.array([[0.9, 0.8, 0.1], [0.7, 0.2, 0.6]])
    assert signal.best_matches(scores, count=3).tolist() == [[0, 0], [0, 1], [1, 0]]
    assert signal.best_matches(scores, count=3, min_distance=2).tolist() == [[0, 0], [1, 2]]
    assert signal.best_matches(np.ones(2), count=5).shape == (2, 1)
