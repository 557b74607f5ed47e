# The two commands of the README:  make lab  (set up, open the series)  and  make test  (set up, test all).
# Works from a fresh clone with only Python 3.10+ and make: everything else comes from requirements.txt.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
NBVAL  := --nbval --nbval-current-env --nbval-cell-timeout=120 --nbval-sanitize-with tests/nbval-sanitize.cfg

.PHONY: setup lab lab-zh zh test notebooks student student-bundle slides html lecture release collect grade bench clean
# nbgrader (make release / collect / grade) ships a JupyterLab extension and server extensions (and pulls in
# notebook 7, which has its own): setup switches them off, so that make lab opens the same JupyterLab as before
NBGRADER_LAB_OFF    := @jupyter/nbgrader @jupyter-notebook/lab-extension
NBGRADER_SERVER_OFF := nbgrader.server_extensions.formgrader nbgrader.server_extensions.validate_assignment \
                       nbgrader.server_extensions.assignment_list nbgrader.server_extensions.course_list notebook
COURSE      ?= build/grading
SUBMISSIONS ?= build/submissions

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(BIN)/jupyter labextension disable --level=sys_prefix $(NBGRADER_LAB_OFF) >/dev/null 2>&1
	$(BIN)/jupyter server extension disable --sys-prefix $(NBGRADER_SERVER_OFF) >/dev/null 2>&1
	$(BIN)/python -m chanlab.envcheck --warm
	touch $(STAMP)

lab: setup
	$(BIN)/python tools/lab_settings.py  # no "official Jupyter news?" pop-up over the figures (idempotent)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00-start-here.ipynb

lab-zh: setup  # the Chinese edition (中文版): notebooks/zh-CN/
	$(BIN)/python tools/lab_settings.py
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

student-bundle: setup  # build/student-bundle/: chanlab-student/ and chanlab-student.zip, what a learner gets (no solution)
	$(BIN)/python tools/student_bundle.py

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

# Grading with nbgrader (tools/grading.py; teaching/README.md, "Grading"): the course lives in $(COURSE)
release: setup  # $(COURSE)/source from the notebooks (solutions, hidden tests), then release/: the students' versions
	$(BIN)/python tools/grading.py release --course $(COURSE)

collect: setup  # $(SUBMISSIONS)/<student>/NN-*.ipynb (or <student>.zip) -> $(COURSE)/submitted/ (nbgrader zip_collect)
	$(BIN)/python tools/grading.py collect --course $(COURSE) $(SUBMISSIONS)

grade: setup  # nbgrader autograde, then $(COURSE)/grades.csv and grades.json: points per student per exercise
	$(BIN)/python tools/grading.py grade --course $(COURSE)

bench: setup
	$(BIN)/python benchmarks/channels.py --figure build/bench/channels.png
	$(BIN)/python benchmarks/widgets.py

clean:
	rm -rf $(VENV)
