"""Optimizers update large weights piece by piece (Optimizer._blocks): same result as whole arrays."""

import numpy as np
import pytest

import striate
from striate.optimizers import base
from striate.variables import Variable


@pytest.mark.parametrize("make", [lambda: striate.optimizers.Adam(1e-2), lambda: striate.optimizers.Adam(1e-2, amsgrad=True),
                                  lambda: striate.optimizers.SGD(0.1), lambda: striate.optimizers.SGD(0.1, momentum=0.9),
                                  lambda: striate.optimizers.SGD(0.1, momentum=0.9, nesterov=True)])
def test_pieces_equal_whole_arrays(monkeypatch, make):
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal((37, 11)).astype("float32")
    grads = [rng.standard_normal(w0.shape).astype("float32") for _ in range(3)]
    results = []
    for block in (1 << 16, 50):  # one piece, then pieces of 50 values (the last one shorter)
        monkeypatch.setattr(base, "_BLOCK", block)
        v = Variable(w0.copy())
        opt = make()
        for g in grads:
            opt.apply([g], [v])
        results.append(v.data.copy())
    np.testing.assert_array_equal(results[0], results[1])


def test_a_non_contiguous_variable_is_still_updated_in_place():
    data = np.zeros((6, 4), "float32").T  # a transposed view: not C-contiguous
    v = Variable(data)
    v.data = data  # keep the view itself
    striate.optimizers.Adam(0.1).apply([np.ones((4, 6), "float32")], [v])
    assert np.all(v.data < 0)
