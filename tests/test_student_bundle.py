"""The student bundle (tools/student_bundle.py, `make student-bundle`): the student copies and the library,
with no solution cell, no solution text (each solution cell's source, taken from the full notebooks, is
nowhere in the bundle, and no three lines of one are in the library), no link out of the bundle, and
checkers that run on the bundle's stubs and say "not attempted yet"."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import nbformat
import pytest

import student_bundle
from test_checkers_stable import _verdict  # runs an exercise's check cell on a given answer

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("bundle")
    folder = student_bundle.build(out)
    return folder, student_bundle.zip_folder(folder, out / "chanlab-student.zip")


def _solutions():
    """(exercise, solution source, stub) of every exercise of the full notebooks."""
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        n = 0
        for cell in nb.cells:
            if "solution" in cell.metadata.get("tags", []):
                n += 1
                yield f"{path.name.split('-')[0]}.{n}", cell.source, cell.metadata["chanlab"]["stub"]


def _lines(text):
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("#")]


def _answer(solution, stub):
    """The part of a solution that is the answer: the functions its stub asks for (a solution may also
    hold the program that runs them, which a checker needs too), else the whole solution."""
    import ast

    if solution.startswith("%%"):
        return solution.split("\n", 1)[1]
    asked = {n.name for n in ast.parse(stub).body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    if not asked:
        return solution
    tree = ast.parse(solution)
    return "\n".join(ast.get_source_segment(solution, n) for n in tree.body
                     if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name in asked)


def test_the_bundle_holds_the_student_copies_the_library_and_nothing_else(bundle):
    folder, archive = bundle
    top = sorted(p.name for p in folder.iterdir())
    assert top == ["README.md", "lib", "notebooks", "pyproject.toml", "requirements.txt"]
    assert sorted(p.name for p in (folder / "notebooks").iterdir()) == sorted([p.name for p in NOTEBOOKS] + ["zh-CN"])
    assert sorted(p.name for p in (folder / "notebooks" / "zh-CN").iterdir()) == [p.name for p in NOTEBOOKS]
    assert (folder / "lib" / "chanlab" / "check" / "nats.py").exists()
    assert not list(folder.rglob("__pycache__")) and not list(folder.rglob("teaching"))
    names = zipfile.ZipFile(archive).namelist()
    assert len(names) == sum(1 for p in folder.rglob("*") if p.is_file())
    assert all(n.startswith("chanlab-student/") for n in names)
    assert (folder / "requirements.txt").read_text(encoding="utf-8").splitlines()[-1] == "-e ."


def test_no_solution_cell_and_no_output_in_the_bundle(bundle):
    folder, _ = bundle
    for path in sorted((folder / "notebooks").rglob("*.ipynb")):  # the Chinese copies too
        nb = nbformat.read(path, as_version=4)
        assert not [c for c in nb.cells if "solution" in c.metadata.get("tags", [])], path.name
        assert all(c.outputs == [] for c in nb.cells if c.cell_type == "code"), path.name
        assert all("chanlab" not in c.metadata for c in nb.cells), path.name  # the stub metadata is gone


def test_no_solution_text_anywhere_in_the_bundle(bundle):
    folder, _ = bundle
    cells = {path.name: [c.source for c in nbformat.read(path, as_version=4).cells]
             for path in (folder / "notebooks").glob("*.ipynb")}
    texts = {path: path.read_text(encoding="utf-8", errors="replace") for path in folder.rglob("*")
             if path.is_file() and path.suffix in (".py", ".md", ".txt", ".toml", ".po", ".go", ".json")}
    library = {path: _lines(text) for path, text in texts.items() if path.suffix in (".py", ".go")}
    # n lines of an answer in a row: a reference implementation (Go's boilerplate is longer: 6 lines)
    runs = {n: {tuple(lines[i:i + n]) for lines in library.values() for i in range(len(lines) - n + 1)}
            for n in (3, 6)}
    checked = 0
    for ex, solution, stub in _solutions():
        source = solution.strip()
        assert not any(source in c for cs in cells.values() for c in cs), f"the solution of {ex} is in a notebook"
        assert not any(source in text for text in texts.values()), f"the solution of {ex} is in the bundle"
        own = [ln for ln in _lines(_answer(solution, stub)) if ln not in _lines(stub)]
        n = 6 if solution.startswith("%%go") else 3
        for i in range(len(own) - n + 1):
            assert tuple(own[i:i + n]) not in runs[n], f"{ex}: lines of its answer are in the library: {own[i:i + n]}"
        checked += 1
    assert checked >= 50


def test_the_scan_would_have_found_the_old_reference_matcher():
    old = '''def _reference_match(pattern, subject):
    p, s = pattern.split("."), subject.split(".")
    for i, token in enumerate(p):
        if token == ">":
            return len(s) > i
        if i >= len(s) or (token != "*" and token != s[i]):
            return False
    return len(p) == len(s)'''
    lines = _lines(old)
    triples = {tuple(lines[i:i + 3]) for i in range(len(lines) - 2)}
    solution = dict((ex, src) for ex, src, _ in _solutions())["07.1"]
    own = _lines(solution)[1:]
    assert any(tuple(own[i:i + 3]) in triples for i in range(len(own) - 2))


def test_no_link_leaves_the_bundle(bundle):
    folder, _ = bundle
    assert student_bundle.links_out(folder) == []
    for path in (folder / "notebooks").glob("*.ipynb"):
        assert "](../" not in path.read_text(encoding="utf-8"), path.name


def _bundle_exercises(folder):
    """(exercise, stub source, check source) read from the bundle's notebooks."""
    for path in sorted((folder / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        n = 0
        for i, cell in enumerate(code):
            if "exercise" in cell.metadata.get("tags", []):
                n += 1
                yield f"{path.name.split('-')[0]}.{n}", cell.source, code[i + 1].source


def test_every_check_of_the_bundle_says_not_attempted_to_its_stub(bundle, capsys):
    folder, _ = bundle
    found = list(_bundle_exercises(folder))
    assert len(found) == len(list(_solutions()))
    for ex, stub, check in found:
        fb = _verdict(ex, stub, capsys)
        assert not fb.ok and not fb.attempted, f"{ex}: the check says to its stub:\n{fb}"
        assert check.strip().splitlines()[-1].startswith("check."), ex


@pytest.mark.timeout(300)
def test_a_bundle_notebook_runs_in_a_kernel_on_the_bundle_library(bundle, tmp_path):
    """09 from the bundle, executed in a fresh kernel that imports chanlab from the bundle's lib/ (as a
    learner's `pip install -e .` there would): it runs to the end and every check says "not attempted"."""
    folder, _ = bundle
    src = folder / "notebooks" / "09-one-order-two-ways.ipynb"
    dest = tmp_path / "09.ipynb"
    probe = nbformat.read(src, as_version=4)
    probe.cells.append(nbformat.v4.new_code_cell("import chanlab; print('LIBRARY', chanlab.__file__)"))
    nbformat.write(probe, tmp_path / "probe.ipynb")
    job = [{"src": str(tmp_path / "probe.ipynb"), "dest": str(dest), "cwd": str(src.parent), "timeout": 240,
            "allow_errors": False, "env": {"PYTHONPATH": str(folder / "lib")}, "attempts": 1}]
    (tmp_path / "jobs.json").write_text(json.dumps(job), encoding="utf-8")
    subprocess.run([sys.executable, str(ROOT / "tools" / "run_notebooks.py"), "--jobs", str(tmp_path / "jobs.json")],
                   check=True, capture_output=True, timeout=280, env={**os.environ})
    assert dest.exists(), (tmp_path / "09.ipynb.error").read_text(encoding="utf-8") if (tmp_path / "09.ipynb.error").exists() else ""
    nb = nbformat.read(dest, as_version=4)
    text = lambda c: "".join(o.get("text", "") or o.get("data", {}).get("text/plain", "") for o in c.outputs)
    assert f"LIBRARY {folder / 'lib' / 'chanlab' / '__init__.py'}" in text(nb.cells[-1])
    code = [c for c in nb.cells if c.cell_type == "code"]
    checks = [code[i + 1] for i, c in enumerate(code) if "exercise" in c.metadata.get("tags", [])]
    assert len(checks) == 3
    for c in checks:
        assert re.search(r"Exercise 09\.\d: not attempted yet", text(c)), text(c)
