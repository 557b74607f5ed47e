"""Grading with nbgrader (tools/grading.py): the source version of a notebook, the points, and the whole
flow, release -> collect -> grade, on two notebooks (09, and 02a with its Go cells), for one student who
hands in the solutions and one who hands in typical wrong answers (from tests/test_checkers_stable.py,
plus those below) and leaves the rest as stubs. The points must follow the checkers' verdicts."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

import grading
from chanlab import check
from test_checkers_stable import WRONG as STABLE_WRONG

ROOT = Path(__file__).resolve().parent.parent
FLOW = ["09-one-order-two-ways", "02a-go-in-python-channels"]

#: typical wrong answers of notebook 09 (each checked "not yet" below, before it is graded)
WRONG_09 = {
    "09.1": 'prediction = {"orchestration": 6, "choreography": 3}   # the fraud check forgotten',
    "09.2": "def key(event):\n    return event.branch             # order kept, the work badly spread",
    "09.3": ("def apply(copy, event):\n    copy[event['data']['id']] = event['data']   # the last delivery wins\n"
             "    return copy"),
}
WRONG = {**{ex: answers[0] for ex, answers in STABLE_WRONG.items()}, **WRONG_09}
#: bob hands in a right answer here (to show that points are per exercise), wrong ones or stubs elsewhere
BOB_RIGHT = {"02a.4"}


def _notebook(stem):
    return nbformat.read(ROOT / "notebooks" / f"{stem}.ipynb", as_version=4)


def _solutions(stem):
    nb = _notebook(stem)
    return {ex.id: nb.cells[ex.solution].source for ex in grading.exercises(nb, stem.split("-")[0])}


def test_every_exercise_has_its_points_and_nothing_else():
    found = set()
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        found |= {ex.id for ex in grading.exercises(nbformat.read(path, as_version=4), path.name.split("-")[0])}
    assert found == set(grading.POINTS), "decide the points of a new exercise in tools/grading.py POINTS"
    assert all(p in (1, 2, 3) for p in grading.POINTS.values())


def test_the_source_version_marks_each_solution_and_hides_a_graded_check_under_it():
    nb = _notebook("03-workers-and-waitgroup")
    src = grading.source_notebook(nb, "03")
    exercises = grading.exercises(nb, "03")
    assert [ex.id for ex in exercises] == ["03.1", "03.2", "03.3", "03.4", "03.5"]
    for ex in exercises:
        answer, test = src.cells[ex.solution], src.cells[ex.check]
        assert answer.metadata["nbgrader"] == {"grade": False, "grade_id": f"answer-{ex.id.replace('.', '-')}",
                                               "locked": False, "schema_version": 3, "solution": True}
        assert test.metadata["nbgrader"]["points"] == grading.POINTS[ex.id] and test.metadata["nbgrader"]["grade"]
        unmarked = [ln for ln in answer.source.splitlines() if not ln.endswith(("BEGIN SOLUTION", "END SOLUTION"))]
        assert unmarked == nb.cells[ex.solution].source.splitlines()
        assert f"check = _graded('{ex.id}')" in test.source
        hidden = test.source.split("### BEGIN HIDDEN TESTS")
        assert hidden[1].split("### END HIDDEN TESTS\n")[1] == nb.cells[ex.check].source.splitlines()[-1]
    go = src.cells[exercises[-1].solution].source.splitlines()
    assert go[0].startswith("%%go") and go[1] == "// BEGIN SOLUTION" and go[-1] == "// END SOLUTION"
    assert all(c.outputs == [] for c in src.cells if c.cell_type == "code")
    assert nb.cells[exercises[0].solution].metadata.get("nbgrader") is None  # the input is not changed


def test_a_check_cell_that_does_not_end_with_a_checker_call_is_a_clear_error():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["solution"], "chanlab": {"stub": "x = ..."}}),
        nbformat.v4.new_code_cell("print(x)")])
    with pytest.raises(ValueError, match=r"exercise 99.1: its check cell must end with check"):
        grading.exercises(nb, "99")


def test_graded_passes_a_right_answer_and_raises_with_the_feedback_otherwise(capsys):
    right = check.graded("09.1").sagas.predict_messages({"orchestration": 8, "choreography": 4})
    assert right is None and "✔ Exercise 09.1: right" in capsys.readouterr().out
    with pytest.raises(AssertionError, match=r"✘ Exercise 09.1: not yet"):
        check.graded("09.1").sagas.predict_messages({"orchestration": 6, "choreography": 3})
    with pytest.raises(AssertionError, match=r"… Exercise 09.1: not attempted yet"):
        check.graded("09.1").sagas.predict_messages(...)
    with pytest.raises(AssertionError, match=r"is not the check of exercise 09.2"):
        check.graded("09.2").sagas.predict_messages({"orchestration": 8, "choreography": 4})
    with pytest.raises(TypeError, match="exercise id"):
        check.graded(9.1)


@pytest.mark.parametrize("ex", sorted(WRONG_09))
def test_the_wrong_answers_of_09_are_wrong(ex):
    ns = {}
    exec(WRONG_09[ex], ns)
    name = {"09.1": "predict_messages", "09.2": "partition_key", "09.3": "keep_a_copy"}[ex]
    arg = {"09.1": "prediction", "09.2": "key", "09.3": "apply"}[ex]
    fb = getattr(check.sagas, name)(ns[arg])
    assert not fb.ok and fb.attempted, str(fb)


def _tool(*args, cwd=ROOT):
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "grading.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def _hand_in(released: Path, answers: dict[str, str]) -> nbformat.NotebookNode:
    """The released notebook with some answer cells filled in (by exercise id), the rest left as stubs."""
    nb = nbformat.read(released, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            ex = meta["grade_id"][len("answer-"):].replace("-", ".", 1)
            if ex in answers:
                cell.source = answers[ex]
    return nb


@pytest.mark.timeout(600)
def test_release_collect_grade_scores_the_solutions_full_and_the_wrong_answers_zero(tmp_path):
    course, inbox = tmp_path / "course", tmp_path / "inbox"
    _tool("release", "--course", str(course), *[f"notebooks/{stem}.ipynb" for stem in FLOW])
    (inbox / "alice").mkdir(parents=True)
    with zipfile.ZipFile(inbox / "bob.zip", "w") as bob:  # a hand-in may be a zip per student
        for stem in FLOW:
            released = course / "release" / stem / f"{stem}.ipynb"
            text = released.read_text(encoding="utf-8")
            solutions = _solutions(stem)
            assert "BEGIN HIDDEN TESTS" not in text and "_graded(" not in text
            for ex, source in solutions.items():   # the released notebook holds no solution
                assert json.dumps(source)[1:-1] not in text, f"{stem}: the solution of {ex} was released"
            nbformat.write(_hand_in(released, solutions), inbox / "alice" / f"{stem}.ipynb")
            wrong = {ex: (solutions[ex] if ex in BOB_RIGHT else WRONG[ex]) for ex in solutions
                     if ex in WRONG or ex in BOB_RIGHT}
            assert wrong, stem
            bob.writestr(f"{stem}.ipynb", nbformat.writes(_hand_in(released, wrong)))
    out = _tool("collect", "--course", str(course), str(inbox))
    assert all(f"{stem}: alice, bob" in out for stem in FLOW), out
    _tool("grade", "--course", str(course))
    grades = json.loads((course / "grades.json").read_text(encoding="utf-8"))
    exercises = sorted(ex for stem in FLOW for ex in _solutions(stem))
    assert grades["max"] == {ex: grading.POINTS[ex] for ex in exercises}
    assert grades["students"]["alice"] == {ex: grading.POINTS[ex] for ex in exercises}
    assert grades["students"]["bob"] == {ex: (grading.POINTS[ex] if ex in BOB_RIGHT else 0) for ex in exercises}
    rows = (course / "grades.csv").read_text(encoding="utf-8").splitlines()
    assert rows[0] == "student,notebook,exercise,points,max_points" and len(rows) == 1 + 2 * len(exercises)
    assert f"bob,09-one-order-two-ways,09.2,0,{grading.POINTS['09.2']}" in rows
    # what nbgrader ran: the checker's feedback is in the autograded notebook, a wrong answer's as the error
    graded = (course / "autograded" / "bob" / FLOW[0] / f"{FLOW[0]}.ipynb").read_text(encoding="utf-8")
    assert "AssertionError" in graded and "Exercise 09.2: not yet" in graded
    shutil.rmtree(course)
