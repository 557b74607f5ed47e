# The two commands of the README:  make lab  (set up, open the series)  and  make test  (set up, test all).
# Works from a fresh clone with only Python 3.10+ and make: everything else comes from requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-cell-timeout=120 --nbval-sanitize-with tests/nbval-sanitize.cfg

.PHONY: setup lab test notebooks bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m chanlab.envcheck --warm
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00-start-here.ipynb

test: setup
	$(BIN)/python -m pytest tests
	$(BIN)/python -m pytest $(NBVAL) notebooks

notebooks: setup  # re-execute every notebook in place (commit them executed)
	$(BIN)/python tools/run_notebooks.py

bench: setup
	$(BIN)/python benchmarks/channels.py
	$(BIN)/python benchmarks/widgets.py

clean:
	rm -rf $(VENV)
