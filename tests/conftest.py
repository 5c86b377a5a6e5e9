import os

import matplotlib
import pytest

import striate

matplotlib.use("Agg")

# STRIATE_TEST_BACKEND=fake runs the tests on the strict fake device of tests/gpu/fake_device.py
# (CuPy's API, arrays NumPy may not touch); STRIATE_TEST_BACKEND=cupy on a real GPU. See docs/gpu.md.
_TEST_BACKEND = os.environ.get("STRIATE_TEST_BACKEND")
if _TEST_BACKEND:
    from tests.gpu.fake_device import register

    register()
    striate.backend.set_backend(_TEST_BACKEND)


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts with fresh layer names and a fixed seed."""
    striate.backend.clear_session()
    striate.utils.set_random_seed(1234)
    yield
