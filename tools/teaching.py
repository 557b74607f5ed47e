"""The teacher's material in teaching/, read as data: the sections of a notebook, their speaker notes,
the per-notebook course page, the exam questions, and the lectures of teaching/lectures.json.

    speaker_notes("04-publisher-and-drops")   # {heading: notes markdown}, one per section
    sections(nb)                              # the notebook's sections: its # title, then each ## heading
    lecture("lecture-45")                     # a Lecture: title, minutes, the chosen sections

A *section* starts at the notebook's ``#`` title or at a ``##`` heading (``###`` stays inside its
section); headings inside fenced code blocks do not count. A speaker-notes file has one ``## <heading>``
per section, where <heading> is the notebook heading's text without its ``#``s. build_slides.py puts
each section's notes into the ``<aside class="notes">`` of its slide; build_lecture.py builds the
lectures from the manifest. Nothing in teaching/ goes into the student copies or the student bundle.
"""
from __future__ import annotations

import copy
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import nbformat

__all__ = ["ROOT", "TEACHING", "Section", "Chosen", "Lecture", "headings", "sections", "split_blocks",
           "speaker_notes", "minutes", "course", "questions", "lectures", "lecture", "setup_cell",
           "notebook_path", "note_problems"]

ROOT = Path(__file__).resolve().parent.parent
TEACHING = ROOT / "teaching"
_HEADING = re.compile(r"^(#{1,2}) (\S.*?)\s*$")
_MINUTES = re.compile(r"^\*\*Minutes:\*\*\s*(\d+)\s*$", re.MULTILINE)


def _lines_outside_fences(text: str):
    """(line number, line) of ``text``, leaving out fenced code blocks (``` or ~~~)."""
    fence = None
    for i, line in enumerate(text.splitlines()):
        stripped = line.lstrip()
        if fence:
            if stripped.startswith(fence):
                fence = None
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        yield i, line


def headings(text: str, level: int = 2) -> list[tuple[int, str]]:
    """(line number, text) of each heading of ``level`` or less (``#``, ``##``) in markdown ``text``."""
    found = []
    for i, line in _lines_outside_fences(text):
        m = _HEADING.match(line)
        if m and len(m.group(1)) <= level:
            found.append((i, m.group(2)))
    return found


@dataclass
class Section:
    """One section of a notebook: its heading and its cells (a markdown cell that holds the end of
    one section and the start of the next is split at the heading line)."""
    notebook: str
    heading: str
    cells: list


def notebook_path(stem: str) -> Path:
    """notebooks/<stem>.ipynb."""
    return ROOT / "notebooks" / f"{stem}.ipynb"


def _read(nb_or_stem):
    """(notebook, stem) from a stem, a path, or a notebook already read (its metadata ``name``)."""
    if isinstance(nb_or_stem, (str, Path)):
        path = Path(nb_or_stem) if str(nb_or_stem).endswith(".ipynb") else notebook_path(str(nb_or_stem))
        return nbformat.read(path, as_version=4), path.stem
    return nb_or_stem, nb_or_stem.metadata.get("name", "")


def sections(nb_or_stem) -> list[Section]:
    """The notebook's sections, in order: its ``#`` title first, then one per ``##`` heading."""
    nb, stem = _read(nb_or_stem)
    found: list[Section] = []
    for cell in nb.cells:
        marks = headings(cell.source) if cell.cell_type == "markdown" else []
        if not marks:
            if found:
                found[-1].cells.append(cell)
            continue
        lines = cell.source.splitlines()
        cuts = [i for i, _ in marks] + [len(lines)]
        if cuts[0] > 0 and found:
            found[-1].cells.append(_part(cell, "\n".join(lines[:cuts[0]]), keep_id=True))
        for (start, heading), end in zip(marks, cuts[1:]):
            part = cell if len(marks) == 1 and start == 0 else _part(cell, "\n".join(lines[start:end]),
                                                                      keep_id=start == 0)
            found.append(Section(stem, heading, [part]))
    return found


def _part(cell, source: str, keep_id: bool):
    """A copy of markdown ``cell`` holding only ``source`` (a new id unless ``keep_id``)."""
    part = copy.deepcopy(cell)
    part.source = source.strip("\n")
    if not keep_id and "id" in part:
        part.id = f"{cell.id}-{zlib.crc32(source.encode()):08x}"[:64]
    return part


def split_blocks(text: str, level: int = 2) -> dict[str, str]:
    """A markdown document cut at its ``##`` headings: {heading: the text under it}. A heading that
    occurs twice is an error (the notes could not say which section they belong to)."""
    lines = text.splitlines()
    marks = [(i, h) for i, h in headings(text, level) if _HEADING.match(lines[i]).group(1) == "#" * level]
    blocks: dict[str, str] = {}
    for (start, heading), (end, _) in zip(marks, marks[1:] + [(len(lines), "")]):
        if heading in blocks:
            raise ValueError(f"heading {heading!r} occurs twice")
        blocks[heading] = "\n".join(lines[start + 1:end]).strip() + "\n"
    return blocks


def speaker_notes(notebook_stem: str) -> dict[str, str]:
    """The speaker notes of a notebook, {section heading: notes markdown}, from
    teaching/notes/<notebook_stem>.md; for a lecture of teaching/lectures.json (``lecture-90``), the
    notes of its chosen sections. ``{}`` when there are none (a deck that has no notes)."""
    if notebook_stem in lectures():
        return {c.heading: c.notes for c in lecture(notebook_stem).chosen}
    path = TEACHING / "notes" / f"{notebook_stem}.md"
    return split_blocks(path.read_text(encoding="utf-8")) if path.exists() else {}


def minutes(notes: str) -> int:
    """The minutes a section's notes give (their ``**Minutes:** N`` line)."""
    found = _MINUTES.findall(notes)
    if len(found) != 1:
        raise ValueError(f"notes need exactly one '**Minutes:** N' line, found {len(found)}")
    return int(found[0])


def course() -> dict[str, str]:
    """teaching/course.md, one block per notebook: objectives, prerequisites and timing."""
    return split_blocks((TEACHING / "course.md").read_text(encoding="utf-8"))


def questions() -> dict[str, list[tuple[str, str]]]:
    """teaching/questions.md: {notebook: [(question, model answer), ...]}; a question is a ``###``
    heading and the paragraph after it, the answer starts with ``**Answer.**``."""
    found = {}
    for stem, block in split_blocks((TEACHING / "questions.md").read_text(encoding="utf-8")).items():
        pairs = []
        for part in re.split(r"^### ", block, flags=re.MULTILINE)[1:]:
            question, _, answer = part.partition("**Answer.**")
            pairs.append((question.strip(), answer.strip()))
        found[stem] = pairs
    return found


@dataclass
class Chosen:
    """A section a lecture uses, with the minutes the lecture gives it and its speaker notes."""
    notebook: str
    heading: str
    minutes: int
    notes: str


@dataclass
class Lecture:
    """A lecture of the manifest: its name (``lecture-90``), title, minutes and chosen sections."""
    name: str
    title: str
    minutes: int
    chosen: list[Chosen]

    def notebooks(self) -> list[str]:
        """The notebooks it draws on, in the order it first uses them."""
        return list(dict.fromkeys(c.notebook for c in self.chosen))


def lectures() -> dict[str, dict]:
    """The manifest, teaching/lectures.json: {name: {"title", "minutes", "sections": [...]}}."""
    return json.loads((TEACHING / "lectures.json").read_text(encoding="utf-8"))["lectures"]


def lecture(name: str) -> Lecture:
    """One lecture of the manifest, each chosen section checked against its notebook."""
    spec = lectures()[name]
    chosen = []
    for item in spec["sections"]:
        notes = speaker_notes(item["notebook"])
        if item["heading"] not in notes:
            raise KeyError(f"{name}: {item['notebook']} has no section {item['heading']!r} with notes")
        text = notes[item["heading"]]
        text = _MINUTES.sub(f"**Minutes:** {item['minutes']} in this lecture ({minutes(text)} in the "
                            f"full course)", text)
        chosen.append(Chosen(item["notebook"], item["heading"], item["minutes"], text))
    return Lecture(name, spec["title"], spec["minutes"], chosen)


def setup_cell(nb):
    """The notebook's set-up cell: its first code cell that loads the magic or imports names."""
    for cell in nb.cells:
        if cell.cell_type == "code" and re.search(r"^(%load_ext|import |from \S+ import )", cell.source,
                                                  re.MULTILINE):
            return cell
    return None


def note_problems(nb_or_stem, notes: dict[str, str] | None = None) -> list[str]:
    """What is wrong between a notebook's sections and its speaker notes (``notes``, or the file):
    a section without notes, notes for a heading the notebook does not have, sections out of order,
    notes without their four parts. Empty when they match."""
    nb, stem = _read(nb_or_stem)
    notes = speaker_notes(stem) if notes is None else notes
    heads = [s.heading for s in sections(nb)]
    found = [f"{stem}: section {h!r} has no notes" for h in heads if h not in notes]
    found += [f"{stem}: notes for {h!r}, which is no heading of the notebook" for h in notes if h not in heads]
    if not found and list(notes) != heads:
        found.append(f"{stem}: the notes are not in the notebook's order")
    for heading, text in notes.items():
        missing = [part for part in ("**Say.**", "**Ask.**", "**Run.**") if part not in text]
        if missing:
            found.append(f"{stem}: notes for {heading!r} lack {', '.join(missing)}")
        try:
            minutes(text)
        except ValueError as err:
            found.append(f"{stem}: notes for {heading!r}: {err}")
    return found
