"""The fake-device checks again on a real CUDA GPU through CuPy (``pip install 'striate[gpu]'``).

Skipped, with the reason, where CuPy or a CUDA device is missing. On a GPU machine:
``python -m pytest tests/gpu/test_cupy_device.py`` (``benchmarks/bench_gpu.py`` runs it first).
"""

import numpy as np
import pytest

from tests.gpu import device_checks as C


def _why_not():
    try:
        import cupy
    except ImportError as error:
        return f"CuPy is not installed ({error}); pip install 'striate[gpu]'"
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as error:  # CUDARuntimeError without a driver
        return f"CuPy found no CUDA driver or device ({type(error).__name__}: {error})"
    return None if count > 0 else "CuPy found no CUDA device"


REASON = _why_not()
pytestmark = pytest.mark.skipif(REASON is not None, reason=str(REASON))
DEVICE = "cupy"


def both(case, *args):
    return C.on("numpy", case, *args), C.on(DEVICE, case, *args)


def test_device_arrays_are_cupy_arrays():
    import cupy

    from striate import backend
    from striate.tensor import Tensor

    def run():
        t = Tensor(np.arange(6.0, dtype="float32").reshape(2, 3), requires_grad=True)
        (t * t).sum().backward()
        return type(t.data), type(t.grad), type(t.numpy()), backend.num_threads(), backend.is_numpy()

    assert C.on(DEVICE, run) == (cupy.ndarray, cupy.ndarray, np.ndarray, 1, False)


@pytest.mark.parametrize("name,make_layer,shape", C.layer_cases(), ids=[c[0] for c in C.layer_cases()])
def test_layer_forward_and_gradients_match_numpy(name, make_layer, shape):
    expected, got = both(C.case_layer, make_layer, shape)
    C.assert_close(expected, got, rtol=1e-3, atol=1e-4, where=name)


def test_conv_gradients_pass_finite_differences_on_the_gpu():
    assert C.on(DEVICE, C.case_gradcheck_conv)


@pytest.mark.parametrize("kind", ["dense", "conv", "resnet"])
def test_training_matches_numpy(kind):
    expected, got = both(C.case_fit, kind, "adam", "sparse_categorical_crossentropy", 5)
    C.assert_close(expected, got, rtol=5e-3, atol=5e-4, where=kind)
    assert got["history"]["loss"][-1] < got["history"]["loss"][0]


@pytest.mark.parametrize("name", C.OPTIMIZERS)
def test_every_optimizer_matches_numpy(name):
    expected, got = both(C.case_optimizer, name)
    C.assert_close(expected, got, rtol=5e-3, atol=5e-4, where=name)


def test_every_loss_and_metric_matches_numpy():
    expected, got = both(C.case_losses)
    C.assert_close(expected, got, rtol=1e-4, atol=1e-5)
    expected, got = both(C.case_metrics)
    C.assert_close(expected, got, rtol=1e-4, atol=1e-5)


def test_signal_matches_numpy():
    expected, got = both(C.case_signal)
    C.assert_close(expected, got, rtol=1e-3, atol=1e-3)


def test_model_files_are_the_same_on_both_backends(tmp_path):
    expected = C.on("numpy", C.case_save_load, str(tmp_path / "host.keras"))
    got = C.on(DEVICE, C.case_save_load, str(tmp_path / "device.keras"))
    C.assert_close(expected, got, rtol=5e-3, atol=5e-4)
    x = C._data((16, 8, 8, 3))
    for name in ("host.keras", "device.keras"):
        C.assert_close(C.on("numpy", C.case_load, str(tmp_path / name), x),
                       C.on(DEVICE, C.case_load, str(tmp_path / name), x), rtol=1e-4, atol=1e-5)


def test_callbacks_match_numpy(tmp_path):
    (tmp_path / "host").mkdir(), (tmp_path / "device").mkdir()
    expected = C.on("numpy", C.case_callbacks, str(tmp_path / "host"))
    got = C.on(DEVICE, C.case_callbacks, str(tmp_path / "device"))
    C.assert_close(expected, got, rtol=5e-3, atol=5e-4)


def test_explain_and_viz_match_numpy():
    expected, got = both(C.case_explain_and_viz)
    C.assert_close(expected, got, rtol=1e-3, atol=1e-4)
