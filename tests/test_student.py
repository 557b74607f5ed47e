"""The student copies (notebooks/student/, written by tools/make_student.py) are up to date, and each
runs without an error up to its first exercise, where the check says "not attempted yet".

Each student copy is executed once, in a background process (tests/notebook_runs.py), in a fresh kernel
in notebooks/student/, as a learner would; the test reads the executed notebook.
"""
import re
from pathlib import Path

import nbformat
import pytest

import make_student
import notebook_runs

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
STUDENT = ROOT / "notebooks" / "student"


def test_student_copies_are_up_to_date(tmp_path):
    make_student.build(tmp_path)
    fresh = {p.name: p.read_bytes() for p in tmp_path.glob("*.ipynb")}
    committed = {p.name: p.read_bytes() for p in STUDENT.glob("*.ipynb")}
    stale = sorted(n for n in fresh.keys() | committed.keys() if fresh.get(n) != committed.get(n))
    assert not stale, f"notebooks/student/ is out of date for {stale}: run `make student`"


def test_a_student_copy_has_no_solution_and_no_output():
    for path in sorted(STUDENT.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        master = nbformat.read(ROOT / "notebooks" / path.name, as_version=4)
        solutions = [c for c in master.cells if "solution" in c.metadata.get("tags", [])]
        placeholders = [c for c in nb.cells if make_student.is_placeholder(c)]
        assert len(placeholders) == len(solutions), path.name
        for sol, ph in zip(solutions, placeholders):
            assert ph.source != sol.source, f"{path.name}: a solution is left in the student copy"
        for c in nb.cells:
            if c.cell_type == "code":
                assert c.outputs == [] and c.execution_count is None, path.name
        assert "widgets" not in nb.metadata


def test_make_student_replaces_a_solution_by_its_stub_or_a_comment():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"], "chanlab": {"stub": "x = ..."}}),
        nbformat.v4.new_code_cell("y = 2", metadata={"tags": ["solution", "nbval-ignore-output"]}),
        nbformat.v4.new_markdown_cell("[guide](AUTHORING.md), [next](02a-go-in-python-channels.ipynb)"),
    ])
    out = make_student.student_copy(nb)
    assert out.cells[0].source == "x = ..." and out.cells[0].metadata == {"tags": ["exercise"]}
    assert out.cells[1].source == make_student.PLACEHOLDER
    assert out.cells[1].metadata["tags"] == ["exercise", "nbval-ignore-output"]
    assert out.cells[2].source == "[guide](../AUTHORING.md), [next](02a-go-in-python-channels.ipynb)"
    assert nb.cells[0].source == "x = 1"  # the original is not changed


def test_a_student_copy_never_links_to_a_full_notebook():
    """A copy's links to notebooks lead to the sibling copies: none climbs to the full notebooks (where
    each solution sits under its exercise), and notebook 00's links to student/ become siblings."""
    link = re.compile(r"\]\(([^)\s]+)\)")
    for path in sorted(STUDENT.glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        targets = [t for c in nb.cells if c.cell_type == "markdown" for t in link.findall(c.source)]
        bad = [t for t in targets if t.endswith(".ipynb") or ".ipynb#" in t]
        bad = [t for t in bad if "/" in t.split("#")[0]]
        assert bad == [], f"{path.name} links out of the student copies: {bad}"
    assert "(01-two-styles.ipynb)" in (STUDENT / "00-start-here.ipynb").read_text(encoding="utf-8")


def _first_exercise(nb):
    return next((i for i, c in enumerate(nb.cells) if make_student.is_placeholder(c)), None)


def _up_to_first_exercise(nb):
    """The student copy, cut after the first placeholder and the cell that checks it."""
    first = _first_exercise(nb)
    if first is not None:
        nb.cells = nb.cells[:first + 2]
    return nb


def NOTEBOOK_RUN(path):
    copy = STUDENT / path.name
    if not copy.exists():
        return None  # the test says so
    # a cell that stalls is named by nbclient's CellTimeoutError
    return notebook_runs.Job("student", copy, cwd=copy.parent, timeout=60, allow_errors=True,
                             prepare=_up_to_first_exercise)


def test_every_notebook_has_a_student_copy():
    assert sorted(p.name for p in STUDENT.glob("[0-9]*.ipynb")) == [p.name for p in NOTEBOOKS], \
        "run `make student`"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_student_copy_runs_up_to_its_first_exercise(path):
    path = STUDENT / path.name
    if not path.exists():
        pytest.fail(f"no student copy of {path.name}: run `make student`")
    nb = notebook_runs.result(NOTEBOOK_RUN(path))
    first = _first_exercise(nb)
    problems = []
    for i, c in enumerate(nb.cells):
        errors = [o for o in c.get("outputs", []) if o.output_type == "error"]
        if errors and (first is None or i < first) and "raises-exception" not in c.metadata.get("tags", []):
            problems.append(f"{path.name} cell {i}: {errors[0].ename}: {errors[0].evalue}")
    if first is not None and first + 1 < len(nb.cells):
        text = "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "")
                       for o in nb.cells[first + 1].get("outputs", []))
        if "Exercise" in text and "not attempted yet" not in text:
            problems.append(f"{path.name}: the check of the first exercise says {text[:200]!r} "
                            "to an unattempted stub")
    assert problems == []
