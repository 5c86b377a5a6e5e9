import matplotlib
import pytest

import striate

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _fresh_session():
    """Each test starts with fresh layer names and a fixed seed."""
    striate.backend.clear_session()
    striate.utils.set_random_seed(1234)
    yield
