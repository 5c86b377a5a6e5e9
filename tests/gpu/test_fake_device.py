"""striate on the strict fake device (tests/gpu/fake_device.py): the same results as on NumPy.

Every case runs once on NumPy and once on the fake device, whose arrays NumPy may not
touch and whose operations refuse host arrays, so a passing case shows that no host
array leaks into the engine and no device array leaks into NumPy along its path.
"""

import os
import pathlib
import subprocess
import sys

import numpy as np
import pytest

import striate
from striate import backend
from tests.gpu import device_checks as C
from tests.gpu import fake_device
from tests.gpu.fake_device import TRANSFERS, fake

fake_device.register()
DEVICE = "fake"
ROOT = pathlib.Path(__file__).resolve().parents[2]


def both(case, *args):
    return C.on("numpy", case, *args), C.on(DEVICE, case, *args)


# ---- the fake itself is strict ----------------------------------------------------------
def test_numpy_refuses_device_arrays_and_device_ops_refuse_host_arrays():
    a = fake.asarray(np.arange(6.0).reshape(2, 3))
    for numpy_call in (lambda: np.sum(a), lambda: np.exp(a), lambda: np.asarray(a), lambda: np.ones(3) + a,
                       lambda: np.concatenate([a, a])):
        with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
            numpy_call()
    for mixed in (lambda: a + np.ones(3), lambda: fake.matmul(a, np.ones((3, 2))), lambda: a[np.array([0])],
                  lambda: a.__setitem__(0, np.zeros(3)), lambda: fake.maximum(a, np.zeros(3))):
        with pytest.raises(TypeError, match="Unsupported type"):
            mixed()
    with pytest.raises(TypeError, match="unexpected keyword"):
        fake.clip(a, min=0)  # NumPy's keyword, not CuPy's
    with pytest.raises(AttributeError):
        fake.errstate  # NumPy has it, CuPy does not
    with pytest.raises(AttributeError):
        a.flags.writeable = False


def test_device_arrays_give_python_values_and_cross_only_explicitly():
    a = fake.asarray(np.arange(6.0).reshape(2, 3))
    total = a.sum()
    assert type(total) is fake_device.ndarray and total.ndim == 0  # reductions stay on the device
    assert float(total) == 15.0 and int(a[1, 2]) == 5 and a[0, 1].item() == 1.0
    assert a.tolist() == [[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]] and a.shape == (2, 3)
    assert f"{total:.1f}" == "15.0" and bool(a[0, 1])
    back = fake.asnumpy(a * 2)
    assert type(back) is np.ndarray and back.tolist() == [[0.0, 2.0, 4.0], [6.0, 8.0, 10.0]]
    assert type(a.get()) is np.ndarray


# ---- the engine on it ---------------------------------------------------------------------
@pytest.mark.parametrize("name,make_layer,shape", C.layer_cases(), ids=[c[0] for c in C.layer_cases()])
def test_layer_forward_and_gradients_match_numpy(name, make_layer, shape):
    expected, got = both(C.case_layer, make_layer, shape)
    C.assert_close(expected, got, where=name)


def test_conv_gradients_pass_finite_differences_on_the_device():
    assert C.on(DEVICE, C.case_gradcheck_conv)


@pytest.mark.parametrize("kind", ["dense", "conv", "resnet"])
def test_training_matches_numpy(kind):
    expected, got = both(C.case_fit, kind, "adam", "sparse_categorical_crossentropy", 5)
    C.assert_close(expected, got, rtol=2e-3, atol=2e-4, where=kind)
    assert got["history"]["loss"][-1] < got["history"]["loss"][0]


def test_fit_moves_each_batch_once_and_nothing_else():
    """48 samples, batch 16, 25 % validation: per epoch 3 training batches (x, y) and
    1 validation batch; a host array anywhere else in the step would be refused or counted."""
    def run():
        model = C._dense_net()
        x, y = C._data((48, 8), classes=3)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(x[:12], y[:12], batch_size=16, epochs=1, verbose=0)  # builds weights and slots
        fake_device.reset_transfers()
        model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0, validation_split=0.25)
        return dict(TRANSFERS)

    counts = C.on(DEVICE, run)
    batches = 2 * (3 + 1)  # epochs * (training + validation batches) for 36 + 12 samples
    dropout_masks = 2 * 3  # one host-drawn mask per training step
    assert counts.get("to_device", 0) == 2 * batches + dropout_masks, counts
    assert counts.get("to_host", 0) <= 2 * 2 * 4, counts  # epoch logs: loss per epoch and metrics


@pytest.mark.parametrize("name", C.OPTIMIZERS)
def test_every_optimizer_matches_numpy(name):
    expected, got = both(C.case_optimizer, name)
    C.assert_close(expected, got, rtol=2e-3, atol=2e-4, where=name)


def test_every_loss_and_metric_matches_numpy():
    expected, got = both(C.case_losses)
    C.assert_close(expected, got)
    expected, got = both(C.case_metrics)
    C.assert_close(expected, got)


def test_signal_matches_numpy():
    expected, got = both(C.case_signal)
    C.assert_close(expected, got, rtol=1e-4, atol=1e-4)


def test_model_files_are_the_same_on_both_backends(tmp_path):
    expected = C.on("numpy", C.case_save_load, str(tmp_path / "host.keras"))
    got = C.on(DEVICE, C.case_save_load, str(tmp_path / "device.keras"))
    C.assert_close(expected, got, rtol=2e-3, atol=2e-4)
    for result in (expected, got):
        np.testing.assert_array_equal(result["loaded"], result["predict"])
    # a file written on the device loads on the host and the other way round
    x = C._data((16, 8, 8, 3))
    C.assert_close(C.on("numpy", C.case_load, str(tmp_path / "device.keras"), x),
                   C.on(DEVICE, C.case_load, str(tmp_path / "device.keras"), x), rtol=1e-5, atol=1e-6)
    C.assert_close(C.on("numpy", C.case_load, str(tmp_path / "host.keras"), x),
                   C.on(DEVICE, C.case_load, str(tmp_path / "host.keras"), x), rtol=1e-5, atol=1e-6)


# ---- choosing the backend -------------------------------------------------------------------
def test_set_backend_refuses_a_switch_while_weights_exist_and_names_them():
    """In a fresh interpreter (this session's other tests may keep weights alive)."""
    code = """
import pytest, striate
from striate import backend
from tests.gpu import fake_device
fake_device.register()
layer = striate.layers.Dense(2, name="kept")
layer.build((None, 3))
with pytest.raises(RuntimeError, match="weights already exist.*kept"):
    backend.set_backend("fake")
assert backend.name() == "numpy"
del layer
backend.set_backend("fake")
assert backend.name() == "fake" and not backend.is_numpy()
model = striate.Sequential([striate.Input((3,)), striate.layers.Dense(2)])
assert type(model.weights[0].data) is fake_device.ndarray
print("OK")
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "OK", done.stderr[-2000:]


def test_set_backend_errors():
    with pytest.raises(ValueError, match="expected one of"):
        backend.set_backend("tpu")
    try:
        import cupy  # noqa: F401
    except ImportError:
        with pytest.raises(RuntimeError, match="CuPy is not installed"):
            backend.set_backend("cupy")
    assert backend.name() == "numpy"


def test_xp_follows_the_backend():
    from striate.backend import xp

    assert xp.ndarray is np.ndarray and backend.is_numpy()
    seen = C.on(DEVICE, lambda: (xp.ndarray, backend.name(), backend.is_numpy(), backend.num_threads()))
    assert seen == (fake_device.ndarray, DEVICE, False, 1)
    assert xp.ndarray is np.ndarray


def test_callbacks_match_numpy(tmp_path):
    (tmp_path / "host").mkdir(), (tmp_path / "device").mkdir()
    expected = C.on("numpy", C.case_callbacks, str(tmp_path / "host"))
    got = C.on(DEVICE, C.case_callbacks, str(tmp_path / "device"))
    C.assert_close(expected, got, rtol=2e-3, atol=2e-4)


def test_explain_and_viz_match_numpy():
    expected, got = both(C.case_explain_and_viz)
    C.assert_close(expected, got, rtol=1e-4, atol=1e-5)
    assert all(got["checks"])
