"""The teacher's material (teaching/, tools/teaching.py, tools/build_lecture.py): speaker notes for every
section of every notebook, the lectures' timings, the live notebooks run in a fresh kernel, the decks."""
import copy
import re
from pathlib import Path

import nbformat
import pytest

import build_lecture
import offline
import teaching

NOTEBOOKS = sorted(p.stem for p in (teaching.ROOT / "notebooks").glob("[0-9]*.ipynb"))
LECTURES = {"lecture-90": 90, "lecture-45": 45}


@pytest.mark.parametrize("stem", NOTEBOOKS)
def test_every_section_has_notes_and_no_notes_name_a_missing_heading(stem):
    assert teaching.note_problems(stem) == []


def test_a_renamed_heading_fails():
    nb = nbformat.read(teaching.notebook_path("04-publisher-and-drops"), as_version=4)
    renamed = copy.deepcopy(nb)
    cell = next(c for c in renamed.cells if c.source.startswith("## 3 · "))
    cell.source = cell.source.replace("## 3 · ", "## 3 - ", 1)
    problems = teaching.note_problems(renamed, teaching.speaker_notes("04-publisher-and-drops"))
    assert any("has no notes" in p for p in problems) and any("no heading" in p for p in problems)


def test_sections_start_at_the_title_and_at_level_two_headings_only():
    heads = [s.heading for s in teaching.sections("02a-go-in-python-channels")]
    assert heads[0] == "02a · Go's channels in Python" and "Translation pitfalls" in heads
    assert not any(h.startswith(("Pitfall", "two consumer threads")) for h in heads)   # ###, and # in a fence
    heads = [s.heading for s in teaching.sections("11-systems-on-nats")]
    assert "2 · The read model in a key-value bucket" in heads          # a ## in the middle of a cell


def test_the_sections_hold_every_cell_once():
    for stem in NOTEBOOKS:
        nb = nbformat.read(teaching.notebook_path(stem), as_version=4)
        secs = teaching.sections(nb)
        lines = [ln for s in secs for c in s.cells for ln in c.source.splitlines() if ln.strip()]
        assert lines == [ln for c in nb.cells for ln in c.source.splitlines() if ln.strip()], stem
        assert sum(c.cell_type == "code" for s in secs for c in s.cells) == \
            sum(c.cell_type == "code" for c in nb.cells), stem


@pytest.mark.parametrize("name,total", LECTURES.items())
def test_the_lecture_timings_add_up(name, total):
    lec = teaching.lecture(name)
    assert lec.minutes == total
    assert sum(c.minutes for c in lec.chosen) == total
    assert all(c.minutes > 0 for c in lec.chosen)
    assert len({(c.notebook, c.heading) for c in lec.chosen}) == len(lec.chosen)


def test_a_lecture_that_names_a_missing_section_fails(monkeypatch):
    spec = {"x": {"title": "x", "minutes": 5, "sections": [
        {"notebook": "01-two-styles", "heading": "Queue or topic: who receives?", "minutes": 5}]}}
    monkeypatch.setattr(teaching, "lectures", lambda lang=teaching.ENGLISH: spec)
    with pytest.raises(KeyError, match="no section"):
        teaching.lecture("x")


def test_the_lecture_notes_carry_the_lecture_minutes():
    notes = teaching.speaker_notes("lecture-45")
    assert notes["2 · Channels"].count("**Minutes:** 4 in this lecture (4 in the full course)") == 1


def test_the_course_page_gives_every_notebook_its_objectives_prerequisites_and_timing():
    course = teaching.course()
    assert sorted(course) == NOTEBOOKS
    for stem, block in course.items():
        assert "**Objectives.**" in block and "**Prerequisites.**" in block, stem
        notes = teaching.speaker_notes(stem)
        taught = sum(teaching.minutes(t) for h, t in notes.items() if h != "Exercises")
        exercises = teaching.minutes(notes["Exercises"]) if "Exercises" in notes else 0
        assert re.search(rf"\*\*Timing:\*\* {taught} minutes of teaching, {exercises} minutes of exercises",
                         block), stem


def test_at_least_three_questions_with_model_answers_per_notebook():
    found = teaching.questions()
    assert sorted(found) == NOTEBOOKS
    for stem, pairs in found.items():
        assert len(pairs) >= 3, stem
        assert all(q.endswith("?") and len(a) > 40 for q, a in pairs), stem


@pytest.mark.timeout(600)
@pytest.mark.parametrize("name", LECTURES)
def test_the_live_notebook_runs_top_to_bottom_in_a_fresh_kernel(name, tmp_path):
    from nbclient import NotebookClient

    nb = build_lecture.lecture_notebook(name, live=True)
    assert not any(c.get("outputs") for c in nb.cells)
    assert nb.cells[1].source.startswith("%load_ext chanlab")
    assert sum("%load_ext chanlab" in c.source for c in nb.cells) == 1
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()
    errors = [(c.id, o.get("ename")) for c in nb.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []


def test_the_decks_build_offline_with_notes_and_the_summary_is_one_slide(tmp_path):
    files = build_lecture.build(tmp_path)
    names = {f.name for f in files}
    assert {"lecture-90.ipynb", "lecture-45.ipynb", "lecture-90.slides.html", "lecture-45.slides.html",
            "summary.slides.html"} <= names
    for name in LECTURES:
        html = (tmp_path / f"{name}.slides.html").read_text(encoding="utf-8")
        assert offline.remote_sources(html) == []
        assert html.count('<aside class="notes">') == len(teaching.lecture(name).chosen)
    summary = build_lecture.summary_notebook()
    assert [c.metadata.slideshow.slide_type for c in summary.cells] == ["slide"]
    assert sum(line.startswith("|") for line in summary.cells[0].source.splitlines()) <= 16
    html = (tmp_path / "summary.slides.html").read_text(encoding="utf-8")
    assert offline.remote_sources(html) == [] and html.count("<section") == 2   # one slide (a stack of one)
    assert "lecture-90.ipynb" in (tmp_path / "index.html").read_text(encoding="utf-8")

