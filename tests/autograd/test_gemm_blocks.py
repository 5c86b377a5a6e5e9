"""Skinny products in row blocks (autograd/_gemm.py) equal the plain products."""

import numpy as np
import pytest

from striate.autograd._gemm import _stack, mm, mm_tn


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


def test_stacked_blocks_cover_the_rows_and_are_never_one_row():
    for m, rows in [(10, 3), (10, 9), (7, 7), (869, 434), (1000, 434), (1024, 434), (65535, 32), (97, 32)]:
        groups = _stack(m, rows)
        assert groups[0][0] == 0
        assert all(start + count * size == nxt for (start, count, size), (nxt, _, _) in zip(groups, groups[1:]))
        assert groups[-1][0] + groups[-1][1] * groups[-1][2] == m
        assert all(1 < size <= rows and count >= 1 for _, count, size in groups)
        assert max(size for *_, size in groups) - min(size for *_, size in groups) <= 1


def test_blocked_product_writes_into_the_given_output():
    rng = np.random.default_rng(1)
    a, b = rng.standard_normal((1000, 144)).astype("float32"), rng.standard_normal((144, 16)).astype("float32")
    out = np.zeros((1000, 16), "float32")
    assert mm(a, b, out, limit=10**6) is out
    np.testing.assert_allclose(out, a @ b, rtol=1e-5, atol=1e-4)
