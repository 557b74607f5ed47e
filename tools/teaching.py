"""The teacher's material in teaching/, read as data: the sections of a notebook, their speaker notes,
the per-notebook course page, the exam questions, and the lectures of teaching/lectures.json.

    speaker_notes("04-publisher-and-drops")   # {heading: notes markdown}, one per section
    sections(nb)                              # the notebook's sections: its # title, then each ## heading
    lecture("lecture-45")                     # a Lecture: title, minutes, the chosen sections
    speaker_notes("04-publisher-and-drops", lang="zh_CN")   # the same, in Chinese (keys stay English)
    python tools/teaching.py update | status  # translations/zh_CN/teaching/*.po, merged as msgmerge does
    python tools/teaching.py check            # fails on a missing, stale or broken translation

A *section* starts at the notebook's ``#`` title or at a ``##`` heading (``###`` stays inside its
section); headings inside fenced code blocks do not count. A speaker-notes file has one ``## <heading>``
per section, where <heading> is the notebook heading's text without its ``#``s. build_slides.py puts
each section's notes into the ``<aside class="notes">`` of its slide; build_lecture.py builds the
lectures from the manifest. Nothing in teaching/ goes into the student copies or the student bundle.

Translations: every loader takes ``lang`` (default ``"en"``, the English source). The translation of
teaching/<path>.md is translations/<lang>/teaching/<path>.po, in the notebooks' format (tools/i18n.py:
one entry per markdown block, fenced code never extracted, a changed block turns ``fuzzy``); the
lecture titles of lectures.json are translations/<lang>/teaching/lectures.po. A missing or fuzzy block
reads in English. The keys stay English (a section's heading, a notebook's stem), so the deck builder
matches slides in every language; only the values are translated. The notes' labels per language are
:data:`LABELS`.
"""
from __future__ import annotations

import copy
import json
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

import nbformat
import polib

import i18n

__all__ = ["ROOT", "TEACHING", "Section", "Chosen", "Lecture", "headings", "sections", "split_blocks",
           "speaker_notes", "minutes", "course", "questions", "lectures", "lecture", "setup_cell",
           "notebook_path", "note_problems", "ENGLISH", "LABELS", "sources", "translation_path",
           "update_translations", "translation_status", "translation_problems", "document"]

ROOT = Path(__file__).resolve().parent.parent
TEACHING = ROOT / "teaching"
_HEADING = re.compile(r"^(#{1,2}) (\S.*?)\s*$")
ENGLISH = "en"
LABELS = {  # the bold labels of the notes, the course page and the questions, per language
    ENGLISH: {"say": "**Say.**", "ask": "**Ask.**", "run": "**Run.**", "minutes": "**Minutes:**",
              "answer": "**Answer.**",
              "lecture minutes": "**Minutes:** {n} in this lecture ({full} in the full course)"},
    "zh_CN": {"say": "**讲解：**", "ask": "**提问：**", "run": "**演示：**", "minutes": "**时长（分钟）：**",
              "answer": "**参考答案：**",
              "lecture minutes": "**时长（分钟）：** 本讲 {n}（完整课程中 {full}）"},
}
_MINUTES = re.compile("^(?:" + "|".join(re.escape(v["minutes"]) for v in LABELS.values()) + r")\s*(\d+)\s*$",
                      re.MULTILINE)


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


def sources() -> list[Path]:
    """The translated teacher material: teaching/*.md, teaching/notes/*.md and teaching/lectures.json."""
    return sorted(TEACHING.glob("*.md")) + sorted((TEACHING / "notes").glob("*.md")) + [TEACHING / "lectures.json"]


def translation_path(source: Path, lang: str) -> Path:
    """translations/<lang>/teaching/<source relative to teaching/, .md or .json replaced by .po>."""
    return i18n.TRANSLATIONS / lang / "teaching" / Path(source).relative_to(TEACHING).with_suffix(".po")


def _strings(source: Path) -> list[tuple[str, str]]:
    """``(msgid, where)`` of a source: its markdown blocks, or the lecture titles of lectures.json."""
    if source.suffix == ".json":
        return [(spec["title"], name) for name, spec in _manifest(source).items()]
    return i18n.markdown_strings(source)


def update_translations(lang: str) -> None:
    """Merge every source's current strings into its ``.po`` file (tools/i18n.py's msgmerge)."""
    for source in sources():
        i18n.merge(lang, _strings(source), translation_path(source, lang), str(source.relative_to(TEACHING)))


def translation_status(lang: str) -> dict[str, dict[str, int]]:
    """{source relative to teaching/: {"strings", "translated", "missing", "fuzzy"}}."""
    found = {}
    for source in sources():
        table = _catalogue(source, lang, usable_only=False)
        counts = {"strings": 0, "translated": 0, "missing": 0, "fuzzy": 0}
        for msgid in dict.fromkeys(m for m, _ in _strings(source)):
            entry = table.get(msgid)
            state = "missing" if entry is None or not entry.msgstr else "fuzzy" if "fuzzy" in entry.flags else "translated"
            counts["strings"] += 1
            counts[state] += 1
        found[str(source.relative_to(TEACHING))] = counts
    return found


_CODE = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_LINK = re.compile(r"\]\(\s*<?([^)\s>]+)")


def translation_problems(lang: str) -> list[str]:
    """What is wrong with the translations: a block missing or fuzzy, or a
    translation that lost an inline code span, a link target or a label of its English block."""
    found = []
    for source in sources():
        name = str(source.relative_to(TEACHING))
        table = _catalogue(source, lang, usable_only=False)
        for msgid in dict.fromkeys(m for m, _ in _strings(source)):
            entry = table.get(msgid)
            if entry is None or not entry.msgstr or "fuzzy" in entry.flags:
                found.append(f"{name}: {'fuzzy' if entry and entry.msgstr else 'missing'}: {msgid[:60]!r}")
                continue
            for what, pattern in (("inline code", _CODE), ("link targets", _LINK)):
                english = sorted(m.group(0) for m in pattern.finditer(msgid))
                if english != sorted(m.group(0) for m in pattern.finditer(entry.msgstr)):
                    found.append(f"{name}: {what} differ: {msgid[:60]!r}")
            for key, label in LABELS[ENGLISH].items():
                if label in msgid and LABELS[lang][key] not in entry.msgstr:
                    found.append(f"{name}: {LABELS[lang][key]!r} missing: {msgid[:60]!r}")
    return found


def _catalogue(source: Path, lang: str, usable_only: bool = True) -> dict:
    """The entries of a source's ``.po`` file by msgid (only translated, non-fuzzy ones: their msgstr)."""
    target = translation_path(source, lang)
    entries = [e for e in polib.pofile(str(target)) if not e.obsolete] if target.exists() else []
    if not usable_only:
        return {e.msgid: e for e in entries}
    return {e.msgid: e.msgstr for e in entries if e.msgstr and "fuzzy" not in e.flags}


def _translate(markdown: str, table: dict[str, str]) -> str:
    """``markdown`` with each block replaced by its translation (an untranslated block stays English)."""
    return "\n\n".join(table.get(b, b) if ok else b for b, ok in i18n.blocks(markdown)) + "\n"


def document(name: str, lang: str = ENGLISH) -> str:
    """A teacher document, teaching/<name> (``summary.md``, ``notes/01-two-styles.md``), in ``lang``."""
    source = TEACHING / name
    english = source.read_text(encoding="utf-8")
    return english if lang == ENGLISH else _translate(english, _catalogue(source, lang))


def _sections(name: str, lang: str) -> dict[str, str]:
    """teaching/<name> cut at its ``##`` headings: {English heading: the text under it, in ``lang``}."""
    source = TEACHING / name
    found = split_blocks(source.read_text(encoding="utf-8"))
    if lang == ENGLISH:
        return found
    table = _catalogue(source, lang)
    return {heading: _translate(body, table) for heading, body in found.items()}


def speaker_notes(notebook_stem: str, lang: str = ENGLISH) -> dict[str, str]:
    """The speaker notes of a notebook, {section heading: notes markdown}, from
    teaching/notes/<notebook_stem>.md; for a lecture of teaching/lectures.json (``lecture-90``), the
    notes of its chosen sections. ``{}`` when there are none (a deck that has no notes). In another
    ``lang`` the notes are translated; the keys stay the notebook's English headings."""
    if notebook_stem in lectures():
        return {c.heading: c.notes for c in lecture(notebook_stem, lang).chosen}
    if not (TEACHING / "notes" / f"{notebook_stem}.md").exists():
        return {}
    return _sections(f"notes/{notebook_stem}.md", lang)


def minutes(notes: str) -> int:
    """The minutes a section's notes give (their ``**Minutes:** N`` line)."""
    found = _MINUTES.findall(notes)
    if len(found) != 1:
        raise ValueError(f"notes need exactly one '**Minutes:** N' line, found {len(found)}")
    return int(found[0])


def course(lang: str = ENGLISH) -> dict[str, str]:
    """teaching/course.md, one block per notebook (keyed by its stem): objectives, prerequisites, timing."""
    return _sections("course.md", lang)


def questions(lang: str = ENGLISH) -> dict[str, list[tuple[str, str]]]:
    """teaching/questions.md: {notebook: [(question, model answer), ...]}; a question is a ``###``
    heading and the paragraph after it, the answer starts with ``**Answer.**`` (``LABELS[lang]``)."""
    found = {}
    for stem, block in _sections("questions.md", lang).items():
        pairs = []
        for part in re.split(r"^### ", block, flags=re.MULTILINE)[1:]:
            question, _, answer = part.partition(LABELS[lang]["answer"])
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


def _manifest(path: Path) -> dict[str, dict]:
    return json.loads(path.read_text(encoding="utf-8"))["lectures"]


def lectures(lang: str = ENGLISH) -> dict[str, dict]:
    """The manifest, teaching/lectures.json: {name: {"title", "minutes", "sections": [...]}}, the titles
    in ``lang`` (the headings stay English: they name the notebooks' sections)."""
    found = _manifest(TEACHING / "lectures.json")
    if lang != ENGLISH:
        table = _catalogue(TEACHING / "lectures.json", lang)
        for spec in found.values():
            spec["title"] = table.get(spec["title"], spec["title"])
    return found


def lecture(name: str, lang: str = ENGLISH) -> Lecture:
    """One lecture of the manifest, each chosen section checked against its notebook."""
    spec = lectures(lang)[name]
    chosen = []
    for item in spec["sections"]:
        notes = speaker_notes(item["notebook"], lang)
        if item["heading"] not in notes:
            raise KeyError(f"{name}: {item['notebook']} has no section {item['heading']!r} with notes")
        text = notes[item["heading"]]
        line = LABELS[lang]["lecture minutes"].format(n=item["minutes"], full=minutes(text))
        text = _MINUTES.sub(lambda _: line, text)
        chosen.append(Chosen(item["notebook"], item["heading"], item["minutes"], text))
    return Lecture(name, spec["title"], spec["minutes"], chosen)


def setup_cell(nb):
    """The notebook's set-up cell: its first code cell that loads the magic or imports names."""
    for cell in nb.cells:
        if cell.cell_type == "code" and re.search(r"^(%load_ext|import |from \S+ import )", cell.source,
                                                  re.MULTILINE):
            return cell
    return None


def note_problems(nb_or_stem, notes: dict[str, str] | None = None, lang: str = ENGLISH) -> list[str]:
    """What is wrong between a notebook's sections and its speaker notes (``notes``, or the file):
    a section without notes, notes for a heading the notebook does not have, sections out of order,
    notes without their four parts. Empty when they match."""
    nb, stem = _read(nb_or_stem)
    notes = speaker_notes(stem, lang) if notes is None else notes
    heads = [s.heading for s in sections(nb)]
    found = [f"{stem}: section {h!r} has no notes" for h in heads if h not in notes]
    found += [f"{stem}: notes for {h!r}, which is no heading of the notebook" for h in notes if h not in heads]
    if not found and list(notes) != heads:
        found.append(f"{stem}: the notes are not in the notebook's order")
    for heading, text in notes.items():
        missing = [LABELS[lang][p] for p in ("say", "ask", "run") if LABELS[lang][p] not in text]
        if missing:
            found.append(f"{stem}: notes for {heading!r} lack {', '.join(missing)}")
        try:
            minutes(text)
        except ValueError as err:
            found.append(f"{stem}: notes for {heading!r}: {err}")
    return found


def main(argv=None) -> int:
    import argparse
    parser = argparse.ArgumentParser(description="The teacher material's translations.")
    parser.add_argument("command", choices=["update", "status", "check"])
    parser.add_argument("--lang", default="zh_CN", choices=sorted(i18n.LANGUAGES))
    args = parser.parse_args(argv)
    if args.command == "check":
        problems = translation_problems(args.lang)
        print("\n".join(problems) or f"{args.lang}: every teaching block translated, nothing lost")
        return 1 if problems else 0
    if args.command == "update":
        update_translations(args.lang)
    for name, counts in translation_status(args.lang).items():
        print(f"{name:<42} " + "  ".join(f"{k} {v:4d}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
