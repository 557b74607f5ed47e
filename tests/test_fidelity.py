"""Go beside Python: every Go listing runs, and its translations print what it prints.

The conventions are in notebooks/AUTHORING.md: a Go cell (``%%go``) tagged ``go:NAME`` is paired
with the cells tagged ``py:NAME``, ``aio:NAME`` and ``std:NAME``; a ``same:...`` tag on the Go cell
says how their output is compared. The pairs are compared on fresh runs, never on the committed
outputs, so that a nondeterministic pair is put to a new run each time: ``make test`` runs this file in
the same pytest session as nbval, after it, and reuses the outputs of nbval's run of each notebook (a
run with the tools present, from the top in a fresh kernel, which is what this check needs); run alone,
or where nbval did not run every code cell of a notebook, it executes the notebook itself.
"""
import functools
import subprocess
from collections import Counter
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from chanlab.envcheck import find_tool, go_env
from chanlab.gorun import run_go

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
MODES = ("exact", "sorted", "count", "no")
GO_STATUS = ("build failed", "exit status", "killed after")


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _is_go(cell):
    return cell.cell_type == "code" and cell.source.lstrip().startswith("%%go")


def _stream(cell, name):
    return "".join(o.get("text", "") for o in cell.get("outputs", [])
                   if o.get("output_type") == "stream" and o.get("name") == name)


def _go_status(cell):
    """How a Go cell ended, as the magic reports it: 'ok', 'build failed', 'exit status 2', ..."""
    lines = _stream(cell, "stderr").strip().splitlines()
    last = lines[-1] if lines else ""
    return last if last.startswith(GO_STATUS) else "ok"


def _from_nbval(session, path):
    """The notebook with the outputs of nbval's run of it in this session, or None if nbval did not run
    every one of its code cells (not in this session, deselected, skipped, or stopped by a timeout)."""
    cells = [item for item in session.items
             if type(item).__name__ == "IPyNbCell" and Path(str(item.parent.fspath)) == path]
    nb = nbformat.read(path, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    if not cells or len(cells) != len(code) or any(item.test_outputs is None for item in cells) \
            or getattr(cells[0].parent, "timed_out", False):
        return None
    for item in cells:
        code[item.cell_num].outputs = [nbformat.from_dict(o) for o in item.test_outputs]
    return nb


@functools.lru_cache(maxsize=None)
def _execute(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    return nb


@pytest.fixture(scope="session")
def executed(request):
    """executed(path): the notebook with the outputs of a fresh run (nbval's, or one made here)."""
    cache = {}

    def get(path):
        if path not in cache:
            cache[path] = _from_nbval(request.session, path) or _execute(path)
        return cache[path]
    return get


def _pairs(nb):
    """{NAME: (go_cell_index, mode, {kind: [cell indexes]})} from the cell tags."""
    found = {}
    for i, cell in enumerate(nb.cells):
        for tag in _tags(cell):
            kind, _, name = tag.partition(":")
            if kind in ("go", "py", "aio", "std") and name:
                entry = found.setdefault(name, {"go": [], "py": [], "aio": [], "std": [], "mode": "exact"})
                entry[kind].append(i)
                modes = [t.split(":", 1)[1] for t in _tags(cell) if t.startswith("same:")]
                if kind == "go" and modes:
                    entry["mode"] = modes[0]
    return found


def _all_pairs():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        for name, entry in _pairs(nb).items():
            yield pytest.param(path, name, entry, id=f"{path.stem}:{name}")


def _go_cells():
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        if any(_is_go(c) for c in nb.cells):
            yield pytest.param(path, id=path.stem)


@pytest.mark.parametrize("path, name, entry", list(_all_pairs()))
def test_translation_prints_what_go_prints(path, name, entry, executed):
    assert len(entry["go"]) == 1, f"{name}: exactly one Go cell must be tagged go:{name}"
    assert entry["mode"] in MODES, f"{name}: unknown comparison same:{entry['mode']}; use one of {MODES}"
    translations = entry["py"] + entry["aio"] + entry["std"]
    assert translations, f"{name}: a Go cell with no translation tagged py:/aio:/std:{name}"
    nb = executed(path)
    go_cell = nb.cells[entry["go"][0]]
    assert _is_go(go_cell), f"{name}: the cell tagged go:{name} is not a %%go cell"
    go_out = _stream(go_cell, "stdout")
    assert go_out, f"{name}: the Go program printed nothing"
    if entry["mode"] == "no":
        return
    for i in translations:
        py_out = _stream(nb.cells[i], "stdout")
        if entry["mode"] == "exact":
            assert py_out == go_out, f"{name}: cell {i} prints differently from Go"
            continue
        # A program whose output depends on scheduling (same:sorted, same:count) may, in a rare run,
        # lose a start-up race that it normally wins. Then run the Go program again, up to 3 times:
        # what must hold is that the two agree on the run that the program normally makes.
        for attempt in range(4):
            if _agree(entry["mode"], py_out, go_out):
                break
            go_out = run_go(go_cell.source.split("\n", 1)[1]).stdout
        assert _agree(entry["mode"], py_out, go_out), f"{name}: cell {i} prints differently from Go"


def _agree(mode, a, b):
    if mode == "sorted":
        return Counter(a.splitlines()) == Counter(b.splitlines())
    return len(a.splitlines()) == len(b.splitlines())


@pytest.mark.parametrize("path", list(_go_cells()))
def test_go_cells_succeed_or_fail_as_committed(path, executed):
    committed = nbformat.read(path, as_version=4)
    fresh = executed(path)
    for i, (old, new) in enumerate(zip(committed.cells, fresh.cells)):
        if _is_go(old):
            assert _go_status(new) == _go_status(old), f"{path.name} cell {i}: {_stream(new, 'stderr')}"


def test_every_go_file_in_the_repo_builds(tmp_path):
    go = find_tool("go")
    # not inside a virtual environment (.venv, or .venv313 made by `make VENV=.venv313 test`), which holds Go's own tree
    files = sorted(p for p in ROOT.rglob("*.go") if not any(part.startswith(".venv") for part in p.parts))
    assert files
    for f in files:
        out = subprocess.run([go, "vet", str(f)], capture_output=True, text=True, env=go_env(), cwd=tmp_path,
                             timeout=300)
        assert out.returncode == 0, f"{f.relative_to(ROOT)}: {out.stderr}"
