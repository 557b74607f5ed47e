"""Grade the exercises with nbgrader: a course built from the notebooks, released, collected, autograded.

    python tools/grading.py release [--course build/grading] [NOTEBOOK ...]   # make release
    python tools/grading.py collect [--course build/grading] SUBMISSIONS      # make collect
    python tools/grading.py grade   [--course build/grading]                  # make grade
    python tools/grading.py points                                            # the points, per exercise

One nbgrader *assignment* per notebook that has exercises, named after it (``09-one-order-two-ways``),
holding that one notebook. ``release`` writes the course's ``source/`` from the notebooks:

* each exercise's solution cell becomes an nbgrader answer cell (``solution``): its code between
  ``### BEGIN SOLUTION`` and ``### END SOLUTION`` (``// ...`` in a ``%%go`` cell, so that the Go
  program still compiles); in the students' version it becomes the same stub as in the student copies
  (notebooks/student/), by the ``ClearSolutions`` subclass in the course's ``nbgrader_config.py``;
* the check cell under it becomes an nbgrader test cell (``grade``, locked, worth :data:`POINTS`), with a
  hidden test just before its checker call: ``check = graded("09.1")``. The learner's version shows the
  check cell as the notebook has it; when nbgrader grades, the same checker runs on the answer and
  raises unless its verdict is *right* (chanlab.check.graded), so a test cell scores its points exactly
  when the learner would have seen ``✔``;

then runs ``nbgrader generate_assignment``: ``release/<assignment>/`` is what the students get.

``collect`` reads a folder of hand-ins, one folder (or one ``.zip``) per student, named by the student's
id, holding the notebooks as released::

    SUBMISSIONS/alice/09-one-order-two-ways.ipynb
    SUBMISSIONS/alice/03-workers-and-waitgroup.ipynb
    SUBMISSIONS/bob.zip                       (09-one-order-two-ways.ipynb, ... inside)

and gives it to ``nbgrader zip_collect`` for each assignment, which files every notebook under
``submitted/<student>/<assignment>/``. ``grade`` runs ``nbgrader autograde`` on every assignment that has
submissions, then writes ``grades.csv`` (one row per student and exercise: student, notebook, exercise,
points, max_points) and ``grades.json`` (``{"max": {exercise: points}, "students": {student: {exercise:
points}}}``) from nbgrader's gradebook. The course folder is an ordinary nbgrader course: the teacher can
go on with nbgrader's own commands there (``nbgrader generate_feedback``, ``nbgrader export``, formgrader).
"""
from __future__ import annotations

import argparse
import ast
import copy
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

from make_student import PLACEHOLDER
from run_notebooks import KERNEL_ENV

__all__ = ["ROOT", "NOTEBOOKS", "COURSE", "POINTS", "Exercise", "exercises", "assignment_name",
           "source_notebook", "write_config", "release", "collect", "grade", "read_grades", "main"]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
COURSE = ROOT / "build" / "grading"

#: Points per exercise: the one place they are decided, by the size of the work the exercise asks
#: for (its solution cell): 1 for a prediction or an answer of up to 10 lines, 2 for 11-19 lines, 3 for
#: a small program of 20 lines or more. A teacher who weighs them otherwise changes them here.
#: tests/test_grading.py fails while an exercise of the notebooks is missing here, or one here is gone.
POINTS = {
    "01.1": 1, "01.2": 1, "01.3": 1, "01.4": 1,
    "02a.1": 1, "02a.2": 2, "02a.3": 2, "02a.4": 3,
    "02b.1": 3, "02b.2": 3, "02b.3": 2, "02b.4": 3,
    "02c.1": 2, "02c.2": 2, "02c.3": 1,
    "02d.1": 1, "02d.2": 2, "02d.3": 2,
    "03.1": 1, "03.2": 3, "03.3": 3, "03.4": 1, "03.5": 3,
    "04.1": 1, "04.2": 3, "04.3": 3, "04.4": 2, "04.5": 1,
    "05.1": 1, "05.2": 2, "05.3": 1, "05.4": 2,
    "06.1": 2, "06.2": 1, "06.3": 1, "06.4": 1,
    "07.1": 1, "07.2": 1, "07.3": 1, "07.4": 1,
    "08.1": 1, "08.2": 1, "08.3": 2, "08.4": 1,
    "09.1": 1, "09.2": 1, "09.3": 1,
    "10.1": 1, "10.2": 1, "10.3": 2,
    "11.1": 1, "11.2": 1, "11.3": 1,
}

_CONFIG = '''\
"""nbgrader's configuration for the chanlab course (written by tools/grading.py: edit that, not this)."""
from nbgrader.preprocessors import (CheckCellMetadata, ClearHiddenTests, ClearMarkScheme, ClearOutput,
                                    ClearSolutions, ComputeChecksums, IncludeHeaderFooter,
                                    InstantiateTests, LockCells, SaveCells)

c = get_config()  # noqa: F821 (nbgrader's config loader provides it)
c.CourseDirectory.course_id = "chanlab"
c.CourseDirectory.root = {root!r}
c.Execute.timeout = 300            # seconds per cell: the measured experiments of a notebook
c.Execute.interrupt_on_timeout = True
c.ExecutePreprocessor.timeout = 300
c.ClearSolutions.code_stub = {{"python": {placeholder!r}}}


class ClearSolutionsToStub(ClearSolutions):
    """An answer cell becomes the chanlab stub of its exercise (cell metadata ``chanlab.stub``), the
    same placeholder as in the student copies (notebooks/student/), instead of nbgrader's one stub."""

    def preprocess_cell(self, cell, resources, index):
        cell, resources = super().preprocess_cell(cell, resources, index)
        stub = cell.metadata.get("chanlab", {{}}).get("stub")
        if cell.metadata.get("nbgrader", {{}}).get("solution") and stub:
            cell.source = stub
        cell.metadata.pop("chanlab", None)
        return cell, resources


# nbgrader's own list (nbgrader/converters/generate_assignment.py), with ClearSolutionsToStub
c.GenerateAssignment.preprocessors = [IncludeHeaderFooter, InstantiateTests, LockCells, ClearSolutionsToStub,
                                      ClearOutput, CheckCellMetadata, ComputeChecksums, SaveCells,
                                      ClearHiddenTests, ClearMarkScheme, ComputeChecksums, CheckCellMetadata]
c.ZipCollectApp.collector_plugin = "nbgrader.plugins.zipcollect.FileNameCollectorPlugin"
'''


@dataclass(frozen=True)
class Exercise:
    """One exercise of a notebook: its id (``"09.1"``), the indices of its solution cell and of the
    check cell under it (in ``nb.cells``), and the checker call that ends the check cell."""

    id: str
    solution: int
    check: int
    call: str

    @property
    def points(self) -> int:
        if self.id not in POINTS:
            raise KeyError(f"exercise {self.id} has no points in tools/grading.py POINTS: decide them there")
        return POINTS[self.id]


def assignment_name(path: Path) -> str:
    """The nbgrader assignment of a notebook: its stem (``09-one-order-two-ways``)."""
    return Path(path).stem


def _last_statement(source: str) -> ast.stmt:
    lines = [ln for ln in source.splitlines() if not ln.lstrip().startswith(("%", "!"))]
    return ast.parse("\n".join(lines)).body[-1]


def exercises(nb, prefix: str) -> list[Exercise]:
    """The exercises of notebook ``nb`` whose file name starts with ``prefix`` (``"09"``): each code cell
    tagged ``solution``, and the next code cell, which checks it (notebooks/AUTHORING.md). The check
    cell must end with a call ``check.<topic>.<checker>(...)``: a clear error otherwise."""
    found = []
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    for k, i in enumerate(code):
        if "solution" not in nb.cells[i].metadata.get("tags", []):
            continue
        ex = f"{prefix}.{len(found) + 1}"
        if k + 1 >= len(code):
            raise ValueError(f"exercise {ex}: no check cell after its solution cell")
        j = code[k + 1]
        last = _last_statement(nb.cells[j].source)
        call = last.value if isinstance(last, ast.Expr) else None
        func = getattr(call, "func", None)
        if not (isinstance(call, ast.Call) and isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Attribute) and isinstance(func.value.value, ast.Name)
                and func.value.value.id == "check"):
            raise ValueError(f"exercise {ex}: its check cell must end with check.<topic>.<checker>(...), "
                             f"not {nb.cells[j].source.splitlines()[-1:]!r}")
        found.append(Exercise(ex, i, j, ast.unparse(call)))
    return found


def _marked_solution(source: str) -> str:
    """``source`` between nbgrader's solution markers; a cell magic (``%%go ...``) stays on line 1 and
    the markers are comments of the cell's language."""
    lines = source.splitlines()
    head = []
    if lines and lines[0].startswith("%%"):
        head = [lines.pop(0)]
    mark = "//" if head and head[0].split()[0] == "%%go" else "###"
    return "\n".join(head + [f"{mark} BEGIN SOLUTION", *lines, f"{mark} END SOLUTION"])


def _with_hidden_test(source: str, exercise: Exercise) -> str:
    """The check cell with a hidden test before its last statement: ``check`` becomes
    ``chanlab.check.graded(id)``, so that the same checker call raises unless the answer is right."""
    lines = source.splitlines()
    start = ast.parse(source).body[-1].lineno - 1
    hidden = ["### BEGIN HIDDEN TESTS",
              f"from chanlab.check import graded as _graded  # the checker below raises unless {exercise.id} is right",
              f"check = _graded({exercise.id!r})",
              "### END HIDDEN TESTS"]
    return "\n".join(lines[:start] + hidden + lines[start:])


def _nbgrader(cell, grade_id: str, *, solution: bool, grade: bool, points: int | None = None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": grade, "schema_version": 3, "solution": solution}
    if points is not None:
        meta["points"] = points
    cell.metadata["nbgrader"] = meta


def source_notebook(nb, prefix: str):
    """The nbgrader source version of a notebook (the input is not changed): outputs cleared, each
    solution cell an answer cell between solution markers, each check cell a test cell worth
    :data:`POINTS` with its hidden test."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for ex in exercises(nb, prefix):
        sol, chk = nb.cells[ex.solution], nb.cells[ex.check]
        if not sol.metadata.get("chanlab", {}).get("stub"):
            raise ValueError(f"exercise {ex.id}: its solution cell has no chanlab.stub metadata")
        sol.source = _marked_solution(sol.source)
        sol.metadata["tags"] = ["exercise" if t == "solution" else t for t in sol.metadata.get("tags", [])]
        _nbgrader(sol, f"answer-{ex.id.replace('.', '-')}", solution=True, grade=False)
        chk.source = _with_hidden_test(chk.source, ex)
        _nbgrader(chk, f"check-{ex.id.replace('.', '-')}", solution=False, grade=True, points=ex.points)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return nb


def write_config(course: Path) -> Path:
    """The course's ``nbgrader_config.py``."""
    course.mkdir(parents=True, exist_ok=True)
    path = course / "nbgrader_config.py"
    path.write_text(_CONFIG.format(root=str(course.resolve()), placeholder=PLACEHOLDER), encoding="utf-8")
    return path


def _run(course: Path, *args: str) -> str:
    """``nbgrader ARGS`` in the course folder; its log, or a RuntimeError that quotes it."""
    # nbgrader runs the `alembic` command it installed (beside this Python) to migrate its gradebook
    env = {**os.environ, **KERNEL_ENV,
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=3600)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed (exit {proc.returncode}):\n"
                           f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc.stdout + proc.stderr


def _with_exercises(paths=None) -> list[Path]:
    chosen = [Path(p).resolve() for p in paths] if paths else sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    for p in chosen:
        if not p.exists():
            raise FileNotFoundError(f"no notebook {p}")
    return [p for p in chosen if exercises(nbformat.read(p, as_version=4), p.name.split("-")[0])]


def release(course: Path = COURSE, notebooks=None) -> list[Path]:
    """Write ``source/<assignment>/`` for every notebook with exercises (or those of ``notebooks``),
    then ``nbgrader generate_assignment`` each; returns the released notebooks."""
    course = Path(course)
    write_config(course)
    released = []
    for path in _with_exercises(notebooks):
        name = assignment_name(path)
        src = course / "source" / name
        if src.exists():
            shutil.rmtree(src)
        src.mkdir(parents=True)
        nb = source_notebook(nbformat.read(path, as_version=4), path.name.split("-")[0])
        nbformat.write(nb, src / path.name)
        _run(course, "generate_assignment", name, "--force")
        released.append(course / "release" / name / path.name)
    return released


def _assignments(course: Path) -> list[str]:
    return sorted(p.name for p in (course / "source").iterdir() if p.is_dir()) if (course / "source").exists() else []


def collect(submissions: Path, course: Path = COURSE) -> dict[str, list[str]]:
    """File the hand-ins of ``submissions`` (one folder or ``.zip`` per student id) under the course's
    ``submitted/`` with ``nbgrader zip_collect``, one assignment at a time; returns
    ``{assignment: [student, ...]}`` for what was collected."""
    submissions, course = Path(submissions), Path(course)
    if not submissions.is_dir():
        raise FileNotFoundError(f"no submissions folder {submissions} (one folder or .zip per student)")
    names = _assignments(course)
    if not names:
        raise FileNotFoundError(f"{course} has no released assignments: run `make release` first")
    students = sorted(p.stem if p.suffix == ".zip" else p.name for p in submissions.iterdir()
                      if p.is_dir() or p.suffix == ".zip")
    bad = [s for s in students if not re.fullmatch(r"[A-Za-z0-9_.@-]+", s)]
    if bad:
        raise ValueError(f"student ids may hold letters, digits and _.@- only, not {bad}")
    collected = {}
    for name in names:
        archive = course / "downloaded" / name / "archive"
        if archive.parent.exists():
            shutil.rmtree(archive.parent)
        shutil.copytree(submissions, archive)
        file = f"{name}.ipynb"
        regexp = rf".*/(?P<student_id>[A-Za-z0-9_.@-]+)/(?P<file_id>{re.escape(file)})$"
        _run(course, "zip_collect", name, "--force", f"--FileNameCollectorPlugin.named_regexp={regexp}")
        got = sorted(p.parent.parent.name for p in (course / "submitted").glob(f"*/{name}/{file}"))
        if got:
            collected[name] = got
    return collected


def grade(course: Path = COURSE) -> dict:
    """``nbgrader autograde`` every assignment with submissions, then write ``grades.csv`` and
    ``grades.json`` in the course folder; returns what grades.json holds."""
    course = Path(course)
    for name in _assignments(course):
        if list((course / "submitted").glob(f"*/{name}")):
            _run(course, "autograde", name, "--force", "--create")
    grades = read_grades(course)
    (course / "grades.json").write_text(json.dumps(grades, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    with open(course / "grades.csv", "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["student", "notebook", "exercise", "points", "max_points"])
        for student, scores in sorted(grades["students"].items()):
            for ex, points in sorted(scores.items(), key=lambda kv: _order(kv[0])):
                out.writerow([student, grades["notebook"][ex], ex, _num(points), _num(grades["max"][ex])])
    return grades


def _order(ex: str):
    nb, n = ex.split(".")
    return nb, int(n)


def _num(x: float):
    return int(x) if float(x).is_integer() else x


def read_grades(course: Path = COURSE) -> dict:
    """The autograded points in the course's gradebook: ``{"max": {exercise: points}, "notebook":
    {exercise: assignment}, "students": {student: {exercise: points}}}`` (a student's exercises are
    those of the notebooks they handed in)."""
    from nbgrader.api import Gradebook, MissingEntry  # imported here: only grading needs nbgrader

    out = {"max": {}, "notebook": {}, "students": {}}
    with Gradebook(f"sqlite:///{Path(course).resolve() / 'gradebook.db'}") as gb:
        for assignment in gb.assignments:
            for notebook in assignment.notebooks:
                cells = [c for c in notebook.grade_cells if c.name.startswith("check-")]
                for cell in cells:
                    ex = cell.name[len("check-"):].replace("-", ".", 1)
                    out["max"][ex], out["notebook"][ex] = cell.max_score, assignment.name
                for student in gb.students:
                    try:
                        gb.find_submission_notebook(notebook.name, assignment.name, student.id)
                    except MissingEntry:
                        continue
                    for cell in cells:
                        ex = cell.name[len("check-"):].replace("-", ".", 1)
                        g = gb.find_grade(cell.name, notebook.name, assignment.name, student.id)
                        out["students"].setdefault(student.id, {})[ex] = g.score
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    for name, text in (("release", "write source/ from the notebooks and release/ with nbgrader"),
                       ("collect", "file a folder of hand-ins under submitted/ (nbgrader zip_collect)"),
                       ("grade", "nbgrader autograde, then grades.csv and grades.json"),
                       ("points", "print the points of every exercise")):
        s = sub.add_parser(name, help=text)
        s.add_argument("--course", type=Path, default=COURSE, help="the nbgrader course folder (default build/grading)")
        if name == "release":
            s.add_argument("notebooks", nargs="*", type=Path, help="default: every notebook with exercises")
        if name == "collect":
            s.add_argument("submissions", type=Path, help="one folder (or .zip) per student, holding NN-*.ipynb")
    args = p.parse_args(argv)
    if args.command == "release":
        for path in release(args.course, args.notebooks or None):
            print(path)
    elif args.command == "collect":
        for name, students in collect(args.submissions, args.course).items():
            print(f"{name}: {', '.join(students)}")
    elif args.command == "grade":
        grades = grade(args.course)
        for student, scores in sorted(grades["students"].items()):
            total = sum(scores.values())
            most = sum(grades["max"][ex] for ex in scores)
            print(f"{student}: {_num(total)} of {_num(most)} points")
        print(args.course / "grades.csv")
    else:
        for ex, points in POINTS.items():
            print(ex, points)


if __name__ == "__main__":
    main(sys.argv[1:])
