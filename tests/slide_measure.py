"""Measure built reveal.js decks in headless Chromium: does every slide fit the screen, and is the text
of every figure big enough to read at the back of a room?

    python tests/slide_measure.py build/slides build/slides/zh-CN build/lecture   # a summary, per deck
    python tests/slide_measure.py --list build/slides                           # every problem, one a line

The page is opened at the size of the projector (1280x720 CSS px). Every slide is laid out at once (none
hidden), every fragment made visible, and each slide measured in the deck's own coordinates (reveal's
configured width x height, 1280x720 for the series' decks; reveal scales that box to the window):

* *too tall* / *too wide*: the section's ``scrollHeight`` / ``scrollWidth`` exceed the slide box, or an
  element inside it (a ``<pre>``, a table, an output area) is cut off or scrolls (its ``scrollWidth`` or
  ``scrollHeight`` exceed its client box while its overflow is not visible), or sticks out of the slide
  box (its bounding rectangle, divided by reveal's scale);
* *figure text*: a figure's smallest text on the slide, in slide px, is
  ``font_pt * dpi / 72 * displayed_width / natural_width``: ``dpi`` from the PNG's pHYs chunk (matplotlib
  writes it), ``font_pt`` the smallest font size of the figure's visible text, from the PNG text chunk
  ``chanlab:min-font-pt`` that chanlab's figure formatter writes (chanlab.plots.base). A figure without it
  counts as the smallest text matplotlib's defaults draw (``SMALLEST_DEFAULT_PT``: tick labels of 10 pt
  text are "medium"; the legends of the series' figures ask for 7-8 pt) and is reported as *unknown*.

Slide px are CSS px of the 1280x720 slide: on a 1280x720 screen reveal shows them at its scale (about 1.0).
"""
from __future__ import annotations

import argparse
import base64
import io
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["MIN_FIGURE_TEXT_PX", "SCREEN", "SMALLEST_DEFAULT_PT", "FONT_KEY", "Slide", "Figure", "Deck",
           "figure_font", "measure_decks", "summary", "main"]

SCREEN = (1280, 720)
MIN_FIGURE_TEXT_PX = 18.0
SMALLEST_DEFAULT_PT = 7.0
FONT_KEY = "chanlab:min-font-pt"
TOLERANCE = 1  # px: sub-pixel rounding of scroll sizes

# The deck's Reveal object: a global, or (nbconvert's template loads it with require.js) the AMD module.
_FIND_JS = r"""
window._reveal = () => window.Reveal || ((window.require && require.s) ? (Object.entries(
  require.s.contexts._.defined).find(([name]) => /dist\/reveal(\.js)?$/.test(name)) || [])[1] : undefined);
"""

# Runs in the deck: every slide laid out at once (reveal's viewDistance made larger than the deck, so none
# is display:none), every fragment shown, then each slide measured against its own box: one layout for
# the whole deck instead of one per slide (Reveal.slide(h, v) for each would lay out the deck each time).
_MEASURE_JS = r"""
() => {
  const Reveal = _reveal();
  // what can stick out of a slide or scroll inside it (every element would be slower, no more exact)
  const CHECKED = 'pre, code, table, img, svg, p, li, h1, h2, h3, h4, blockquote, .jp-Cell, .jp-OutputArea-output, ' +
                  '.jp-RenderedHTMLCommon, .jp-InputArea-editor, .highlight, div[style]';
  Reveal.configure({transition: 'none', backgroundTransition: 'none', autoSlide: 0,
                    viewDistance: 100000, mobileViewDistance: 100000});
  Reveal.slide(0, 0);
  const W = Reveal.getConfig().width, H = Reveal.getConfig().height;
  document.querySelectorAll('.reveal .slides .fragment').forEach(f => f.classList.add('visible'));
  document.querySelectorAll('.reveal .slides section').forEach(s => { s.style.display = 'block'; });
  Reveal.layout();
  const scale = Reveal.getScale();
  const leaves = [];
  Reveal.getHorizontalSlides().forEach((hs, h) => {
    const inner = hs.querySelectorAll(':scope > section');
    if (inner.length) inner.forEach((s, v) => leaves.push([s, h, v])); else leaves.push([hs, h, 0]);
  });
  return leaves.map(([s, h, v]) => {
    const box = s.getBoundingClientRect();
    let innerW = 0, innerH = 0, outW = 0, outH = 0, culprit = '';
    for (const el of s.querySelectorAll(CHECKED)) {
      if (el.closest('aside.notes')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const cs = getComputedStyle(el);
      if (cs.overflowX !== 'visible' && el.scrollWidth > el.clientWidth + 1) {
        const d = el.scrollWidth - el.clientWidth;
        if (d > innerW) { innerW = d; culprit = el.tagName.toLowerCase(); }
      }
      if (cs.overflowY !== 'visible' && el.scrollHeight > el.clientHeight + 1) {
        innerH = Math.max(innerH, el.scrollHeight - el.clientHeight);
      }
      outW = Math.max(outW, (r.right - box.left) / scale - W, (box.left - r.left) / scale);
      outH = Math.max(outH, (r.bottom - box.top) / scale - H, (box.top - r.top) / scale);
    }
    const imgs = [...s.querySelectorAll('img')].map(img => ({
      src: img.src.startsWith('data:') ? img.src : '',
      natural: [img.naturalWidth, img.naturalHeight],
      shown: [img.getBoundingClientRect().width / scale, img.getBoundingClientRect().height / scale]}));
    const heading = (s.querySelector('h1, h2, h3') || {}).textContent || (s.textContent || '').trim().slice(0, 50);
    return {h, v, heading: heading.trim().replace(/¶$/, ''),
            width: s.scrollWidth, height: s.scrollHeight, innerW, innerH, outW, outH, culprit,
            notes: s.querySelectorAll('aside.notes').length, imgs, W, H};
  });
}
"""


@dataclass
class Figure:
    """One figure on a slide: natural and displayed size (slide px), dpi, font size and its source."""
    natural: tuple
    shown: tuple
    dpi: float
    font_pt: float
    font_known: bool

    @property
    def text_px(self) -> float:
        """The figure's smallest text as shown on the slide, in slide px."""
        return self.font_pt * self.dpi / 72 * (self.shown[0] / self.natural[0] if self.natural[0] else 0)


@dataclass
class Slide:
    deck: str
    index: tuple
    heading: str
    width: float
    height: float
    box: tuple
    inner_w: float = 0
    inner_h: float = 0
    out_w: float = 0
    out_h: float = 0
    culprit: str = ""
    notes: int = 0
    figures: list = field(default_factory=list)

    @property
    def too_tall(self) -> bool:
        return self.height > self.box[1] + TOLERANCE or self.inner_h > TOLERANCE or self.out_h > TOLERANCE

    @property
    def too_wide(self) -> bool:
        return self.width > self.box[0] + TOLERANCE or self.inner_w > TOLERANCE or self.out_w > TOLERANCE

    def problems(self, min_px: float = MIN_FIGURE_TEXT_PX) -> list[str]:
        where = f"{self.deck} slide {self.index[0]}.{self.index[1]} ({self.heading[:40]!r})"
        found = []
        if self.too_tall:
            found.append(f"{where}: too tall: {self.height:.0f} px of {self.box[1]} (cut off inside: "
                         f"{self.inner_h:.0f}, outside the box: {self.out_h:.0f})")
        if self.too_wide:
            found.append(f"{where}: too wide: {self.width:.0f} px of {self.box[0]} (scrolls inside "
                         f"{self.culprit or '-'}: {self.inner_w:.0f}, outside the box: {self.out_w:.0f})")
        for fig in self.figures:
            if fig.text_px < min_px - 0.05:   # the px are computed to 0.1
                found.append(f"{where}: figure text {fig.text_px:.1f} px < {min_px:g} px ({fig.font_pt:g} pt"
                             f"{'' if fig.font_known else ' assumed: no ' + FONT_KEY}, {fig.dpi:.0f} dpi, "
                             f"{fig.natural[0]}x{fig.natural[1]} shown at {fig.shown[0]:.0f}x{fig.shown[1]:.0f})")
        return found


@dataclass
class Deck:
    path: Path
    slides: list
    seconds: float
    cjk_font: str = ""   # the state of the theme's CJK @font-face once the deck was shown: "loaded", "unloaded"

    def problems(self, min_px: float = MIN_FIGURE_TEXT_PX) -> list[str]:
        return [p for s in self.slides for p in s.problems(min_px)]


def figure_font(data: bytes) -> tuple[float, float, bool]:
    """(dpi, smallest font size in pt, whether the PNG said so) of a PNG figure."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as im:
        dpi = float((im.info.get("dpi") or (72, 72))[0])
        raw = im.info.get(FONT_KEY)
    try:
        return dpi, float(raw), True
    except (TypeError, ValueError):
        return dpi, SMALLEST_DEFAULT_PT, False


def _figure(img: dict) -> Figure | None:
    src = img["src"]
    if not src.startswith("data:image/png;base64,"):
        return None
    dpi, pt, known = figure_font(base64.b64decode(src.split(",", 1)[1]))
    return Figure(tuple(img["natural"]), tuple(img["shown"]), dpi, pt, known)


def measure_decks(paths, timeout_ms: float = 30_000) -> list[Deck]:
    """Open each deck (an .html file) in one headless Chromium at 1280x720 and measure every slide."""
    from playwright.sync_api import sync_playwright

    from browser_support import CHROMIUM_ARGS, find_chromium

    decks = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": SCREEN[0], "height": SCREEN[1]})
            for path in paths:
                start = time.monotonic()
                path = Path(path).resolve()
                page.goto(path.as_uri(), timeout=timeout_ms)
                page.evaluate(_FIND_JS)
                page.wait_for_function("() => { const R = _reveal(); return R && R.isReady(); }",
                                       timeout=timeout_ms)
                rows = page.evaluate(_MEASURE_JS)
                slides = [Slide(path.name, (r["h"], r["v"]), r["heading"], r["width"], r["height"],
                                (r["W"], r["H"]), r["innerW"], r["innerH"], r["outW"], r["outH"], r["culprit"],
                                r["notes"], [f for f in map(_figure, r["imgs"]) if f is not None])
                          for r in rows]
                font = page.evaluate("""async () => { await document.fonts.ready;
                    return [...document.fonts].filter(f => f.family.replace(/["']/g, '') === 'chanlab CJK')
                                              .map(f => f.status).join(','); }""")
                decks.append(Deck(path, slides, time.monotonic() - start, font))
        finally:
            browser.close()
    return decks


def summary(decks) -> dict:
    """Totals: slides, too tall, too wide, figures, smallest figure text (px), slides with notes."""
    slides = [s for d in decks for s in d.slides]
    figs = [f for s in slides for f in s.figures]
    return {"decks": len(decks), "slides": len(slides), "too tall": sum(s.too_tall for s in slides),
            "too wide": sum(s.too_wide for s in slides), "figures": len(figs),
            "figure text < 18 px": sum(f.text_px < MIN_FIGURE_TEXT_PX - 0.05 for f in figs),
            "smallest figure text px": round(min((f.text_px for f in figs), default=0), 1),
            "figures without font metadata": sum(not f.font_known for f in figs),
            "slides with notes": sum(s.notes > 0 for s in slides),
            "seconds": round(sum(d.seconds for d in decks), 1)}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--list", action="store_true", help="print every problem")
    p.add_argument("folders", nargs="+", type=Path, help="folders of decks (*.slides.html) or deck files")
    args = p.parse_args(argv)
    paths = []
    for f in args.folders:
        paths += [f] if f.is_file() else sorted(f.glob("*.slides.html"))
    decks = measure_decks(paths)
    for d in decks:
        s = summary([d])
        print(f"{d.path.parent.name}/{d.path.name:<40} slides {s['slides']:3d}  tall {s['too tall']:3d}  "
              f"wide {s['too wide']:3d}  figures {s['figures']:2d}  min text {s['smallest figure text px']:5.1f} px")
        if args.list:
            print("\n".join("    " + x for x in d.problems()))
    print(summary(decks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
