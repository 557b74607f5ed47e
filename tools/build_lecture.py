"""Lectures: for each lecture of teaching/lectures.json, a reveal.js deck and a notebook to run live, and
the one-slide summary, in build/lecture/.

    python tools/build_lecture.py                 # every lecture, and the summary (make lecture)
    python tools/build_lecture.py lecture-45      # one lecture

A lecture is made of the sections it chooses, in its order, each as its notebook has it. Before the
first section from a notebook comes that notebook's set-up cell (its imports); `%load_ext chanlab` and
`%matplotlib inline` come once, first. The deck (<name>.slides.html) shows the outputs as committed and
carries each section's speaker notes (S opens them), with the minutes this lecture gives it, and follows
the slide rules of tools/build_slides.py (every slide fits 1280x720; tests/test_slides.py measures the
lecture decks too). The live
notebook (<name>.ipynb) has no outputs and no notes: run it top to bottom in front of the room. The
decks are built by build_slides.build and load nothing from the network.
"""
from __future__ import annotations

import argparse
import copy
import re
import sys
import tempfile
from pathlib import Path

import nbformat

import build_slides
import offline
import teaching

OUT = offline.ROOT / "build" / "lecture"
MAGICS = ("%load_ext chanlab", "%matplotlib inline")


def _cell(kind: str, source: str, slide_type: str = "-", cell_id: str = ""):
    new = nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell
    cell = new(source, metadata={"slideshow": {"slide_type": slide_type}})
    if cell_id:
        cell.id = cell_id
    return cell


def _agenda(lec: teaching.Lecture) -> str:
    rows = "\n".join(f"| {c.heading} | {c.notebook} | {c.minutes} |" for c in lec.chosen)
    return (f"# {lec.title}\n\n| section | notebook | minutes |\n|---|---|---|\n{rows}\n"
            f"| **in all** | | **{sum(c.minutes for c in lec.chosen)}** |")


def _relink(source: str, prefix: str) -> str:
    """Links to a notebook of the series (``03-x.ipynb``) made to work from build/lecture/."""
    return re.sub(r"\]\(([0-9][0-9a-z]*-[\w-]+\.ipynb)", lambda m: f"]({prefix}{m.group(1)}", source)


def lecture_notebook(name: str, live: bool = True, notes: bool = True):
    """The lecture ``name`` as one notebook: its agenda, then the chosen sections with the set-up
    cells they need. ``live``: no outputs and no notes (to run); else with the outputs (for a deck),
    and each section's notes after its heading cell if ``notes``."""
    lec = teaching.lecture(name)
    first = nbformat.read(teaching.notebook_path(lec.chosen[0].notebook), as_version=4)
    nb = nbformat.v4.new_notebook(metadata={k: copy.deepcopy(first.metadata[k])
                                            for k in ("kernelspec", "language_info") if k in first.metadata})
    nb.metadata["name"] = name
    nb.cells = [_cell("markdown", _agenda(lec), "slide", f"{name}-agenda"),
                _cell("code", "\n".join(MAGICS), "skip", f"{name}-magics")]
    setup_done, setup_ids = set(), set()
    for chosen in lec.chosen:
        source = nbformat.read(teaching.notebook_path(chosen.notebook), as_version=4)
        if chosen.notebook not in setup_done:
            setup_done.add(chosen.notebook)
            setup = teaching.setup_cell(source)
            if setup is not None:
                setup_ids.add(setup.get("id"))
                lines = [ln for ln in setup.source.splitlines() if ln.strip() not in MAGICS]
                cell = _cell("code", "\n".join(lines).strip("\n"), "skip", f"{chosen.notebook}-setup")
                cell.metadata["tags"] = ["setup"]
                nb.cells.append(cell)
        section = next(s for s in teaching.sections(source) if s.heading == chosen.heading)
        for i, original in enumerate(section.cells):
            if original.cell_type == "code" and original.get("id") in setup_ids:
                continue                         # already placed, as the notebook's set-up cell
            cell = copy.deepcopy(original)
            cell.id = f"{chosen.notebook}-{original.get('id', i)}"[:64]
            if live and cell.cell_type == "markdown":
                cell.source = _relink(cell.source, "../../notebooks/")
            if live and cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
            nb.cells.append(cell)
            if i == 0 and notes and not live:
                notes = f"*{chosen.notebook}*\n\n{chosen.notes}"
                nb.cells.append(_cell("markdown", notes, "notes", f"{cell.id}-notes"[:64]))
    nbformat.validate(nb)
    return nb


def summary_notebook():
    """The one-slide summary, teaching/summary.md, as a notebook of one slide."""
    nb = nbformat.v4.new_notebook(metadata={"name": "summary"})
    text = (teaching.TEACHING / "summary.md").read_text(encoding="utf-8")
    nb.cells = [_cell("markdown", text.strip(), "slide", "summary")]
    return nb


def build(out: Path = OUT, names=None) -> list[Path]:
    """Write each lecture's live notebook and deck, the summary deck and index.html into ``out``;
    return the files written. The decks are build_slides.build's, from notebooks named after the
    lectures, so its speaker notes come from teaching.speaker_notes("lecture-90"), which gives the
    lecture's sections with their minutes in this lecture."""
    names = list(names or teaching.lectures())
    out.mkdir(parents=True, exist_ok=True)
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        sources = []
        for name in names:
            live = out / f"{name}.ipynb"
            nbformat.write(lecture_notebook(name, live=True), live)
            written.append(live)
            sources.append(Path(tmp) / f"{name}.ipynb")
            # no notes cells here: build_slides.deck adds each section's notes (with this lecture's minutes)
            nbformat.write(lecture_notebook(name, live=False, notes=False), sources[-1])
        sources.append(Path(tmp) / "summary.ipynb")
        nbformat.write(summary_notebook(), sources[-1])
        decks = build_slides.build(out, sources, solutions=False)
    for deck in decks:   # links to a notebook's deck point to build/slides/
        deck.write_text(re.sub(r'href="(?!\.\./)([0-9][0-9a-z]*-[\w-]+\.slides\.html)', r'href="../slides/\1',
                               deck.read_text(encoding="utf-8")), encoding="utf-8")
    rows = [(d.name, d.name.removesuffix(".slides.html"), title) for d, title in
            zip(decks, [teaching.lecture(n).title for n in names] + ["Go's concurrency in Python, on one slide"])]
    rows += [(f"{n}.ipynb", f"{n}.ipynb", "the notebook to run live") for n in names]
    (out / "index.html").write_text(offline.index_page(
        "chanlab: the lectures", "The lectures of teaching/lectures.json (S opens the speaker notes), the "
        "notebooks to run live beside them, and the one-slide summary.", rows), encoding="utf-8")
    return written + decks


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("lectures", nargs="*", help="names from teaching/lectures.json (default: all)")
    args = p.parse_args(argv)
    build(args.out, args.lectures)
    if offline.main([str(args.out)]):
        sys.exit("some lecture decks would load something from the network")


if __name__ == "__main__":
    main(sys.argv[1:])
