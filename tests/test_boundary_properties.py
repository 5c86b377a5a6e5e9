"""Bad data at the boundary (hypothesis): random shapes, dtypes, NaN/inf, empty and mismatched arrays.

``fit``, ``evaluate``, ``predict`` and the ``striate.signal`` functions get
arrays of random rank and size, of every dtype (bool, ints, float16/32/64,
complex, object, strings), with NaN and infinity sprinkled in, plus non-array
junk. Each call either works, with the documented casts (bool and integer
inputs become floats; see ``striate.models.data``), or raises ``ValueError`` or
``TypeError``. A call that raises leaves the model's weights bit-identical and
its optimizer state untouched.
"""

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import striate
from striate import layers
from tests.saving.tally import TALLY

SETTINGS = settings(max_examples=120, deadline=None, derandomize=True, database=None,
                    suppress_health_check=list(HealthCheck))
DTYPES = ["bool", "int8", "int32", "int64", "uint8", "float16", "float32", "float64", "complex64", "object", "<U3"]


@st.composite
def arrays(draw, rank=None, size=None):
    """An array of a random dtype and shape, sometimes with NaN/inf, sometimes empty."""
    dtype = draw(st.sampled_from(DTYPES))
    rank = draw(st.integers(0, 4)) if rank is None else rank
    shape = tuple(draw(st.integers(0, 6)) if size is None else size for _ in range(rank))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    values = rng.normal(size=shape) * draw(st.sampled_from([1.0, 3.0, 100.0]))
    if draw(st.booleans()) and values.size:
        values.flat[draw(st.integers(0, values.size - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    if dtype == "object":
        return values.astype(object)
    if dtype == "<U3":
        return values.astype("<U3")
    with np.errstate(invalid="ignore", over="ignore"):
        return values.astype(dtype)


@st.composite
def model_data(draw):
    """Good data for the model with one part made bad, or bad data throughout."""
    n = draw(st.integers(1, 12))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    x, y = rng.normal(size=(n, 4)).astype("float32"), rng.integers(0, 3, size=n)
    choice = draw(st.sampled_from(["x", "y", "both", "lengths", "junk", "good"]))
    if choice in ("x", "both"):
        x = draw(arrays() | arrays(rank=2) | arrays(rank=2, size=4))
    if choice in ("y", "both"):
        y = draw(arrays() | arrays(rank=1) | arrays(rank=2, size=1))
    if choice == "lengths":
        y = y[:max(0, n - draw(st.integers(1, 3)))]
    if choice == "junk":
        junk = st.sampled_from([None, "text", 3, [1, [2, 3]], {"a": 1}, [[1, 2], [3]], object()])
        x, y = draw(junk | st.just(x)), draw(junk | st.just(y))
    return x, y


_MODEL = {}


def _model():
    """One compiled model per test session (hypothesis calls the test body many times)."""
    if "m" not in _MODEL:
        model = striate.Sequential([striate.Input(shape=(4,)), layers.Dense(5, activation="relu"),
                                    layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        _MODEL["m"] = model
    return _MODEL["m"]


def _snapshot(model):
    state = model.optimizer.get_state(model.weights)
    return [w.tobytes() for w in model.get_weights()], {k: v.tobytes() for k, v in state.items()}


def _call(method, model, x, y):
    if method == "fit":
        return model.fit(x, y, epochs=1, batch_size=4, verbose=0)
    if method == "evaluate":
        return model.evaluate(x, y, batch_size=4, verbose=0)
    return model.predict(x, batch_size=4, verbose=0)


@SETTINGS
@given(model_data(), st.sampled_from(["fit", "evaluate", "predict"]))
def test_model_boundary(data, method):
    model = _model()
    x, y = data
    before = _snapshot(model)
    TALLY["bad inputs"] += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            result = _call(method, model, x, y)
    except (ValueError, TypeError) as error:
        assert str(error)
        assert _snapshot(model) == before, f"{method} failed but changed the model"
        return
    # It worked: then the inputs were numeric and finite (after the documented casts).
    assert np.asarray(x).dtype.kind in "biuf" and np.isfinite(np.asarray(x, dtype=float)).all()
    if method == "predict":
        assert result.shape == (len(x), 3) and np.isfinite(result).all()
    else:
        assert np.asarray(y).dtype.kind in "biuf"
    weights = model.get_weights()
    assert all(np.isfinite(w).all() for w in weights)


def _signal_calls():
    from striate import signal

    return {
        "correlate": lambda a, b, mode: signal.correlate(a, b, mode),
        "convolve": lambda a, b, mode: signal.convolve(a, b, mode),
        "match_template": lambda a, b, mode: signal.match_template(a, b),
        "smooth": lambda a, b, mode: signal.smooth(a, "uniform", size=3, mode=mode),
        "spectrogram": lambda a, b, mode: signal.spectrogram(a, nperseg=4, noverlap=1),
    }


signal_junk = st.sampled_from([None, "text", 3, [1, [2, 3]], [[1, 2], [3]], object()])


@SETTINGS
@given(st.sampled_from(["correlate", "convolve", "match_template", "smooth", "spectrogram"]),
       arrays() | signal_junk, arrays() | signal_junk, st.sampled_from(["valid", "same", "full", "bogus"]))
def test_signal_boundary(name, x, w, mode):
    signal = pytest.importorskip("striate.signal")
    call = _signal_calls()[name]
    TALLY["bad inputs"] += 1
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            out = call(x, w, mode)
    except (ValueError, TypeError) as error:
        assert str(error)
        return
    assert signal is not None
    x = np.asarray(x)
    assert x.dtype.kind in "biuf" and x.size and np.isfinite(x.astype(float)).all()
    for part in out if isinstance(out, tuple) else (out,):
        part = np.asarray(part)
        assume(part.dtype.kind == "f")  # integer results wrap around exactly, as SciPy's do
        assert np.isfinite(part).all() or np.abs(x.astype(float)).max() > 1e30
