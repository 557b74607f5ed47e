"""The translated editions, from one source: the English notebooks plus one gettext ``.po`` file per notebook.

    python tools/i18n.py update            # (re)extract every notebook's words into translations/zh_CN/*.po
    python tools/i18n.py status            # per notebook: strings, translated, missing, fuzzy (stale)
    python tools/i18n.py check             # fails (exit 1) on a missing, stale or broken translation
    python tools/i18n.py build             # notebooks/zh-CN/NN-topic.ipynb from each notebook and its .po
    python tools/i18n.py build --execute   # ... and execute the twins whose code outputs are not current
    python tools/i18n.py student           # notebooks/zh-CN/student/ (tools/make_student.py on the twins)
    python tools/i18n.py library           # the library's and the notebooks' code cells' _() strings (babel), merge, compile .mo

The unit of translation is a *block* of a markdown cell: the text between blank lines (a paragraph, a
heading, a list item, a table). A fenced code block (```go ... ```) is kept as it is and never extracted,
so code reads the same in every edition. The English block is the ``msgid``; its translation the
``msgstr``. When an English block changes, ``update`` keeps the old translation as a draft of the new
block, marked ``fuzzy`` (as gettext's ``msgmerge`` does): a fuzzy or empty entry is stale, and the
edition is not built from it.

The build (:func:`build_notebook`) replaces every markdown block by its translation and shares the
code cells, their outputs' place and their metadata; the twin's first code cell gains one line,
:data:`LANGUAGE_LINE`, that tells the kernel its language (``chanlab.i18n``: the checkers' feedback and
the figures' words). Links are fixed for the deeper folder: a sibling notebook stays a sibling (its
twin), anything else gets ``../``, and an anchor to a heading (``#Heading-text``) points to the
translated heading's anchor. A notebook listed in ``translations/<lang>/DRAFTS.txt`` (its translation
is still being written) is built as a draft: a missing or stale block stays English under a visible
marker, and ``check`` reports it without failing; every other notebook must be complete. ``check``
also fails when a translated block lost something of its English block that code or navigation
depends on: an inline code span, a link target, a heading level, a table's column count.
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
EDITIONS = {"zh_CN": NOTEBOOKS / "zh-CN"}  # where each language's twins live
LANGUAGE_LINE = 'from chanlab.i18n import set_language; set_language("{lang}")'
MARKER = {"zh_CN": "> ⚠️ **未翻译** (this block is not translated yet; the English text follows)"}
STUDENT_NOTE = {"zh_CN": (
    "*学生版。* 参考答案已移除：每道练习都有一个供你作答的单元格（以占位代码开头：把它换成你自己的代码），"
    "其下的单元格负责检查。输出已清空：请先从头运行整个 notebook（Run > Run All Cells），再逐一完成练习。")}
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


def catalogue(lang: str, path: Path) -> dict[str, polib.POEntry]:
    """The ``.po`` entries of a notebook, by msgid (empty if it has no ``.po`` yet)."""
    target = po_path(lang, path.name)
    po = polib.pofile(str(target)) if target.exists() else polib.POFile()
    return {e.msgid: e for e in po if not e.obsolete}


def drafts(lang: str) -> set[str]:
    """The notebooks (stems) whose translation is still being written: ``translations/<lang>/DRAFTS.txt``."""
    listed = TRANSLATIONS / lang / "DRAFTS.txt"
    if not listed.exists():
        return set()
    return {line.split("#")[0].strip() for line in listed.read_text(encoding="utf-8").splitlines()} - {""}


def usable(entry: polib.POEntry | None) -> bool:
    """A translation the edition is built from: present and not fuzzy (stale)."""
    return entry is not None and bool(entry.msgstr) and "fuzzy" not in entry.flags


# --- what a translation must keep of its English block ----------------------------------------------
_CODE = re.compile(r"(`+)([\s\S]+?)\1")
_TARGET = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_HEADING = re.compile(r"^(#{1,6})\s")


def inline_code(text: str) -> list[str]:
    """The distinct inline code spans of a block (a span may wrap a line: its whitespace is one space)."""
    return sorted({" ".join(m.group(2).split()) for m in _CODE.finditer(text)})


def link_targets(text: str) -> list[str]:
    """The distinct link targets of a block (outside code spans)."""
    return sorted({m.group(1) for m in _TARGET.finditer(_CODE.sub("", text))})


def heading_level(text: str) -> int:
    m = _HEADING.match(text)
    return len(m.group(1)) if m else 0


def table_columns(text: str) -> list[int]:
    """The number of columns of each table row of a block (no table: [])."""
    rows = [line.strip() for line in text.splitlines() if line.strip().startswith("|")]
    return [len(re.split(r"(?<!\\)\|", _CODE.sub("code", row).strip("|"))) for row in rows]


def problems(msgid: str, msgstr: str) -> list[str]:
    """What the translation ``msgstr`` lost of the English ``msgid`` (empty: nothing)."""
    found = []
    for what, measure in (("inline code", inline_code), ("link targets", link_targets),
                          ("heading level", heading_level), ("table columns", table_columns)):
        en, tr = measure(msgid), measure(msgstr)
        if en != tr:
            found.append(f"{what}: English {en!r}, translation {tr!r}")
    return found


def check(lang: str, paths) -> list[str]:
    """Every problem of the translations of ``paths``, one line each naming notebook and block."""
    errors, draft = [], drafts(lang)
    for path in paths:
        table = catalogue(lang, path)
        incomplete = 0
        for msgid, cell in dict.fromkeys(notebook_strings(path)):
            entry, where = table.get(msgid), f"{path.name} cell {cell}: {msgid.splitlines()[0][:60]!r}"
            if entry is not None and entry.msgstr:
                errors += [f"{where}: {p}" for p in problems(msgid, entry.msgstr)]
            if not usable(entry):
                incomplete += 1
                if path.stem not in draft:
                    state = "stale (fuzzy)" if entry is not None and entry.msgstr else "missing"
                    errors.append(f"{where}: translation {state}")
        if path.stem in draft and not incomplete:
            errors.append(f"{path.name}: fully translated but still listed in "
                          f"translations/{lang}/DRAFTS.txt: remove it from there")
    return errors


# --- the build ---------------------------------------------------------------------------------------
def anchor(heading: str) -> str:
    """The anchor JupyterLab and nbconvert give a heading: its text, spaces as hyphens."""
    text = _HEADING.sub("", heading.strip()).strip()
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link shows its words
    text = re.sub(r"[`*]", "", text)
    return text.replace(" ", "-")


def anchors(lang: str, path: Path) -> dict[str, str]:
    """English heading anchor -> translated heading anchor, for one notebook."""
    table, out = catalogue(lang, path), {}
    for msgid, _ in notebook_strings(path):
        entry = table.get(msgid)
        if heading_level(msgid) and usable(entry):
            out[anchor(msgid)] = anchor(entry.msgstr)
    return out


def relink(text: str, own: dict[str, str], others) -> str:
    """Fix a translated block's links for the edition's folder (one level deeper): ``NN-x.ipynb`` stays
    (the twin), ``#A`` and ``NN-x.ipynb#A`` map to the translated heading, anything relative else gets
    ``../``. ``others(stem)`` gives another notebook's anchor map."""
    def fix(m):
        target = m.group(1)
        if re.match(r"[a-z][a-z0-9+.-]*:|/", target):  # https:, mailto:, attachment:, an absolute path
            return m.group(0)
        page, _, frag = target.partition("#")
        if re.fullmatch(r"[0-9][0-9a-z]*-[\w-]+\.ipynb", page) or page == "":
            table = own if page == "" else others(Path(page).stem)
            new = page + ("#" + table.get(frag, frag) if frag else "")
        else:
            new = "../" + target
        return m.group(0).replace(target, new, 1)
    return _TARGET.sub(fix, text)


def translate_cell(source: str, lang: str, table, own, others, draft: bool) -> tuple[str, list[str]]:
    """A markdown cell in ``lang``: each block replaced by its translation; returns (source, missing)."""
    out, missing = [], []
    for text, translatable in blocks(source):
        if not translatable:
            out.append(text)
            continue
        entry = table.get(text)
        if usable(entry):
            out.append(relink(entry.msgstr, own, others))
        else:
            missing.append(text)
            if draft:
                out.append(MARKER[lang])
            out.append(relink(text, own, others))
    return "\n\n".join(out), missing


def add_language_line(source: str, lang: str) -> str:
    """The first code cell with :data:`LANGUAGE_LINE` after its leading ``%`` magics."""
    lines = source.split("\n")
    at = 0
    while at < len(lines) and lines[at].startswith("%"):
        at += 1
    return "\n".join(lines[:at] + [LANGUAGE_LINE.format(lang=lang)] + lines[at:])


def _code_key(cell) -> tuple:
    return cell.get("id"), cell.source


def build_notebook(lang: str, path: Path, previous=None):
    """The ``lang`` twin of the notebook at ``path`` (a notebook node). Code cells keep their source
    (the first gains the language line), metadata and id; their outputs are those of ``previous``
    (the twin as committed) where the cell's source is unchanged, else empty (to be executed)."""
    nb = nbformat.read(path, as_version=4)
    table, draft = catalogue(lang, path), path.stem in drafts(lang)
    cache = {}
    def others(stem):
        if stem not in cache:
            cache[stem] = anchors(lang, NOTEBOOKS / f"{stem}.ipynb") if (NOTEBOOKS / f"{stem}.ipynb").exists() else {}
        return cache[stem]
    own = anchors(lang, path)
    kept = {_code_key(c): c for c in previous.cells if c.cell_type == "code"} if previous else {}
    missing, first = [], True
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source, lost = translate_cell(cell.source, lang, table, own, others, draft)
            missing += lost
        elif cell.cell_type == "code":
            if first:
                cell.source, first = add_language_line(cell.source, lang), False
            old = kept.get(_code_key(cell))
            cell.outputs = old.outputs if old is not None else []
            cell.execution_count = old.execution_count if old is not None else None
            if old is None:
                cell.metadata.pop("execution", None)
    if missing and not draft:
        raise ValueError(f"{path.name}: {len(missing)} block(s) not translated into {lang} "
                         f"(run `python tools/i18n.py check`), first: {missing[0][:60]!r}")
    nb.metadata["chanlab"] = {**nb.metadata.get("chanlab", {}), "language": lang, "source": path.name}
    if previous is not None and "widgets" in previous.metadata and not needs_execution(nb):
        nb.metadata["widgets"] = previous.metadata["widgets"]
    else:
        nb.metadata.pop("widgets", None)
    return nb


def needs_execution(nb) -> bool:
    """True when a code cell of a built twin has no outputs of its own yet (never executed)."""
    return any(c.cell_type == "code" and c.execution_count is None and c.source.strip() for c in nb.cells)


def twin_path(lang: str, path: Path) -> Path:
    return EDITIONS[lang] / path.name


def build(lang: str, paths, execute: bool = False) -> list[Path]:
    """Write the ``lang`` twin of every notebook in ``paths``; with ``execute``, run each twin that
    :func:`needs_execution` with tools/run_notebooks.py. Returns the twins written."""
    written = []
    for path in paths:
        dest = twin_path(lang, path)
        previous = nbformat.read(dest, as_version=4) if dest.exists() else None
        nb = build_notebook(lang, path, previous)
        dest.parent.mkdir(parents=True, exist_ok=True)
        text = nbformat.writes(nb)
        dest.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
        if execute and needs_execution(nb):
            import run_notebooks

            run_notebooks.run(dest)
        written.append(dest)
    return written


def sources_of(nb) -> list:
    """What of a notebook ``build`` decides (everything but outputs, execution counts and widget state):
    the test compares the committed twins with a fresh build by this."""
    return [(c.cell_type, c.get("id"), c.source, {k: v for k, v in c.metadata.items() if k != "execution"})
            for c in nb.cells]


def student(lang: str, paths) -> list[Path]:
    """The student copies of the twins, by tools/make_student.py, into ``<edition>/student/``."""
    import make_student

    return make_student.build(EDITIONS[lang] / "student", [twin_path(lang, p) for p in paths],
                              note=STUDENT_NOTE[lang])


# --- the library's words (chanlab.i18n) -------------------------------------------------------------
LIBRARY = ROOT / "lib" / "chanlab"
# what babel extracts: _("..."), N_("...") (marked, translated where used), and the description (an
# argument by position, 1-based) of chanlab.widgets.base's sliders and dropdowns
KEYWORDS = {"_": None, "N_": None, "int_slider": (4,), "float_slider": (5,), "dropdown": (3,)}


def library_po(lang: str) -> Path:
    return LIBRARY / "locale" / lang / "LC_MESSAGES" / "chanlab.po"


def library_template():
    """Every ``_("...")`` of lib/chanlab and of the notebooks' code cells (notebooks/[0-9]*.ipynb: the
    figures' words), extracted with babel (a catalogue without translations)."""
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    template = Catalog(project="chanlab", version="0.1.0", fuzzy=False)
    for filename, lineno, message, comments, _context in extract_from_dir(
            str(LIBRARY), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        template.add(message, None, [(f"chanlab/{filename}", lineno)], auto_comments=comments)
    for path in sorted(NOTEBOOKS.glob("[0-9]*.ipynb")):
        for message, cell_id, comments in notebook_code_strings(path):
            template.add(message, None, [(f"notebooks/{path.name}:{cell_id}", None)], auto_comments=comments)
    return template


def code_for_extraction(source: str) -> str:
    """A code cell's source as Python: IPython's line magics and shell escapes (``%...``, ``!...``)
    become blank lines, so the tokenizer reads the rest (and line numbers stay)."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def notebook_code_strings(path: Path) -> list[tuple[str, str, list[str]]]:
    """``(message, cell id, comments)`` for every ``_("...")`` in a notebook's code cells (a figure's
    title, axis labels, legend), extracted with babel as the library's are; a ``%%`` cell magic's
    cell is not Python and is skipped."""
    import io

    from babel.messages.extract import extract

    found = []
    for index, cell in enumerate(nbformat.read(path, as_version=4).cells):
        if cell.cell_type != "code" or cell.source.lstrip().startswith("%%"):
            continue
        fileobj = io.BytesIO(code_for_extraction(cell.source).encode("utf-8"))
        for _lineno, message, comments, _context in extract(
                "python", fileobj, keywords=KEYWORDS, comment_tags=("TRANSLATORS:",),
                strip_comment_tags=True):
            found.append((message, cell.get("id", str(index)), comments))
    return found


def read_library(lang: str):
    from babel.messages.pofile import read_po

    with library_po(lang).open("rb") as f:
        return read_po(f, locale=lang)


def compile_mo(catalog) -> bytes:
    """The ``.mo`` of a babel catalogue (fuzzy entries left out, as msgfmt does)."""
    import io

    from babel.messages.mofile import write_mo

    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def update_library(lang: str) -> None:
    """Merge the extracted strings into the library's ``.po`` (a changed string becomes a fuzzy draft)
    and compile its ``.mo`` beside it."""
    from babel.messages.catalog import Catalog
    from babel.messages.pofile import write_po

    target = library_po(lang)
    catalog = read_library(lang) if target.exists() else Catalog(locale=lang, project="chanlab",
                                                                  version="0.1.0", fuzzy=False)
    template = library_template()
    template.creation_date = catalog.creation_date  # a header that changes only with the strings
    catalog.update(template, no_fuzzy_matching=False)
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as f:
        write_po(f, catalog, width=0, omit_header=False, ignore_obsolete=True, sort_output=False)
    target.with_suffix(".mo").write_bytes(compile_mo(read_library(lang)))


def library_status(lang: str) -> dict:
    catalog = read_library(lang)
    entries = [m for m in catalog if m.id]
    counts = {"strings": len(entries), "translated": 0, "missing": 0, "fuzzy": 0}
    for m in entries:
        key = "missing" if not m.string else "fuzzy" if m.fuzzy else "translated"
        counts[key] += 1
    return counts


def check_library(lang: str) -> list[str]:
    """Problems of the library's catalogue (lib/chanlab's strings and the notebooks' code cells'): an
    ``_()`` string not in it, missing, fuzzy, a placeholder lost, or a ``.mo`` that is not the compiled ``.po``."""
    errors, catalog = [], read_library(lang)
    extracted = {m.id for m in library_template() if m.id}
    for m in catalog:
        if not m.id:
            continue
        where = f"{library_po(lang).relative_to(ROOT)}: {m.id[:60]!r}"
        if m.id not in extracted:
            continue
        if not m.string or m.fuzzy:
            errors.append(f"{where}: translation {'stale (fuzzy)' if m.string else 'missing'}")
        elif sorted(re.findall(r"\{[^{}]*\}", m.id)) != sorted(re.findall(r"\{[^{}]*\}", m.string)):
            errors.append(f"{where}: placeholders differ")
    for missing in sorted(extracted - {m.id for m in catalog}):
        errors.append(f"{library_po(lang).relative_to(ROOT)}: {missing[:60]!r} not extracted yet "
                      "(run `python tools/i18n.py library`)")
    mo = library_po(lang).with_suffix(".mo")
    if not mo.exists() or mo.read_bytes() != compile_mo(catalog):
        errors.append(f"{mo.relative_to(ROOT)} is not the compiled .po (run `python tools/i18n.py library`)")
    return errors


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=["update", "status", "check", "build", "student", "library"])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--lang", default="zh_CN", choices=sorted(LANGUAGES))
    parser.add_argument("--execute", action="store_true", help="build: execute the twins that need it")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted(NOTEBOOKS.glob("[0-9]*.ipynb"))
    if args.command == "library":
        update_library(args.lang)
        args.command = "status"
    if args.command == "check":
        errors = check(args.lang, paths) + ([] if args.notebooks else check_library(args.lang))
        for line in errors:
            print(line)
        print(f"{len(errors)} problem(s) in the {args.lang} translations of {len(paths)} notebook(s)"
              + (f"; drafts: {', '.join(sorted(drafts(args.lang)))}" if drafts(args.lang) else ""))
        return 1 if errors else 0
    if args.command == "build":
        for dest in build(args.lang, paths, args.execute):
            print(dest.relative_to(ROOT))
        return 0
    if args.command == "student":
        for dest in student(args.lang, paths):
            print(dest.relative_to(ROOT))
        return 0
    total = dict.fromkeys(("strings", "translated", "missing", "fuzzy"), 0)
    for path in paths:
        if args.command == "update":
            update(args.lang, path)
        counts = status(args.lang, path)
        total = {k: total[k] + v for k, v in counts.items()}
        print(f"{path.name:<38} " + "  ".join(f"{k} {v:4d}" for k, v in counts.items()))
    print(f"{'all notebooks':<38} " + "  ".join(f"{k} {v:4d}" for k, v in total.items()))
    if args.command == "status":
        counts = library_status(args.lang)
        print(f"{'library (chanlab.po)':<38} " + "  ".join(f"{k} {v:4d}" for k, v in counts.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
