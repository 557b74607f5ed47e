"""Execute notebooks in place, top to bottom in a fresh kernel, as they must be committed.

    python tools/run_notebooks.py                      # every notebooks/NN-*.ipynb
    python tools/run_notebooks.py notebooks/03-*.ipynb

Removes the per-cell execution timestamps that Jupyter records, so that a re-run changes a
notebook's file only where its outputs changed.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def run(path):
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
    nbformat.write(nb, path)


def main(args):
    paths = [Path(a) for a in args] or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    for path in paths:
        t0 = time.perf_counter()
        run(path)
        print(f"{path.name}: {time.perf_counter() - t0:.1f} s", flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
