"""Spectrogram and windows against scipy.signal; tone detection on generated sound."""

import warnings

import numpy as np
import pytest
import scipy.signal
from hypothesis import given, settings
from hypothesis import strategies as st

from striate import signal

WINDOWS = ["hann", "hamming", "blackman", "bartlett", "boxcar", ("tukey", 0.25), ("tukey", 0.0), ("tukey", 1.0),
           ("kaiser", 6.0), ("gaussian", 5.0)]


@pytest.mark.parametrize("window", WINDOWS)
def test_windows_equal_scipy(window):
    for n in (1, 2, 7, 8, 64, 101):
        np.testing.assert_allclose(signal.get_window(window, n), scipy.signal.get_window(window, n), atol=1e-14)


def _both(x, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return signal.spectrogram(x, **kwargs), scipy.signal.spectrogram(x, **kwargs)


@settings(max_examples=40, deadline=None)
@given(st.integers(20, 700), st.integers(2, 300), st.floats(0, 0.95), st.integers(0, 40),
       st.sampled_from(WINDOWS), st.sampled_from(["constant", "linear", False]),
       st.sampled_from(["density", "spectrum"]), st.sampled_from(["float64", "float32", "int16"]))
def test_spectrogram_equals_scipy(n, nperseg, overlap, extra, window, detrend, scaling, dtype):
    nperseg = min(nperseg, n)
    x = (np.random.default_rng(n).standard_normal(n) * 50).astype(dtype)
    kwargs = dict(fs=8000.0, window=window, nperseg=nperseg, noverlap=int(overlap * (nperseg - 1)),
                  nfft=nperseg + extra, detrend=detrend, scaling=scaling)
    got, want = _both(x, **kwargs)
    for a, b in zip(got, want):
        assert a.shape == b.shape and a.dtype == b.dtype
        tol = 1e-4 if b.dtype == np.float32 else 1e-10
        floor = 1e-3 * tol * np.mean(x.astype(float) ** 2)  # what is left when detrending removes everything
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * np.abs(b).max() + floor)


def test_spectrogram_defaults_and_other_axes_equal_scipy():
    rng = np.random.default_rng(0)
    for x, axis in ((rng.standard_normal(3000), -1), (rng.standard_normal((2, 900, 3)), 1),
                    (rng.standard_normal((700, 2)), 0)):
        got, want = _both(x, axis=axis)
        for a, b in zip(got, want):
            assert a.shape == b.shape
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12)


def test_spectrogram_follows_a_tone_that_changes_over_time():
    fs = 4000.0
    pieces = [signal.tone(f, 4000, fs) for f in (300.0, 800.0, 1500.0)]
    f, t, power = signal.spectrogram(np.concatenate(pieces), fs, nperseg=256)
    loudest = f[power.argmax(axis=0)]
    for second, tone_hz in enumerate((300.0, 800.0, 1500.0)):
        inside = (t > second + 0.1) & (t < second + 0.9)
        assert np.all(np.abs(loudest[inside] - tone_hz) <= fs / 256)


def test_tone_responses_find_which_tone_plays_when():
    fs = 2000.0
    x = np.concatenate([signal.tone(100.0, 2000, fs), 0.5 * signal.tone(300.0, 2000, fs, phase=1.0)])
    r = signal.tone_responses(x, fs, [100.0, 200.0, 300.0], 200)
    assert r.shape == (3, 4000)
    np.testing.assert_allclose(r[:, 1000], [1.0, 0.0, 0.0], atol=0.01)
    np.testing.assert_allclose(r[:, 3000], [0.0, 0.0, 0.5], atol=0.01)
