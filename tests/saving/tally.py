"""Counts for the closing note of issue 5, printed at the end of a test run by tests/saving/conftest.py."""

TALLY = {"hostile files": 0, "bad inputs": 0, "kills survived": 0, "executed": 0}
