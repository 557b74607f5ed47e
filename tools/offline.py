"""What the static editions share (tools/build_slides.py, tools/build_html.py): the JavaScript they
need, installed from the npm registry at build time and copied next to the pages, the templates
that load nothing from the network, and a scan that proves it.

    python tools/offline.py build/html            # list remote script/style sources in built pages

The scan reads each page, and every style sheet it loads (``<link rel=stylesheet>``, then ``@import``
and ``url()`` in the CSS, recursively): a network URL anywhere, or a local file that is missing, fails.
"""
from __future__ import annotations

import argparse
import copy
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "build" / "vendor"
TEMPLATES = Path(__file__).resolve().parent / "nbconvert"
# Exact pins: nbconvert's reveal template is written for reveal.js 4; require.js and jQuery as it expects.
PACKAGES = {"reveal.js": "4.6.0", "requirejs": "2.3.7", "jquery": "2.2.4"}

WIDGET_NOTE = ("[An interactive widget: open the notebook in Jupyter to move its sliders. "
               "The figure drawn just before it shows its default settings.]")

# <script src="https://...">, <link href="//...">, url(https://...), import ... from 'https://...'
_REMOTE = re.compile(
    r"""<(?:script|link|img|iframe|source|embed)\b[^>]*\b(?:src|href)\s*=\s*["']?(?:https?:)?//"""
    r"""|url\(\s*["']?(?:https?:)?//|\bimport\b[^;\n]*\bfrom\s*["'](?:https?:)?//"""
    r"""|require\(\s*\[[^\]]*["'](?:https?:)?//""", re.IGNORECASE)


def remote_sources(html: str) -> list[str]:
    """The places in ``html`` that would load a script, style, font or image from the network."""
    return [html[max(0, m.start() - 20): m.end() + 60].replace("\n", " ") for m in _REMOTE.finditer(html)]


_STYLESHEET = re.compile(r"""<link\b[^>]*\brel\s*=\s*["']?stylesheet[^>]*>""", re.IGNORECASE)
_HREF = re.compile(r"""\bhref\s*=\s*["']?([^"'\s>]+)""", re.IGNORECASE)
_CSS_REF = re.compile(r"""@import\s+(?:url\(\s*)?["']?([^"')\s;]+)|url\(\s*["']?([^"')]+?)["']?\s*\)""",
                      re.IGNORECASE)
_NETWORK = re.compile(r"^(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)   # a scheme (http:, https:, ...) or //


def _css_comments_out(css: str) -> str:
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def stylesheet_problems(page: Path) -> list[str]:
    """What the style sheets that ``page`` loads would fetch from the network, or cannot find: each
    ``<link rel=stylesheet>`` of the page, then, in every style sheet (and ``<style>`` block), each
    ``@import`` and ``url()``, followed recursively. ``data:`` URLs are fine."""
    html = page.read_text(encoding="utf-8")
    found, seen = [], set()
    todo = [(page, m.group(1)) for link in _STYLESHEET.finditer(html) for m in [_HREF.search(link.group(0))] if m]
    todo += [(page, ref) for block in re.findall(r"<style\b[^>]*>(.*?)</style>", html, re.DOTALL | re.IGNORECASE)
             for ref in _css_refs(block)]
    while todo:
        where, ref = todo.pop()
        ref = ref.strip()
        if ref.lower().startswith("data:") or ref.startswith("#"):
            continue
        if _NETWORK.match(ref):
            found.append(f"{where}: {ref}")
            continue
        target = (where.parent / ref.split("#")[0].split("?")[0]).resolve()
        if target in seen:
            continue
        seen.add(target)
        if not target.is_file():
            found.append(f"{where}: {ref} (missing)")
        elif target.suffix.lower() == ".css":
            todo += [(target, r) for r in _css_refs(target.read_text(encoding="utf-8", errors="replace"))]
    return found


def _css_refs(css: str) -> list[str]:
    return [m.group(1) or m.group(2) for m in _CSS_REF.finditer(_css_comments_out(css))]


def vendor(packages=("reveal.js", "requirejs", "jquery")) -> Path:
    """Install the pinned npm packages into build/vendor (once); return its node_modules folder."""
    modules = VENDOR / "node_modules"
    missing = [p for p in packages if not (modules / p / "package.json").exists()
               or f'"version": "{PACKAGES[p]}"' not in (modules / p / "package.json").read_text()]
    if missing:
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("npm is needed once to fetch " + ", ".join(f"{p}@{PACKAGES[p]}" for p in missing)
                     + " (Debian/Ubuntu: apt-get install npm; macOS: brew install node).")
        VENDOR.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(VENDOR), "--no-audit", "--no-fund", "--no-save",
                        "--loglevel=error", *(f"{p}@{PACKAGES[p]}" for p in missing)], check=True)
    return modules


def copy_assets(dest: Path, packages) -> None:
    """Copy what the pages load into ``dest`` (so a built folder works on its own, offline)."""
    modules = vendor(packages)
    dest.mkdir(parents=True, exist_ok=True)
    if "requirejs" in packages:
        shutil.copyfile(modules / "requirejs" / "require.js", dest / "require.js")
    if "jquery" in packages:
        shutil.copyfile(modules / "jquery" / "dist" / "jquery.min.js", dest / "jquery.min.js")
    if "reveal.js" in packages:
        for part in ("dist", "plugin"):
            shutil.copytree(modules / "reveal.js" / part, dest / "reveal.js" / part, dirs_exist_ok=True)


def without_widgets(nb):
    """A copy of ``nb`` whose widget outputs are a short note (their state needs a CDN script)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            if "application/vnd.jupyter.widget-view+json" in out.get("data", {}):
                out["data"] = {"text/plain": WIDGET_NOTE}
    return nb


def title(nb, default: str) -> str:
    """The notebook's first markdown heading, without its #s."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                if line.startswith("#"):
                    return line.lstrip("#").strip()
    return default


def notebooks(paths=None) -> list[Path]:
    """The notebooks of the series: ``paths``, or every notebooks/NN-*.ipynb."""
    return [Path(p) for p in paths] if paths else sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))


def main(argv):
    bad = 0
    # by default the two editions (not build/vendor, whose reveal.js demo pages link to the web)
    editions = [str(ROOT / "build" / name) for name in ("slides", "html") if (ROOT / "build" / name).is_dir()]
    for folder in argv or editions:
        for page in sorted(Path(folder).rglob("*.html")):
            if "_vendor" in page.relative_to(folder).parts:
                continue   # reveal.js's own demo pages, which the decks do not load
            for hit in remote_sources(page.read_text(encoding="utf-8")):
                print(f"{page}: {hit}")
                bad += 1
            for hit in stylesheet_problems(page):
                print(f"{page}: style sheet: {hit}")
                bad += 1
    print(f"{bad} remote or missing source(s), style sheets followed")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))


def hide_solutions(nb):
    """A copy of ``nb`` with each solution cell replaced by its stub (as in the student copies) and
    the output of the check that follows it removed (it would say "right")."""
    from make_student import PLACEHOLDER

    nb = copy.deepcopy(nb)
    hide_next = False
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        if "solution" in cell.metadata.get("tags", []):
            cell.source = cell.metadata.get("chanlab", {}).get("stub") or PLACEHOLDER
            cell.outputs, cell.execution_count, hide_next = [], None, True
        elif hide_next:
            cell.outputs, hide_next = [], False
    return nb


def relink(html: str, suffix: str) -> str:
    """Links from one notebook to another point to the built page: ``03-x.ipynb`` -> ``03-x{suffix}``."""
    return re.sub(r'href="([0-9][0-9a-z]*-[\w-]+)\.ipynb(#[^"]*)?"',
                  lambda m: f'href="{m.group(1)}{suffix}{m.group(2) or ""}"', html)


def index_page(title_text: str, intro: str, rows: list[tuple[str, str, str]]) -> str:
    """A plain index.html: one link per notebook (href, file name, title)."""
    from html import escape

    items = "\n".join(f'  <li><a href="{escape(href)}">{escape(name)}</a>: {escape(t)}</li>'
                      for href, name, t in rows)
    return (f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            f"<title>{escape(title_text)}</title>\n<style>body {{ font-family: sans-serif; max-width: "
            f"48em; margin: 2em auto; line-height: 1.5; }}</style>\n</head>\n<body>\n"
            f"<h1>{escape(title_text)}</h1>\n<p>{escape(intro)}</p>\n<ol>\n{items}\n</ol>\n"
            f"</body>\n</html>\n")


def export(ex, out: Path, suffix: str, paths=None, solutions: bool = True, index=("", ""),
           prepare=None) -> list[Path]:
    """Export every notebook with the nbconvert exporter ``ex`` to ``out/<stem><suffix>`` (widgets
    replaced by a note; solutions hidden unless ``solutions``; or, given ``prepare(nb, path)``, the
    notebook it returns), then ``out/index.html`` with the title and introduction ``index``; return
    the files written."""
    files, rows = [], []
    for path in notebooks(paths):
        nb = nbformat.read(path, as_version=4)
        missing = [i for i, c in enumerate(nb.cells) if "slide_type" not in c.metadata.get("slideshow", {})]
        if missing and suffix.endswith(".slides.html"):
            print(f"warning: {path.name}: cells {missing} have no slideshow.slide_type", file=sys.stderr)
        if prepare is not None:
            nb = prepare(nb, path)
        else:
            nb = without_widgets(nb)
            if not solutions:
                nb = hide_solutions(nb)
        body, _ = ex.from_notebook_node(nb, resources={"metadata": {"name": path.stem}})
        file = out / f"{path.stem}{suffix}"
        file.write_text(relink(body, suffix), encoding="utf-8")
        files.append(file)
        rows.append((file.name, path.stem, title(nb, path.stem)))
        print(file.relative_to(out.parent) if out.parent in file.parents else file, flush=True)
    (out / "index.html").write_text(index_page(*index, rows), encoding="utf-8")
    return files


def build_main(argv, doc: str, build, out: Path, solutions: bool, what: str) -> None:
    """The command line of build_html.py and build_slides.py: ``--out``, the notebooks, and a flag
    that turns the solutions off (``--no-solutions``, when ``solutions`` is the default) or on
    (``--solutions``); then build, and exit with an error if any of the ``what`` (pages, decks)
    would load something from the network."""
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument("--out", type=Path, default=out)
    if solutions:
        p.add_argument("--no-solutions", action="store_true", help="leave the solutions out")
    else:
        p.add_argument("--solutions", action="store_true", help="show the solutions and their checks")
    p.add_argument("notebooks", nargs="*", type=Path)
    args = p.parse_args(argv)
    build(args.out, args.notebooks, solutions=not args.no_solutions if solutions else args.solutions)
    if main([str(args.out)]):
        sys.exit(f"some {what} would load something from the network")
