"""Skinny products in row blocks (autograd/_gemm.py) equal the plain products."""

import numpy as np
import pytest

from striate.autograd._gemm import _blocks, mm, mm_tn


@pytest.mark.parametrize("m,k,n,limit", [(1000, 144, 16, 10**6), (333, 27, 8, 5000), (70, 9, 32, 10**6),
                                         (50, 40, 64, 10**6), (40, 30, 16, 0)])
def test_blocked_products_equal_plain_ones(m, k, n, limit):
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((m, k)).astype("float32"), rng.standard_normal((k, n)).astype("float32")
    dy = rng.standard_normal((m, n)).astype("float32")
    out = np.empty((m, n), "float32")
    exact = a.astype(np.float64) @ b
    tol = 1e-5 * np.sqrt(k) * np.abs(exact).max()
    np.testing.assert_allclose(mm(a, b, out, limit), exact, atol=tol)
    np.testing.assert_allclose(mm(a.T.copy().T, b, out, limit), exact, atol=tol)  # a transposed view
    exact_tn = a.astype(np.float64).T @ dy
    np.testing.assert_allclose(mm_tn(a, dy, limit), exact_tn, atol=1e-5 * np.sqrt(m) * np.abs(exact_tn).max())


def test_blocks_cover_the_rows_and_never_end_with_one_row():
    for m, rows in [(10, 3), (10, 9), (7, 7), (1, 5), (433, 434), (869, 434)]:
        blocks = _blocks(m, rows)
        assert blocks[0][0] == 0 and blocks[-1][1] == m
        assert all(a == b_prev for (a, _), (_, b_prev) in zip(blocks[1:], blocks))
        assert all(0 < stop - start <= rows for start, stop in blocks)
        assert m == 1 or blocks[-1][1] - blocks[-1][0] > 1
