# The two commands of the README:  make lab  (set up, open the series)  and  make test  (set up, test all).
# Works from a fresh clone with only Python 3.10+ and make: everything else comes from requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-cell-timeout=120 --nbval-sanitize-with tests/nbval-sanitize.cfg

.PHONY: setup lab lab-zh zh test notebooks student slides html lecture bench clean

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/python -m chanlab.envcheck --warm
	touch $(STAMP)

lab: setup
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00-start-here.ipynb

lab-zh: setup  # the Chinese edition (中文版): notebooks/zh-CN/
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/zh-CN/00-start-here.ipynb

# Each notebook is executed once per configuration: by nbval (tools present; tests/test_fidelity.py runs in
# the same session, after it, and compares the Go/Python pairs on nbval's fresh outputs), without the
# tools, as a student copy (these two in a background process while the unit tests run:
# tests/notebook_runs.py), and in JupyterLab (tests/test_browser.py). Each run ends with its time per stage.
test: setup
	$(BIN)/python -m pytest --durations=10 --ignore=tests/test_fidelity.py tests
	$(BIN)/python -m pytest --durations=5 $(NBVAL) --ignore=notebooks/student --ignore=notebooks/zh-CN/student notebooks tests/test_fidelity.py

notebooks: setup  # re-execute every notebook in place, then remake the student copies (commit both); the same for the Chinese twins
	$(BIN)/python tools/run_notebooks.py
	$(BIN)/python tools/make_student.py
	$(BIN)/python tools/i18n.py build
	$(BIN)/python tools/run_notebooks.py notebooks/zh-CN/[0-9]*.ipynb
	$(BIN)/python tools/i18n.py student

student: setup  # notebooks/student/: solutions replaced by stubs, outputs cleared (commit them)
	$(BIN)/python tools/make_student.py

zh: setup  # notebooks/zh-CN/ from the English notebooks and translations/zh_CN/*.po, executed, + student copies
	$(BIN)/python tools/i18n.py build --execute
	$(BIN)/python tools/i18n.py student

slides: setup  # build/slides/: one reveal.js deck per notebook (en, zh-CN), each slide fits 1280x720, speaker notes from teaching/notes, offline (npm fetches reveal.js once)
	$(BIN)/python tools/build_slides.py
	$(BIN)/python tools/build_slides.py --out build/slides/zh-CN notebooks/zh-CN/[0-9]*.ipynb

lecture: setup  # build/lecture/: the lectures of teaching/lectures.json (decks with notes, live notebooks), the summary slide
	$(BIN)/python tools/build_lecture.py

html: setup  # build/html/: the static edition, index.html and one page per notebook, offline
	$(BIN)/python tools/build_html.py
	$(BIN)/python tools/build_html.py --out build/html/zh-CN notebooks/zh-CN/[0-9]*.ipynb

bench: setup
	$(BIN)/python benchmarks/channels.py --figure build/bench/channels.png
	$(BIN)/python benchmarks/widgets.py

clean:
	rm -rf $(VENV)
