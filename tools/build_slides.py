"""Slides: one reveal.js deck per notebook in build/slides/, made to be shown in a room.

    python tools/build_slides.py                    # every notebooks/NN-*.ipynb, solutions hidden
    python tools/build_slides.py --solutions        # with the solutions and their checks' output
    python tools/build_slides.py --out DIR notebooks/04-publisher-and-drops.ipynb
    python tools/build_slides.py --out build/slides/zh-CN notebooks/zh-CN/[0-9]*.ipynb   # Chinese notes

Open build/slides/index.html, or a deck (NN-topic.slides.html) directly; press S for the speaker
notes window, F for full screen. A deck shows the outputs as committed. By default each solution
cell shows the learner's stub instead (as in the student copies) and the check under it shows no
output, so that the exercises can be set in class; --solutions keeps them, for going through the
answers afterwards. Nothing is loaded from the network: reveal.js, require.js and jQuery (pinned in
tools/offline.py) are installed once from npm into build/vendor and copied next to the decks, with
the deck theme (tools/nbconvert/offline-reveal/chanlab.css) and the CJK font it names.

The notebook is not exported as it is: :func:`deck` first applies the slide rules, so that every
slide fits a 1280x720 screen with all its fragments shown (tests/test_slides.py measures it):

* set-up cells (the notebook's imports and magics, and any cell of only imports) are skipped;
* code on a slide is at most ``CODE_LINES`` (14) lines of ``CODE_COLUMNS`` (80) columns (a longer
  line wraps and counts as more); a longer cell with output shows its output only (with a line that
  says where the code is), a longer cell without output is split at blank lines into several slides;
* each figure is a slide of its own, shown as large as ``FIGURE_BOX`` (1200x600) allows, enlarged at
  most ``MAX_ENLARGE`` times (so that its text is as large as the slide can make it);
* a text output longer than ``OUTPUT_LINES`` (10) lines is trimmed to its first and last lines with a
  visible "…" line saying how many were left out; a Markdown output (a table) becomes slide text;
* a slide whose estimated height passes ``BUDGET`` continues on a new vertical slide: markdown is
  split at paragraph and list-item boundaries, tables between rows (the header repeated);
* each section's speaker notes (teaching/notes/NN-*.md, tools/teaching.py; for a notebook of
  notebooks/zh-CN the Chinese translation) become the ``<aside class="notes">`` of its heading's slide.

The theme sets the sizes these estimates assume (body 26 px, code 22 px, tables 20 px on the slide).
"""
from __future__ import annotations

import base64
import copy
import io
import math
import re
import shutil
import sys
import unicodedata
import zlib
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

import i18n
import offline
import teaching

__all__ = ["OUT", "SLIDE", "CODE_LINES", "CODE_COLUMNS", "OUTPUT_LINES", "FIGURE_BOX", "MAX_ENLARGE",
           "BUDGET", "THEME", "exporter", "deck", "build", "main"]

OUT = offline.ROOT / "build" / "slides"
SLIDE = (1280, 720)             # reveal's width and height (the deck scales to the screen)
CODE_LINES, CODE_COLUMNS = 14, 80
OUTPUT_LINES = 10
FIGURE_BOX = (1200, 600)
MAX_ENLARGE = 2.0
BUDGET = 690                    # px of estimated content per slide (the estimates run about 10% high)
THEME = offline.TEMPLATES / "offline-reveal" / "chanlab.css"
FONT_DIR = "fonts"              # in _vendor/, beside reveal.js (the theme's @font-face points there)

# What the theme's sizes come to, in px on the 1280x720 slide (tools/nbconvert/offline-reveal/chanlab.css).
_TEXT_LINE, _TEXT_CHARS = 36, 78         # body text: 26 px, line-height 1.35; characters per line (safe)
_CODE_LINE, _OUT_LINE = 30, 27           # code 22 px, outputs 20 px, line-height 1.3
_OUT_COLUMNS = 92
_TABLE_LINE, _TABLE_CHARS = 29, 100      # tables 20 px
_HEADING = {1: 84, 2: 74, 3: 58, 4: 48}  # a heading line with its margins
_BLOCK_GAP, _CELL_GAP = 16, 14
_FIGURE_SLIDE = 10_000                   # a figure fills its slide

_IMPORT = re.compile(r"^\s*(%load_ext\b|%matplotlib\b|%config\b|import\s|from\s+\S+\s+import\s|#|$)")
_TABLE_ROW = re.compile(r"^\s*\|")


def exporter() -> SlidesExporter:
    return SlidesExporter(template_name="offline-reveal", extra_template_basedirs=[str(offline.TEMPLATES)],
                          reveal_url_prefix="_vendor/reveal.js", require_js_url="_vendor/require.js",
                          jquery_url="_vendor/jquery.min.js", reveal_scroll=False, reveal_theme="chanlab",
                          reveal_width=str(SLIDE[0]), reveal_height=str(SLIDE[1]), embed_images=True)


# --------------------------------------------------------------------------- estimates (px on the slide)

def _width(text: str) -> int:
    """Columns ``text`` takes: East Asian wide characters count two."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _wrapped(line: str, columns: int) -> int:
    return max(1, math.ceil(_width(line.rstrip().expandtabs(4)) / columns))


def _plain(text: str) -> str:
    """Markdown inline syntax removed (what is shown): links' targets, emphasis marks, backticks."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"[*_`]", "", text)


def _table_height(rows: list[str]) -> int:
    cells = [[_plain(c).strip() for c in r.strip().strip("|").split("|")] for r in rows
             if not re.fullmatch(r"[\s|:-]+", r)]
    if not cells:
        return 0
    ncols = max(len(r) for r in cells)
    longest = [max((_width(r[i]) if i < len(r) else 0) for r in cells) or 1 for i in range(ncols)]
    share = [max(4, _TABLE_CHARS * n / sum(longest)) for n in longest]
    return sum(_TABLE_LINE * max(math.ceil(_width(c) / share[i]) if c else 1 for i, c in enumerate(r)) + 6
               for r in cells)


def _block_height(block: str) -> int:
    lines = block.split("\n")
    if lines[0].lstrip().startswith(("```", "~~~")):
        return _CODE_LINE * sum(_wrapped(ln, CODE_COLUMNS) for ln in lines[1:-1]) + 24
    if all(_TABLE_ROW.match(ln) for ln in lines):
        return _table_height(lines)
    height = 0
    for line in lines:
        m = re.match(r"^(#{1,6})\s", line)
        if m:
            height += _HEADING.get(len(m.group(1)), 48) * _wrapped(_plain(line), 48)
        elif re.match(r"^\s*!\[", line) or "<img" in line:
            height += 320
        else:
            height += _TEXT_LINE * _wrapped(_plain(line), _TEXT_CHARS)
    return height


def markdown_height(source: str) -> int:
    """The estimated height of a markdown cell on a slide."""
    return sum(_block_height(b) + _BLOCK_GAP for b, _ in i18n.blocks(source))


def _output_lines(out) -> list[str]:
    if out.output_type == "stream":
        return out.text.rstrip("\n").split("\n")
    if out.output_type == "error":
        return [re.sub(r"\x1b\[[0-9;]*m", "", ln) for tb in out.traceback for ln in tb.split("\n")]
    text = out.get("data", {}).get("text/plain", "")
    return text.rstrip("\n").split("\n") if text else []


def _code_height(cell) -> int:
    height = _CODE_LINE * sum(_wrapped(ln, CODE_COLUMNS) for ln in cell.source.split("\n")) + 24 \
        if not _hidden_source(cell) else 0
    for out in cell.get("outputs", []):
        height += _OUT_LINE * sum(_wrapped(ln, _OUT_COLUMNS) for ln in _output_lines(out)) + 20
    return height + _CELL_GAP


def _hidden_source(cell) -> bool:
    return bool(cell.metadata.get("transient", {}).get("remove_source"))


# --------------------------------------------------------------------------- splitting

def _split_markdown(source: str, first_budget: int) -> list[str]:
    """``source`` cut into parts that each fit a slide: at blank lines, at list items, between table rows
    (the table's header repeated); the first part fits ``first_budget``."""
    pieces: list[tuple[str, int]] = []
    for block, _ in i18n.blocks(source):
        lines = block.split("\n")
        if _block_height(block) + _BLOCK_GAP <= BUDGET:
            pieces.append((block, _block_height(block) + _BLOCK_GAP))
        elif all(_TABLE_ROW.match(ln) for ln in lines) and len(lines) > 3:
            head, rows, part = lines[:2], lines[2:], []
            for row in rows:
                if part and _table_height(head + part + [row]) + _BLOCK_GAP > BUDGET - 40:
                    pieces.append(("\n".join(head + part), _table_height(head + part) + _BLOCK_GAP))
                    part = []
                part.append(row)
            pieces.append(("\n".join(head + part), _table_height(head + part) + _BLOCK_GAP))
        elif lines[0].lstrip().startswith(("```", "~~~")):   # a long fenced block: several fences
            inner, part, used = lines[1:-1], [], 0
            for ln in inner:
                n = _wrapped(ln, CODE_COLUMNS)
                if part and (used + n) * _CODE_LINE + 24 > BUDGET - 60:
                    text = "\n".join([lines[0], *part, lines[-1]])
                    pieces.append((text, _block_height(text) + _BLOCK_GAP))
                    part, used = [], 0
                part.append(ln)
                used += n
            text = "\n".join([lines[0], *part, lines[-1]])
            pieces.append((text, _block_height(text) + _BLOCK_GAP))
        else:   # a long list or paragraph run: cut before list items, else between lines
            items, cur = [], []
            for ln in lines:
                if cur and re.match(r"^(\s{0,3}[-*+]\s|\s{0,3}\d+[.)]\s)", ln):
                    items.append(cur)
                    cur = []
                cur.append(ln)
            items.append(cur)
            if len(items) == 1:
                items = [[ln] for ln in lines]
            for item in items:
                text = "\n".join(item)
                pieces.append((text, _block_height(text) + 4))
    parts, cur, used, budget = [], [], 0, first_budget
    for text, h in pieces:
        if cur and used + h > budget:
            parts.append(cur)
            cur, used, budget = [], 0, BUDGET
        elif not cur and h > budget and budget < BUDGET:
            parts.append([])
            budget = BUDGET
        cur.append(text)
        used += h
    parts.append(cur)
    out = []
    for part in parts:
        if not part:
            out.append("")
            continue
        # list items of one list stay one list: join items with a single newline
        text = ""
        for piece in part:
            joiner = "\n" if text and re.match(r"^(\s{0,3}[-*+]\s|\s{0,3}\d+[.)]\s)", piece) and \
                re.search(r"(^|\n)(\s{0,3}[-*+]\s|\s{0,3}\d+[.)]\s)", text) else "\n\n"
            text = piece if not text else text + joiner + piece
        out.append(text)
    return out


def _code_parts(source: str) -> list[str]:
    """Code cut into parts of at most CODE_LINES screen lines: at the last blank line of the part's
    second half if it has one, else where the part is full."""
    parts, cur, used = [], [], 0
    for line in source.split("\n"):
        n = _wrapped(line, CODE_COLUMNS)
        if cur and used + n > CODE_LINES:
            blanks = [j for j, ln in enumerate(cur) if not ln.strip() and j >= len(cur) // 2]
            cut = blanks[-1] if blanks else len(cur)
            parts.append(cur[:cut])
            cur = cur[cut + 1:]
            used = sum(_wrapped(ln, CODE_COLUMNS) for ln in cur)
        cur.append(line)
        used += n
    parts.append(cur)
    return ["\n".join(p).strip("\n") for p in parts if "\n".join(p).strip()]


def _trim(lines: list[str], keep_head: int, keep_tail: int, what: str = "lines") -> list[str]:
    if len(lines) <= keep_head + keep_tail + 1:
        return lines
    left = len(lines) - keep_head - keep_tail
    return lines[:keep_head] + [f"… ({left} more {what}: see the notebook)"] + (lines[-keep_tail:] if keep_tail else [])


def _trim_output(out):
    """A text output of at most OUTPUT_LINES screen lines, with a "…" line where lines were left out."""
    out = copy.deepcopy(out)
    budget = OUTPUT_LINES
    if out.output_type == "stream":
        lines = _fit_lines(out.text.rstrip("\n").split("\n"), budget)
        out.text = "\n".join(lines) + "\n"
    elif out.output_type == "error":
        lines = _fit_lines(_output_lines(out), budget, head=2)
        out.traceback = lines
    elif "text/plain" in out.get("data", {}):
        out.data["text/plain"] = "\n".join(_fit_lines(_output_lines(out), budget))
    return out


def _fit_lines(lines: list[str], budget: int, head: int | None = None) -> list[str]:
    if sum(_wrapped(ln, _OUT_COLUMNS) for ln in lines) <= budget:
        return lines
    tail = 1 if head is None else budget - head - 1
    head = budget - 2 if head is None else head
    while head > 1 and sum(_wrapped(ln, _OUT_COLUMNS) for ln in lines[:head] + lines[len(lines) - tail:]) > budget - 1:
        head -= 1
    return _trim(lines, head, tail)


def _figure_size(data: str) -> tuple[int, int] | None:
    from PIL import Image

    try:
        with Image.open(io.BytesIO(base64.b64decode(data))) as im:
            w, h = im.size
    except Exception:   # noqa: BLE001 - not an image PIL reads: leave its size to the browser
        return None
    scale = min(FIGURE_BOX[0] / w, FIGURE_BOX[1] / h, MAX_ENLARGE)
    return round(w * scale), round(h * scale)


# --------------------------------------------------------------------------- the slide rules

def _new(kind: str, source: str, slide_type: str, like=None, **meta):
    cell = (nbformat.v4.new_markdown_cell if kind == "markdown" else nbformat.v4.new_code_cell)(source)
    cell.metadata = copy.deepcopy(like.metadata) if like is not None else nbformat.NotebookNode()
    cell.metadata["slideshow"] = {"slide_type": slide_type}
    cell.metadata.update(meta)
    if like is not None and "id" in like:
        cell.id = f"{like.id}-{zlib.crc32(source.encode()):08x}"[:64]
    return cell


def _is_setup(cell, setup) -> bool:
    if cell.cell_type != "code":
        return False
    only_imports = cell.source.strip() and all(_IMPORT.match(ln) for ln in cell.source.split("\n"))
    return (cell is setup and not cell.get("outputs")) or bool(only_imports and not cell.get("outputs"))


def _pieces(cell, first_budget: int) -> list[tuple[object, int, bool]]:
    """(cell, estimated height, must start a slide of its own) for what ``cell`` becomes on the slides."""
    kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
    if cell.cell_type == "markdown":
        h = markdown_height(cell.source)
        if h <= first_budget:
            return [(cell, h, False)]
        if h <= BUDGET:
            return [(cell, h, True)]            # fits a slide of its own
        found = []
        for i, text in enumerate(_split_markdown(cell.source, first_budget)):
            if not text:                        # the first part did not fit what was left of the slide
                continue
            part = copy.deepcopy(cell)
            part.source = text
            if found:
                part.id = f"{cell.get('id', 'md')}-{i}"[:64]
                part.metadata["slideshow"] = {"slide_type": "subslide"}
            found.append((part, markdown_height(text), bool(found) or i > 0))
        return found
    if cell.cell_type != "code":
        return [(cell, 0, False)]
    outputs = cell.get("outputs", [])
    figures = [o for o in outputs if o.output_type in ("display_data", "execute_result") and "image/png" in o.get("data", {})]
    markdowns = [o for o in outputs if o.output_type in ("display_data", "execute_result")
                 and "text/markdown" in o.get("data", {}) and "image/png" not in o.get("data", {})]
    texts = [_trim_output(o) for o in outputs if o not in figures and o not in markdowns
             and (o.output_type != "execute_result" or "text/plain" in o.get("data", {}))]
    lines = sum(_wrapped(ln, CODE_COLUMNS) for ln in cell.source.split("\n"))
    long = lines > CODE_LINES
    found = []
    if long and outputs:
        shown = copy.deepcopy(cell)
        shown.outputs = texts
        shown.metadata.setdefault("transient", {})["remove_source"] = True
        note = _new("markdown", f'<p class="chanlab-code-note">{_code_note(lines)}</p>', kind, like=cell)
        found.append((note, 40, False))
        shown.metadata["slideshow"] = {"slide_type": "-"}
        if texts:
            found.append((shown, _code_height(shown), False))
    elif long:
        for i, part in enumerate(_code_parts(cell.source)):
            piece = copy.deepcopy(cell)
            piece.source = part
            piece.outputs = []
            if i:
                piece.id = f"{cell.get('id', 'code')}-{i}"[:64]
                piece.metadata["slideshow"] = {"slide_type": "subslide"}
            found.append((piece, _code_height(piece), i > 0))
    else:
        shown = copy.deepcopy(cell)
        shown.outputs = texts
        h = _code_height(shown)
        if h > BUDGET and texts:   # the code, then its output on the next slide
            code = copy.deepcopy(shown)
            code.outputs = []
            rest = copy.deepcopy(shown)
            rest.id = f"{cell.get('id', 'code')}-out"[:64]
            rest.metadata["slideshow"] = {"slide_type": "subslide"}
            rest.metadata.setdefault("transient", {})["remove_source"] = True
            found += [(code, _code_height(code), False), (rest, _code_height(rest), True)]
        else:
            found.append((shown, h, False))
    for j, out in enumerate(markdowns):
        md = _new("markdown", out.data["text/markdown"], "-", like=cell)
        md.id = f"{cell.get('id', 'code')}-md{j}"[:64]
        found += [(p, h, own) for p, h, own in _pieces(md, BUDGET if not found else BUDGET - sum(x[1] for x in found))]
    for j, out in enumerate(figures):
        fig = copy.deepcopy(cell)
        fig.id = f"{cell.get('id', 'code')}-fig{j}"[:64]
        fig.outputs = [copy.deepcopy(out)]
        fig.metadata["slideshow"] = {"slide_type": "subslide"}
        fig.metadata.setdefault("transient", {})["remove_source"] = True
        size = _figure_size(out.data["image/png"])
        if size:
            fig.outputs[0].setdefault("metadata", {})["image/png"] = {"width": size[0], "height": size[1]}
        fig.outputs[0].data = {k: v for k, v in out.data.items() if k == "image/png"}
        found.append((fig, _FIGURE_SLIDE, True))
    if found and found[0][0].metadata.get("slideshow", {}).get("slide_type") != kind and kind in ("slide", "subslide") \
            and not found[0][2]:
        found[0][0].metadata["slideshow"] = {"slide_type": kind}
    return found


def _code_note(lines: int) -> str:
    return f"[{lines} lines of code: run them in the notebook; the slide shows what they print]"


def _english_headings(nb, stem: str, lang: str) -> dict[int, str]:
    """{index of a section in ``nb``: the English heading its notes are keyed by}."""
    found = teaching.sections(nb)
    if lang == teaching.ENGLISH or not teaching.notebook_path(stem).exists():
        return {i: s.heading for i, s in enumerate(found)}
    english = teaching.sections(teaching.notebook_path(stem))
    if len(english) != len(found):
        print(f"warning: {stem}: {len(found)} sections, the English notebook has {len(english)}: "
              f"notes matched by heading", file=sys.stderr)
        return {i: s.heading for i, s in enumerate(found)}
    return {i: e.heading for i, e in enumerate(english)}


def _language(path: Path | None, nb) -> str:
    lang = str(nb.metadata.get("language", "") or "")
    if path is not None and "zh-CN" in Path(path).parts or lang.startswith("zh"):
        return "zh_CN"
    return teaching.ENGLISH


def deck(nb, stem: str, path: Path | None = None, solutions: bool = False):
    """The notebook as its deck shows it: widgets as a note, solutions hidden unless ``solutions``,
    the slide rules of the module docstring applied, and each section's speaker notes after its
    heading. Returns a new notebook; ``nb`` is not changed."""
    nb = offline.without_widgets(nb)
    if not solutions:
        nb = offline.hide_solutions(nb)
    lang = _language(path, nb)
    notes = teaching.speaker_notes(stem, lang) if stem else {}
    heads = _english_headings(nb, stem, lang) if notes else {}
    setup = teaching.setup_cell(nb)
    cells, notes_of = [], {}
    for s_index, section in enumerate(teaching.sections(nb) or [teaching.Section(stem, "", list(nb.cells))]):
        for i, cell in enumerate(section.cells):
            if i == 0 and s_index and cell.cell_type == "markdown" and \
                    cell.metadata.get("slideshow", {}).get("slide_type") in ("-", "fragment", None):
                cell.metadata["slideshow"] = {"slide_type": "subslide"}   # a heading found mid-cell
            cells.append(cell)
            if i == 0 and heads.get(s_index) in notes:
                notes_of[id(cell)] = _new("markdown", notes[heads[s_index]].strip(), "notes", like=cell)
    out_cells, used = [], 0
    for cell in cells:
        kind = cell.metadata.get("slideshow", {}).get("slide_type", "-")
        if kind == "skip" or _is_setup(cell, setup):
            cell = copy.deepcopy(cell)
            cell.metadata["slideshow"] = {"slide_type": "skip"}
            out_cells.append(cell)
            continue
        if kind == "notes":
            out_cells.append(cell)
            continue
        if kind in ("slide", "subslide") or not out_cells:
            used = 0
        for n, (piece, h, own) in enumerate(_pieces(cell, BUDGET - used)):
            ptype = piece.metadata.get("slideshow", {}).get("slide_type", "-")
            if ptype in ("slide", "subslide"):
                used = 0
            elif own or (used and used + h > BUDGET):
                piece.metadata["slideshow"] = {"slide_type": "subslide"}
                used = 0
            used += h
            out_cells.append(piece)
            if n == 0 and id(cell) in notes_of:   # the notes go on the slide of the heading's first part
                out_cells.append(notes_of.pop(id(cell)))
    # the first visible cell opens the deck
    for cell in out_cells:
        if cell.metadata["slideshow"]["slide_type"] not in ("skip", "notes"):
            cell.metadata["slideshow"]["slide_type"] = "slide"
            break
    new = copy.deepcopy(nb)
    new.cells = out_cells
    return new


def _copy_theme(vendor: Path) -> None:
    theme = vendor / "reveal.js" / "dist" / "theme"
    theme.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(THEME, theme / "chanlab.css")
    from chanlab.fonts import cjk_font_path

    (vendor / FONT_DIR).mkdir(exist_ok=True)
    font = cjk_font_path()
    target = vendor / FONT_DIR / font.name
    if not target.exists() or target.stat().st_size != font.stat().st_size:
        shutil.copyfile(font, target)


def build(out: Path = OUT, paths=None, solutions: bool = False) -> list[Path]:
    """Write one deck per notebook and index.html into ``out``; return the decks."""
    offline.copy_assets(out / "_vendor", ("reveal.js", "requirejs", "jquery"))
    _copy_theme(out / "_vendor")
    return offline.export(exporter(), out, ".slides.html", paths, solutions, index=(
        "chanlab: the slides", "One reveal.js deck per notebook (arrow keys to move, S for speaker "
        "notes). " + ("Solutions shown." if solutions else "Solutions hidden: the exercises are set, "
        "not answered.")), prepare=lambda nb, path: deck(nb, path.stem, path, solutions))


def main(argv=None):
    offline.build_main(argv, __doc__, build, OUT, solutions=False, what="decks")


if __name__ == "__main__":
    main(sys.argv[1:])
