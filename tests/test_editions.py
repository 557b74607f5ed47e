"""The classroom editions: every cell has slide metadata; slides and static pages load nothing from
the network; solutions are hidden in the slides."""
from pathlib import Path

import nbformat
import pytest
from nbconvert import HTMLExporter

ROOT = Path(__file__).resolve().parent.parent
import build_html
import build_slides
import offline

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
SLIDE_TYPES = {"slide", "subslide", "fragment", "-", "skip", "notes"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_cell_has_slide_metadata(path):
    nb = nbformat.read(path, as_version=4)
    bad = [i for i, c in enumerate(nb.cells)
           if c.metadata.get("slideshow", {}).get("slide_type") not in SLIDE_TYPES]
    assert bad == [], f"{path.name}: cells {bad} need metadata slideshow.slide_type (AUTHORING.md)"
    assert nb.cells[0].metadata["slideshow"]["slide_type"] == "slide", "a deck starts with a slide"


def _read(name):
    return nbformat.read(ROOT / "notebooks" / name, as_version=4)


def test_the_scan_finds_what_nbconvert_loads_by_default():
    nb = _read("03-workers-and-waitgroup.ipynb")
    html, _ = HTMLExporter().from_notebook_node(nb)
    assert any("require" in hit for hit in offline.remote_sources(html))
    assert offline.remote_sources('<a href="https://go.dev/ref/spec">the spec</a>') == []


def test_a_static_page_loads_nothing_from_the_network():
    nb = offline.without_widgets(_read("03-workers-and-waitgroup.ipynb"))
    html, _ = build_html.exporter().from_notebook_node(nb)
    assert offline.remote_sources(html) == []
    assert '<script src="_vendor/require.js">' in html
    assert offline.WIDGET_NOTE in html  # the widgets' place, under their default figures
    assert "jupyter-widgets" not in html and "unpkg" not in html
    assert "data:image/png;base64" in html  # figures are embedded


def test_a_deck_loads_nothing_from_the_network_and_hides_the_solutions():
    master = _read("04-publisher-and-drops.ipynb")
    nb = offline.hide_solutions(offline.without_widgets(master))
    html, _ = build_slides.exporter().from_notebook_node(nb)
    assert offline.remote_sources(html) == []
    assert '_vendor/reveal.js/dist/reveal.js' in html and 'class="reveal"' in html
    solutions = [c for c in master.cells if "solution" in c.metadata.get("tags", [])]
    assert solutions
    assert "case Selected(None):" not in html  # a line only the drop-oldest solution has
    assert "✔ Exercise" not in html  # the checks under the hidden solutions show no output
    shown, _ = build_slides.exporter().from_notebook_node(offline.without_widgets(master))
    assert "✔ Exercise" in shown  # --solutions keeps them


def test_links_between_notebooks_point_to_the_built_pages():
    assert offline.relink('<a href="04-publisher-and-drops.ipynb#x">', ".html") == \
        '<a href="04-publisher-and-drops.html#x">'
    assert offline.relink('<a href="https://x.org/a.ipynb">', ".html") == '<a href="https://x.org/a.ipynb">'
