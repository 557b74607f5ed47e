"""Slides: one reveal.js deck per notebook in build/slides/, from each cell's slide metadata.

    python tools/build_slides.py                    # every notebooks/NN-*.ipynb, solutions hidden
    python tools/build_slides.py --solutions        # with the solutions and their checks' output
    python tools/build_slides.py --out DIR notebooks/04-publisher-and-drops.ipynb

Open build/slides/index.html, or a deck (NN-topic.slides.html) directly; press S for the speaker
notes window, F for full screen. A deck shows the outputs as committed. By default each solution
cell shows the learner's stub instead (as in the student copies) and the check under it shows no
output, so that the exercises can be set in class; --solutions keeps them, for going through the
answers afterwards. Nothing is loaded from the network: reveal.js, require.js and jQuery (pinned in
tools/offline.py) are installed once from npm into build/vendor and copied next to the decks.
"""
from __future__ import annotations

import sys
from pathlib import Path

from nbconvert import SlidesExporter

import offline

OUT = offline.ROOT / "build" / "slides"


def exporter() -> SlidesExporter:
    return SlidesExporter(template_name="offline-reveal", extra_template_basedirs=[str(offline.TEMPLATES)],
                          reveal_url_prefix="_vendor/reveal.js", require_js_url="_vendor/require.js",
                          jquery_url="_vendor/jquery.min.js", reveal_scroll=True, embed_images=True)


def build(out: Path = OUT, paths=None, solutions: bool = False) -> list[Path]:
    """Write one deck per notebook and index.html into ``out``; return the decks."""
    offline.copy_assets(out / "_vendor", ("reveal.js", "requirejs", "jquery"))
    return offline.export(exporter(), out, ".slides.html", paths, solutions, index=(
        "chanlab: the slides", "One reveal.js deck per notebook (arrow keys to move, S for speaker "
        "notes). " + ("Solutions shown." if solutions else "Solutions hidden: the exercises are set, "
        "not answered.")))


def main(argv=None):
    offline.build_main(argv, __doc__, build, OUT, solutions=False, what="decks")


if __name__ == "__main__":
    main(sys.argv[1:])
