"""A font with Chinese glyphs for the figures and decks, installed from PyPI with the series.

matplotlib's own font (DejaVu Sans) has no CJK glyphs: a Chinese title would come out as empty boxes
and a "Glyph ... missing from font" warning. The series pins ``pylopdf-fonts-zh-cn`` (Noto Sans SC
Regular, Google's Noto CJK for Simplified Chinese, SIL Open Font License 1.1: one 8 MB OpenType file,
no code but its path, nothing fetched at run time), so a machine with no CJK font installed still
draws Chinese.

* :func:`cjk_font_path` is the font file (the decks embed the same file with ``@font-face``);
* :func:`use_cjk_font` registers it with matplotlib and puts it first in ``font.sans-serif``; Latin
  text then comes from the same font (Noto Sans SC has Latin glyphs too), and a symbol it lacks from
  DejaVu Sans, matplotlib's own font.

:func:`chanlab.i18n.set_language` calls :func:`use_cjk_font` for Chinese.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["FONT_PACKAGE", "cjk_font_path", "use_cjk_font"]

FONT_PACKAGE = "pylopdf_fonts_zh_cn"  # pip install pylopdf-fonts-zh-cn (pinned in requirements.txt)
_FILE = "NotoSansSC-Regular.otf"


def cjk_font_path() -> Path:
    """The CJK font file that the series installs (Noto Sans SC Regular, OpenType)."""
    spec = importlib.util.find_spec(FONT_PACKAGE)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"the CJK font package {FONT_PACKAGE!r} is not installed: "
                                  f"pip install pylopdf-fonts-zh-cn (it is in requirements.txt)")
    path = Path(spec.origin).resolve().parent / _FILE
    if not path.is_file():
        raise FileNotFoundError(f"{FONT_PACKAGE} has no {_FILE} (looked for {path})")
    return path


def use_cjk_font() -> str:
    """Register the CJK font with matplotlib and put it first in ``font.sans-serif``; returns its
    family name (what a figure's ``fontfamily=`` would name). Safe to call more than once."""
    import dataclasses

    import matplotlib as mpl
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    path = cjk_font_path()
    manager = font_manager.fontManager
    if path not in {Path(f.fname).resolve() for f in manager.ttflist}:
        # The package ships one weight. Registered as bold too, bold text (a diagram's labels) is drawn
        # in it without matplotlib's "Failed to find font weight bold" warning in every notebook.
        regular = font_manager.ttfFontProperty(FT2Font(str(path)))
        manager.ttflist.append(dataclasses.replace(regular, weight=700))
        manager.addfont(str(path))  # the regular weight; clears matplotlib's cache of font look-ups
    name = font_manager.FontProperties(fname=str(path)).get_name()
    families = [f for f in mpl.rcParams["font.sans-serif"] if f != name]
    mpl.rcParams["font.sans-serif"] = [name, *families]
    # matplotlib falls back glyph by glyph along font.family (not along font.sans-serif): a symbol that
    # Noto Sans SC lacks (the ceiling signs of "⌈100 / k⌉") comes from matplotlib's own DejaVu Sans
    mpl.rcParams["font.family"] = ["sans-serif", "DejaVu Sans"]
    return name
