"""The static HTML edition: build/html/, one page per notebook and an index.html, readable offline.

    python tools/build_html.py                      # every notebooks/NN-*.ipynb
    python tools/build_html.py --no-solutions       # solutions left out, as in the student copies
    python tools/build_html.py --out DIR notebooks/03-workers-and-waitgroup.ipynb

Pages show the outputs as committed (nothing is executed). An interactive widget needs a running
kernel, so its output becomes a one-line note; the figure drawn just before each widget (with its
default settings) is what a reader sees. Nothing is loaded from the network: require.js is copied
next to the pages (installed once from npm into build/vendor), MathJax and Mermaid are left out
(the series has no formulas or diagrams in Mermaid), and images are embedded.
"""
from __future__ import annotations

import sys
from pathlib import Path

from nbconvert import HTMLExporter

import offline

OUT = offline.ROOT / "build" / "html"


def exporter() -> HTMLExporter:
    return HTMLExporter(template_name="offline-lab", extra_template_basedirs=[str(offline.TEMPLATES)],
                        require_js_url="_vendor/require.js", embed_images=True,
                        exclude_anchor_links=False)


def build(out: Path = OUT, paths=None, solutions: bool = True) -> list[Path]:
    """Write one page per notebook and index.html into ``out``; return the pages."""
    offline.copy_assets(out / "_vendor", ("requirejs",))
    return offline.export(exporter(), out, ".html", paths, solutions, index=(
        "chanlab: message-driven vs event-driven programming, from Go to Python",
        "The notebooks of the series as static pages, with the outputs of their last run"
        + (" and their solutions." if solutions else " (solutions left out).")))


def main(argv=None):
    offline.build_main(argv, __doc__, build, OUT, solutions=True, what="pages")


if __name__ == "__main__":
    main(sys.argv[1:])
