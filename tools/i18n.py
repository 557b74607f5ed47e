"""The translated editions, from one source: the English notebooks plus one gettext ``.po`` file per notebook.

    python tools/i18n.py update            # (re)extract every notebook's words into translations/zh_CN/*.po
    python tools/i18n.py status            # per notebook: strings, translated, missing, fuzzy (stale)

The unit of translation is a *block* of a markdown cell: the text between blank lines (a paragraph, a
heading, a list item, a table). A fenced code block (```go ... ```) is kept as it is and never extracted,
so code reads the same in every edition. The English block is the ``msgid``; its translation the
``msgstr``. When an English block changes, ``update`` keeps the old translation as a draft of the new
block, marked ``fuzzy`` (as gettext's ``msgmerge`` does): a fuzzy or empty entry is stale, and the
edition is not built from it.
"""
from __future__ import annotations

import argparse
import difflib
import re
import sys
from pathlib import Path

import nbformat
import polib

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
TRANSLATIONS = ROOT / "translations"
LANGUAGES = {"zh_CN": "Simplified Chinese"}
_FENCE = re.compile(r"^\s*(```|~~~)")


def blocks(source: str) -> list[tuple[str, bool]]:
    """Split a markdown cell into ``(text, translatable)`` blocks; blank lines separate blocks.

    A fenced code block is one untranslatable block, blank lines inside it included.
    """
    out, current, fenced = [], [], False
    def flush():
        if current:
            out.append(("\n".join(current), True))
            current.clear()
    lines = source.split("\n")
    i = 0
    while i < len(lines):
        line = lines[i]
        if _FENCE.match(line):
            flush()
            fence = [line]
            marker = _FENCE.match(line).group(1)
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(marker):
                fence.append(lines[i])
                i += 1
            if i < len(lines):
                fence.append(lines[i])
            out.append(("\n".join(fence), False))
        elif line.strip() == "":
            flush()
        else:
            current.append(line)
        i += 1
    flush()
    return out


def notebook_strings(path: Path) -> list[tuple[str, str]]:
    """``(msgid, cell id)`` for every translatable block of a notebook, in reading order."""
    nb = nbformat.read(path, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "markdown":
            continue
        for text, translatable in blocks(cell.source):
            if translatable:
                found.append((text, cell.get("id", str(index))))
    return found


def po_path(lang: str, name: str) -> Path:
    return TRANSLATIONS / lang / f"{Path(name).stem}.po"


def markdown_strings(path: Path) -> list[tuple[str, str]]:
    """``(msgid, where)`` for every translatable block of a markdown file (``where``: the block's number)."""
    found = blocks(path.read_text(encoding="utf-8"))
    return [(text, str(n)) for n, (text, translatable) in enumerate(found) if translatable]


def merge(lang: str, strings: list[tuple[str, str]], target: Path, name: str) -> polib.POFile:
    """Merge ``(msgid, where)`` strings into the ``.po`` file ``target``, as ``msgmerge`` does: a known
    msgid keeps its translation, a new one gets the translation of the most similar retired msgid as a
    ``fuzzy`` draft. ``name`` is the source file's name (the project id and the occurrences)."""
    old = polib.pofile(str(target)) if target.exists() else polib.POFile()
    known = {e.msgid: e for e in old if not e.obsolete}
    ids = {msgid for msgid, _ in strings}
    pool = [m for m in dict.fromkeys(e.msgid for e in old) if m not in ids]
    po = polib.POFile(wrapwidth=0)
    po.metadata = {"Project-Id-Version": f"chanlab {Path(name).stem}", "Language": lang,
                   "MIME-Version": "1.0", "Content-Type": "text/plain; charset=UTF-8",
                   "Content-Transfer-Encoding": "8bit"}
    for msgid, where in _first(strings):
        entry = known.get(msgid)
        new = polib.POEntry(msgid=msgid, msgstr=entry.msgstr if entry else "",
                            flags=list(entry.flags) if entry else [], tcomment=entry.tcomment if entry else "")
        close = [] if entry else difflib.get_close_matches(msgid, pool, n=1, cutoff=0.6)
        draft = next((e.msgstr for e in old if close and e.msgid == close[0]), "")
        if draft:
            new.msgstr, new.previous_msgid = draft, close[0]
            new.flags.append("fuzzy")
        new.occurrences = [(name, where)]
        po.append(new)
    target.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(target))
    return po


def _first(strings):
    """Each msgid once, with where it first occurs."""
    seen = {}
    for msgid, where in strings:
        seen.setdefault(msgid, where)
    return seen.items()


def update_markdown(lang: str, md_path: Path, target: Path) -> polib.POFile:
    """Merge a markdown file's current blocks into its ``.po`` file ``target`` (as :func:`update` does
    for a notebook)."""
    return merge(lang, markdown_strings(md_path), target, md_path.name)


def update(lang: str, path: Path) -> polib.POFile:
    """Merge a notebook's current blocks into its ``.po`` file, as ``msgmerge`` does."""
    target = po_path(lang, path.name)
    old = polib.pofile(str(target)) if target.exists() else polib.POFile()
    known = {e.msgid: e for e in old if not e.obsolete}
    retired = {e.msgid: e for e in old if e.obsolete or e.msgid not in known}
    po = polib.POFile(wrapwidth=0)
    po.metadata = {
        "Project-Id-Version": f"chanlab {path.stem}",
        "Language": lang,
        "MIME-Version": "1.0",
        "Content-Type": "text/plain; charset=UTF-8",
        "Content-Transfer-Encoding": "8bit",
    }
    seen = set()
    current = notebook_strings(path)
    ids = {msgid for msgid, _ in current}
    for msgid, where in current:
        if msgid in seen:
            continue
        seen.add(msgid)
        entry = known.get(msgid)
        if entry is not None:
            new = polib.POEntry(msgid=msgid, msgstr=entry.msgstr, flags=list(entry.flags),
                                tcomment=entry.tcomment)
        else:
            new = polib.POEntry(msgid=msgid, msgstr="")
            # the old translation of the most similar retired block, as a fuzzy draft
            pool = [m for m in list(known) + list(retired) if m not in ids]
            close = difflib.get_close_matches(msgid, pool, n=1, cutoff=0.6)
            if close:
                draft = (known.get(close[0]) or retired[close[0]]).msgstr
                if draft:
                    new.msgstr = draft
                    new.flags.append("fuzzy")
                    new.previous_msgid = close[0]
        new.occurrences = [(path.name, where)]
        po.append(new)
    target.parent.mkdir(parents=True, exist_ok=True)
    po.save(str(target))
    return po


def status(lang: str, path: Path) -> dict:
    target = po_path(lang, path.name)
    po = polib.pofile(str(target)) if target.exists() else polib.POFile()
    table = {e.msgid: e for e in po if not e.obsolete}
    counts = {"strings": 0, "translated": 0, "missing": 0, "fuzzy": 0}
    for msgid in dict.fromkeys(m for m, _ in notebook_strings(path)):
        counts["strings"] += 1
        entry = table.get(msgid)
        if entry is None or not entry.msgstr:
            counts["missing"] += 1
        elif "fuzzy" in entry.flags:
            counts["fuzzy"] += 1
        else:
            counts["translated"] += 1
    return counts


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["update", "status"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--lang", default="zh_CN", choices=sorted(LANGUAGES))
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    for path in paths:
        if args.command == "update":
            update(args.lang, path)
        counts = status(args.lang, path)
        print(f"{path.name:<38} " + "  ".join(f"{k} {v:4d}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
