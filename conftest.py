"""Doctests of modules whose optional dependency is absent are not collected; their own tests
skip with the reason (pytest.importorskip), so `make test` passes with the test extras alone."""

import importlib.util

collect_ignore = []
if importlib.util.find_spec("sklearn") is None:
    collect_ignore.append("src/striate/wrappers/sklearn_wrapper.py")
