# `make demo` and `make test` each create .venv when missing, install the project into it, and run.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SEED   ?= 0
# Holds torch at the CPU wheel these machines carry (a bare torch pulls a CUDA build); on a GPU box
# with its own torch: `make install CONSTRAINTS=` (empty) keeps that torch.
CONSTRAINTS ?= constraints/cpu.txt

.PHONY: demo test bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml $(CONSTRAINTS) | $(BIN)/python
	$(BIN)/pip install -q $(if $(CONSTRAINTS),-c $(CONSTRAINTS)) -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/glioma-change demo --out results --seed $(SEED)

test: $(STAMP)
	$(BIN)/python -m pytest -q $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py --out benchmarks/results

clean:
	rm -rf $(VENV) results build *.egg-info
