"""The teacher material's translations (translations/zh_CN/teaching/*.po), read by tools/teaching.py."""
import re
import shutil

import polib
import pytest

import i18n
import teaching

LANG = "zh_CN"
CJK = re.compile(r"[\u4e00-\u9fff]")
NOTES = sorted(p.stem for p in (teaching.TEACHING / "notes").glob("*.md"))
DONE = NOTES


def test_every_teaching_block_has_a_translation_that_keeps_its_code_links_and_labels():
    assert teaching.translation_problems(LANG) == []


def test_every_teaching_source_has_its_po_file():
    assert all(teaching.translation_path(s, LANG).exists() for s in teaching.sources())


def test_a_changed_english_block_makes_the_check_fail(tmp_path, monkeypatch):
    shutil.copytree(teaching.TEACHING, tmp_path / "teaching")
    shutil.copytree(i18n.TRANSLATIONS / LANG / "teaching", tmp_path / "translations" / LANG / "teaching")
    monkeypatch.setattr(teaching, "TEACHING", tmp_path / "teaching")
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path / "translations")
    notes = tmp_path / "teaching" / "notes" / "03-workers-and-waitgroup.md"
    old = "**Ask.** \"How many lines does the fix change?\" Expect: one, the import."
    notes.write_text(notes.read_text(encoding="utf-8").replace(old, old.replace("one,", "exactly one,")),
                     encoding="utf-8")
    teaching.update_translations(LANG)
    assert teaching.translation_problems(LANG) == [f"notes/03-workers-and-waitgroup.md: fuzzy: {old.replace('one,', 'exactly one,')[:60]!r}"]
    po = polib.pofile(str(teaching.translation_path(notes, LANG)))
    stale = next(e for e in po if e.msgid.startswith("**Ask.** \"How many lines"))
    assert "fuzzy" in stale.flags and stale.previous_msgid == old and CJK.search(stale.msgstr)
    assert old not in {e.msgid for e in po}
    # a stale block reads in English until it is translated again
    assert "exactly one" in teaching.speaker_notes("03-workers-and-waitgroup", lang=LANG)["1 · The program as printed"]


@pytest.mark.parametrize("stem", DONE)
def test_the_chinese_speaker_notes_have_every_section_keyed_by_its_english_heading(stem):
    english = teaching.speaker_notes(stem)
    chinese = teaching.speaker_notes(stem, lang=LANG)
    assert list(chinese) == list(english)
    for heading, notes in chinese.items():
        assert CJK.search(notes) and notes != english[heading], heading
        assert not re.search(r"\*\*(Say|Ask|Run|Minutes)\b", notes), heading
        assert teaching.minutes(notes) == teaching.minutes(english[heading])
    assert teaching.note_problems(stem, lang=LANG) == []


def test_the_lectures_in_chinese_carry_their_titles_and_this_lectures_minutes():
    for name, spec in teaching.lectures(LANG).items():
        assert CJK.search(spec["title"]) and spec["title"] != teaching.lectures()[name]["title"]
    lec = teaching.lecture("lecture-45", lang=LANG)
    assert [c.heading for c in lec.chosen] == [c.heading for c in teaching.lecture("lecture-45").chosen]
    assert lec.chosen[2].heading == "2 · Channels"
    assert lec.chosen[2].notes.count("**时长（分钟）：** 本讲 4（完整课程中 4）") == 1
    assert teaching.speaker_notes("lecture-45", lang=LANG)["2 · Channels"] == lec.chosen[2].notes


def test_the_chinese_course_page_gives_the_same_timings():
    english, chinese = teaching.course(), teaching.course(LANG)
    assert list(chinese) == list(english)
    for stem, block in english.items():
        taught = re.search(r"\*\*Timing:\*\* (\d+) minutes of teaching, (\d+) minutes", block)
        if taught:
            assert f"**时长：** 讲授 {taught[1]} 分钟，练习 {taught[2]} 分钟" in chinese[stem]


def test_the_summary_and_readme_read_in_chinese():
    for name in ("summary.md", "README.md"):
        text = teaching.document(name, LANG)
        assert CJK.search(text) and text.count("\n|") == teaching.document(name).count("\n|")
