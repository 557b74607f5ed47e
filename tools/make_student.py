"""Write the student copies of the notebooks: notebooks/student/NN-*.ipynb.

    python tools/make_student.py                 # every notebooks/NN-*.ipynb -> notebooks/student/
    python tools/make_student.py --out DIR       # somewhere else (the test compares with the committed copies)

In a student copy every cell tagged ``solution`` is replaced by a placeholder: the code in its
``"chanlab": {"stub": ...}`` metadata if there is one, else a comment asking for the learner's
answer; its tag becomes ``exercise``. Every output, execution count and saved widget state is cleared, links to files
outside the series point one folder up (links to notebooks lead to the sibling copies, never to a full
notebook), and a first cell says what the copy is. The result is
deterministic (the same input gives the same bytes), so re-running it is safe and a test can compare.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
OUT = NOTEBOOKS / "student"

PLACEHOLDER = "# Exercise: write your answer here, then run the check in the next cell."
NOTE = ("*Student copy.* The solutions are left out: each exercise has a cell for your answer "
        "(it starts with a stub: replace it by your own code) and a cell under it that checks it. Outputs "
        "are cleared: run the notebook from the top (Run > Run All Cells), then work through the exercises.")
# a markdown link to a file that is not a notebook of the series and not a URL or an anchor (a link
# that already climbs, ../x in the Chinese edition's notebooks/zh-CN/, climbs one level more)
_LINK = re.compile(r"\]\((?!https?://|#|mailto:)([^)\s]+)\)")


def _relink(text: str) -> str:
    """``[x](AUTHORING.md)`` -> ``[x](../AUTHORING.md)``; links to sibling notebooks stay (in the copies
    they lead to the sibling copies), and a link to a student copy (``student/01-x.ipynb``, as notebook
    00 sends learners there) becomes the sibling copy: a copy never links to a full notebook."""
    def fix(m):
        target = m.group(1)
        if re.fullmatch(r"[0-9][0-9a-z]*-[\w-]+\.ipynb(#.*)?", target):
            return m.group(0)
        if re.fullmatch(r"student/[0-9][0-9a-z]*-[\w-]+\.ipynb(#.*)?", target):
            return f"]({target[len('student/'):]})"
        return f"](../{target})"
    return _LINK.sub(fix, text)


def student_copy(nb):
    """Return the student copy of a notebook node (the input is not changed)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)  # the saved widget state belongs to the cleared outputs
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
            tags = cell.metadata.get("tags", [])
            if "solution" in tags:
                stub = cell.metadata.get("chanlab", {}).get("stub")
                cell.source = stub if stub else PLACEHOLDER
                cell.metadata["tags"] = ["exercise" if t == "solution" else t for t in tags]
            cell.metadata.pop("chanlab", None)
        elif cell.cell_type == "markdown":
            cell.source = _relink(cell.source)
    return nb


def is_placeholder(cell) -> bool:
    """A cell the learner is meant to fill (in a student copy)."""
    return cell.cell_type == "code" and "exercise" in cell.metadata.get("tags", [])


def build(out: Path = OUT, sources=None, note: str = NOTE) -> list[Path]:
    """Write a student copy of every ``notebooks/NN-*.ipynb`` (or of ``sources``) into ``out``; ``note``
    is the first cell's text (``{name}``: the notebook's file name), e.g. in the edition's language."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for src in sources or sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        nb = student_copy(nbformat.read(src, as_version=4))
        note_cell = nbformat.v4.new_markdown_cell(note.format(name=src.name),
                                             metadata={"slideshow": {"slide_type": "-"}})
        note_cell.id = "student-copy-note"
        nb.cells.insert(0, note_cell)
        dest = out / src.name
        text = nbformat.writes(nb)
        dest.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        written.append(dest)
    for stale in set(out.glob("*.ipynb")) - set(written):  # a notebook that was renamed or removed
        if sources is None:
            stale.unlink()
    return written


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT, help="folder for the copies (default: notebooks/student)")
    p.add_argument("notebooks", nargs="*", type=Path, help="default: every notebooks/NN-*.ipynb")
    args = p.parse_args(argv)
    for dest in build(args.out, args.notebooks or None):
        print(dest.relative_to(ROOT) if dest.is_relative_to(ROOT) else dest)


if __name__ == "__main__":
    main(sys.argv[1:])
