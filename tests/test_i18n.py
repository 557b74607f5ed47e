"""The Chinese edition stays true to the English one: tools/i18n.py's check and build, chanlab.i18n
(the library's words), chanlab.fonts (Chinese in figures)."""
import ast
import warnings
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import nbformat
import polib
import pytest

import i18n
import make_student
from chanlab import i18n as lang
from chanlab.check import channels as ck
from chanlab.fonts import cjk_font_path, use_cjk_font

ENGLISH = sorted(i18n.NOTEBOOKS.glob("[0-9]*.ipynb"))


@pytest.fixture(autouse=True)
def english_again():
    """Every test starts and ends in English, with matplotlib's own fonts."""
    lang.set_language("en")
    with matplotlib.rc_context():
        yield
    lang.set_language("en")


# --- the sync check ------------------------------------------------------------------------------------
def test_check_passes_on_the_committed_state():
    assert i18n.check("zh_CN", ENGLISH) + i18n.check_library("zh_CN") == []


@pytest.fixture
def series(tmp_path, monkeypatch):
    """A one-notebook series in a temporary folder, fully translated: returns its notebook path."""
    monkeypatch.setattr(i18n, "NOTEBOOKS", tmp_path / "notebooks")
    monkeypatch.setattr(i18n, "TRANSLATIONS", tmp_path / "translations")
    monkeypatch.setattr(i18n, "EDITIONS", {"zh_CN": tmp_path / "notebooks" / "zh-CN"})
    path = tmp_path / "notebooks" / "01-toy.ipynb"
    path.parent.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A toy\n\nSend on `ch` and see [02](02-next.ipynb).\n\n"
                                              "```go\nch <- 1\n```\n\n| a | b |\n|---|---|\n| 1 | 2 |"),
                nbformat.v4.new_code_cell("%load_ext chanlab\nx = 1"),
                nbformat.v4.new_markdown_cell("Back to [the top](#A-toy) or [the guide](AUTHORING.md).")]
    nbformat.write(nb, path)
    i18n.update("zh_CN", path)
    po = polib.pofile(str(i18n.po_path("zh_CN", path.name)))
    zh = {"# A toy": "# 玩具示例",
          "Send on `ch` and see [02](02-next.ipynb).": "在 `ch` 上发送，参见 [02](02-next.ipynb)。",
          "| a | b |\n|---|---|\n| 1 | 2 |": "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |",
          "Back to [the top](#A-toy) or [the guide](AUTHORING.md).": "回到[开头](#A-toy)或[指南](AUTHORING.md)。"}
    for entry in po:
        entry.msgstr = zh[entry.msgid]
    po.save()
    return path


def test_check_passes_on_a_complete_translation(series):
    assert i18n.check("zh_CN", [series]) == []


def test_check_fails_on_a_stale_translation(series):
    nb = nbformat.read(series, as_version=4)
    nb.cells[2].source = "Back to [the top](#A-toy) or [the authoring guide](AUTHORING.md)."
    nbformat.write(nb, series)
    i18n.update("zh_CN", series)  # the old translation stays, as a fuzzy draft
    errors = i18n.check("zh_CN", [series])
    assert len(errors) == 1 and "01-toy.ipynb" in errors[0] and "stale (fuzzy)" in errors[0]
    assert "Back to [the top]" in errors[0]
    assert i18n.main(["check", str(series)]) == 1
    with pytest.raises(ValueError, match="not translated"):
        i18n.build_notebook("zh_CN", series)


def test_check_fails_on_a_missing_translation(series):
    nb = nbformat.read(series, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("A new paragraph nobody translated."))
    nbformat.write(nb, series)
    errors = i18n.check("zh_CN", [series])
    assert len(errors) == 1 and "01-toy.ipynb" in errors[0] and "missing" in errors[0]
    assert "A new paragraph" in errors[0]


@pytest.mark.parametrize("msgid, broken, what", [
    ("Send on `ch` and see [02](02-next.ipynb).", "在 ch 上发送，参见 [02](02-next.ipynb)。", "inline code"),
    ("Send on `ch` and see [02](02-next.ipynb).", "在 `ch` 上发送，参见 02。", "link targets"),
    ("# A toy", "## 玩具示例", "heading level"),
    ("| a | b |\n|---|---|\n| 1 | 2 |", "| 甲乙 |\n|---|\n| 1 2 |", "table columns"),
])
def test_check_fails_when_a_translation_loses_what_code_needs(series, msgid, broken, what):
    po = polib.pofile(str(i18n.po_path("zh_CN", series.name)))
    po.find(msgid).msgstr = broken
    po.save()
    errors = i18n.check("zh_CN", [series])
    assert len(errors) == 1 and what in errors[0] and "01-toy.ipynb" in errors[0]


def test_a_draft_notebook_builds_with_marked_english_and_check_reports_a_finished_draft(series):
    (i18n.TRANSLATIONS / "zh_CN" / "DRAFTS.txt").write_text("01-toy\n")
    assert any("DRAFTS.txt" in e for e in i18n.check("zh_CN", [series]))  # complete, still listed
    nb = nbformat.read(series, as_version=4)
    nb.cells.append(nbformat.v4.new_markdown_cell("Not translated yet."))
    nbformat.write(nb, series)
    assert i18n.check("zh_CN", [series]) == []
    twin = i18n.build_notebook("zh_CN", series)
    assert twin.cells[-1].source == i18n.MARKER["zh_CN"] + "\n\nNot translated yet."


def test_build_translates_words_shares_code_and_fixes_links(series):
    twin = i18n.build_notebook("zh_CN", series)
    first, code, last = twin.cells
    assert first.source == ("# 玩具示例\n\n在 `ch` 上发送，参见 [02](02-next.ipynb)。\n\n```go\nch <- 1\n```"
                            "\n\n| 甲 | 乙 |\n|---|---|\n| 1 | 2 |")
    assert code.source == '%load_ext chanlab\nfrom chanlab.i18n import set_language; set_language("zh_CN")\nx = 1'
    assert last.source == "回到[开头](#玩具示例)或[指南](../AUTHORING.md)。"  # anchor mapped, link one level up
    english = nbformat.read(series, as_version=4)
    assert [c.id for c in twin.cells] == [c.id for c in english.cells]
    assert twin.metadata["chanlab"]["language"] == "zh_CN"


# --- the committed Chinese edition -----------------------------------------------------------------------
@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.stem)
def test_committed_twins_are_what_build_makes(path):
    twin = i18n.twin_path("zh_CN", path)
    assert twin.exists(), f"{twin} missing: run python tools/i18n.py build --execute"
    committed = nbformat.read(twin, as_version=4)
    built = i18n.build_notebook("zh_CN", path, committed)
    assert i18n.sources_of(committed) == i18n.sources_of(built), \
        f"{twin.name} is out of date: run python tools/i18n.py build --execute"
    assert not i18n.needs_execution(committed), f"{twin.name} is not executed"


def test_committed_zh_student_copies_are_what_make_student_makes(tmp_path):
    twins = [i18n.twin_path("zh_CN", p) for p in ENGLISH]
    made = make_student.build(tmp_path, twins, note=i18n.STUDENT_NOTE["zh_CN"])
    for copy in made:
        committed = i18n.EDITIONS["zh_CN"] / "student" / copy.name
        assert committed.read_text(encoding="utf-8") == copy.read_text(encoding="utf-8"), \
            f"{committed} is out of date: run python tools/i18n.py student"


def test_the_library_mo_is_the_compiled_po():
    po = i18n.library_po("zh_CN")
    assert po.with_suffix(".mo").read_bytes() == i18n.compile_mo(i18n.read_library("zh_CN"))


# --- every learner-facing string of the checkers is marked for translation ----------------------------------
CHECK = Path(lang.__file__).resolve().parent / "check"
#: files not checked yet (none: every checker module is)
NOT_YET = set()
#: code the learner types, shown as the expected line or as a hint: the same in every language
CODE = {
    "def get(): ...; return get", "predicted = {'audit': <a count>, 'eu': <a count>, 'late': <a count>}", "go(lambda: (wg.wait(), out.close()))", "return results, g.wait()",
    "return total, missing", "return bus.subscribe(pattern, handler)", "return ch, go(loop)",
    "async def fixed_main(n): ...", "e.g. f\"{row['order']}/{row['event']}\"",
    "return {'saga.OrderPlaced', ...}", 'prediction = {"redelivered": 0, "processed": 0, "finished_at": 0.0}',
    "diagram = diagrams.event_driven(publishers=..., subscribers=...)",
    "event_driven(publishers=2, subscribers=4)", "fetch_all({urls}, limit={limit})",
}
#: dicts of hints (exception type or key -> hint) and the keyword arguments that carry a learner's words
HINT_DICTS = {"hints", "hint_wait", "_DEADLOCK", "_NO_HANG", "_WHY"}
WORDS = {"hint", "summary", "drop_hint", "raised_hint", "todo", "what"}
#: variables assigned a sentence that a checker then shows
SHOWN = {"hint", "todo", "detail", "problem", "label"}
#: checkers' builders and the position of the learner's sentence among their arguments
MESSAGE_ARG = {"failed": 1, "passed": 1, "not_attempted": 1, "_panic_feedback": 2, "_not_attempted_panic": 2}


def _unmarked(node):
    """The parts of the expression ``node`` that would reach the learner untranslated."""
    if isinstance(node, ast.Constant):
        return [node.value] if isinstance(node.value, str) and " " in node.value and node.value not in CODE else []
    if isinstance(node, ast.JoinedStr):
        return [] if ast.unparse(node)[2:-1] in CODE else [ast.unparse(node)]
    if isinstance(node, ast.BinOp):
        return _unmarked(node.left) + _unmarked(node.right)
    if isinstance(node, ast.IfExp):
        return _unmarked(node.body) + _unmarked(node.orelse)
    if isinstance(node, ast.Tuple):
        return [text for elt in node.elts for text in _unmarked(elt)]
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id in ("_", "N_"):
            return []
        if isinstance(node.func, ast.Attribute) and node.func.attr == "format":
            return _unmarked(node.func.value)
    return []


def _learner_facing(tree):
    """Every expression of ``tree`` whose value a checker shows the learner."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) for t in node.targets):
            names = {t.id for t in node.targets if isinstance(t, ast.Name)}
            if names & HINT_DICTS and isinstance(node.value, ast.Dict):
                yield from node.value.values
            elif names & SHOWN:
                yield node.value
        elif isinstance(node, ast.Call):
            for kw in node.keywords:
                if kw.arg in WORDS:
                    yield kw.value
                elif kw.arg == "hints" and isinstance(kw.value, ast.Dict):
                    yield from kw.value.values
            name = getattr(node.func, "id", None)
            if name in MESSAGE_ARG and len(node.args) > MESSAGE_ARG[name]:
                yield node.args[MESSAGE_ARG[name]]


def test_every_learner_facing_string_of_the_checkers_is_marked_for_translation():
    unmarked = [f"{path.name}:{node.lineno}: {text[:70]!r}"
                for path in sorted(CHECK.glob("*.py")) if path.name not in NOT_YET
                for node in _learner_facing(ast.parse(path.read_text(encoding="utf-8")))
                for text in _unmarked(node)]
    assert not unmarked, ("not marked with _() or N_(), so a Chinese learner reads English:\n"
                          + "\n".join(unmarked))
# --- the notebooks' figure words --------------------------------------------------------------------------
# A figure drawn by a notebook's own code cell speaks the reader's language when its words are marked
# _() (from chanlab.i18n): `tools/i18n.py library` extracts them into chanlab.po with the library's.
FIGURE_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle"}  # their first argument
FIGURE_KEYWORDS = {"title", "xlabel", "ylabel", "label", "suptitle"}
FIGURE_TEXT = {"text"}  # ax.text(x, y, s): its third argument
NOT_WORDS = {
    "",  # an empty label: it clears an axis's label (a shared x-axis keeps only the bottom one)
}


def _python(source: str):
    return ast.parse(i18n.code_for_extraction(source))


def _code_cells(path: Path):
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type == "code" and not cell.source.lstrip().startswith("%%"):
            yield cell


def unmarked_figure_words(path: Path) -> list[str]:
    """Every string literal or f-string a notebook's code cells give a figure's title, axis label,
    legend label or text without _() (a literal inside ``x if c else y`` counts, as it is shown)."""
    def literals(node):
        if isinstance(node, ast.IfExp):
            return literals(node.body) + literals(node.orelse)
        if isinstance(node, ast.JoinedStr):
            return [node]
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value not in NOT_WORDS:
            return [node]
        return []
    found = []
    for cell in _code_cells(path):
        for node in ast.walk(_python(cell.source)):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "attr", getattr(node.func, "id", None))
            shown = list(node.args[:1]) if name in FIGURE_CALLS else list(node.args[2:3]) if name in FIGURE_TEXT else []
            shown += [k.value for k in node.keywords if k.arg in FIGURE_KEYWORDS]
            for value in shown:
                for literal in literals(value):
                    found.append(f"{path.name}:{cell.get('id')}:{literal.lineno}: "
                                 f"{ast.get_source_segment(i18n.code_for_extraction(cell.source), literal)}")
    return found


def gettext_shadowed(path: Path) -> list[str]:
    """Code that calls _() where _ is not (or no longer) chanlab.i18n's: a module-level ``for _ in``
    or ``_ = ...`` in an earlier cell or statement rebinds it (a comprehension's own _ does not)."""
    class Stores(ast.NodeVisitor):
        def __init__(self):
            self.found = False
        def visit_Name(self, node):
            self.found |= node.id == "_" and isinstance(node.ctx, ast.Store)
        def skip(self, node):
            pass
        visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = skip
        visit_ListComp = visit_SetComp = visit_DictComp = visit_GeneratorExp = skip

    def calls_gettext(stmt):
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "_"
                   for n in ast.walk(stmt))
    problems, bound = [], False
    for cell in _code_cells(path):
        for stmt in _python(cell.source).body:
            if isinstance(stmt, ast.ImportFrom) and stmt.module == "chanlab.i18n" \
                    and any((a.asname or a.name) == "_" for a in stmt.names):
                bound = True
                continue
            stores = Stores()
            stores.visit(stmt)
            if calls_gettext(stmt) and (not bound or stores.found):
                problems.append(f"{path.name}:{cell.get('id')}:{stmt.lineno}: _() is not chanlab.i18n's _ here")
            bound &= not stores.found
    return problems


def _toy_notebook(tmp_path, *sources) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    path = tmp_path / "01-toy.ipynb"
    nbformat.write(nb, path)
    return path


def test_a_marked_string_in_a_notebooks_code_is_extracted(tmp_path):
    path = _toy_notebook(tmp_path,
                         "%matplotlib inline\nfrom chanlab.i18n import _",
                         'ax.set_title(_("{n} workers pull {jobs} jobs").format(n=3, jobs=6))\n'
                         'ax.set_xlabel("not marked")',
                         '%%bash\necho _("a shell cell is not Python")')
    cells = nbformat.read(path, as_version=4).cells
    assert i18n.notebook_code_strings(path) == [("{n} workers pull {jobs} jobs", cells[1].id, [])]


def test_the_library_catalogue_holds_the_notebooks_figure_words():
    template = {m.id: m for m in i18n.library_template() if m.id}
    title = template["3 workers pull 6 jobs from an unbuffered channel (virtual time)"]
    assert title.locations == [("notebooks/03-workers-and-waitgroup.ipynb:780552da", None)]
    catalogue = {m.id: m for m in i18n.read_library("zh_CN")}
    assert catalogue[title.id].string == "3 个 worker 从无缓冲 channel 中拉取 6 个任务（虚拟时间）"
    lang.set_language("zh_CN")  # the committed .mo: a twin's figure says it in Chinese
    assert lang._(title.id) == catalogue[title.id].string
    assert lang._("{w} workers").format(w=2) == "2 个 worker"


def test_the_scans_find_unmarked_figure_words_and_a_shadowed_gettext(tmp_path):
    path = _toy_notebook(tmp_path,
                         "from chanlab.i18n import _\nax.set_title(_('marked'))",
                         "ax.set_xlabel('')\nax.set_ylabel(\"latency (ms)\")",
                         "for _ in range(3):\n    pass\nplots.draw(title=f'{n} jobs', label=_('x') if a else 'y')\n"
                         "ax.text(0, 1, f'job {j}', ha='center')")
    assert [line.split(": ", 1)[1] for line in unmarked_figure_words(path)] == [
        '"latency (ms)"', "f'{n} jobs'", "'y'", "f'job {j}'"]
    assert len(gettext_shadowed(path)) == 1 and ":3: " in gettext_shadowed(path)[0]


@pytest.mark.parametrize("path", ENGLISH, ids=lambda p: p.stem[:3])
def test_every_figure_word_in_a_notebooks_code_is_marked_for_translation(path):
    assert unmarked_figure_words(path) == []
    assert gettext_shadowed(path) == []


# --- chanlab.i18n ----------------------------------------------------------------------------------------
def test_english_by_default_and_chinese_on_request():
    assert lang.get_language() == "en" and lang._("Hint:") == "Hint:"
    lang.set_language("zh_CN")
    assert lang.get_language() == "zh_CN" and lang._("Hint:") == "提示："
    assert lang._("a sentence the catalogue does not have") == "a sentence the catalogue does not have"


@pytest.mark.parametrize("bad, error", [("fr", ValueError), ("zh-CN", ValueError), (None, TypeError)])
def test_an_unknown_language_is_a_clear_error(bad, error):
    with pytest.raises(error, match="language"):
        lang.set_language(bad)
    assert lang.get_language() == "en"


def _blocks(ch, value):
    ch.send(value)
    return True


def _right(ch, value):
    from chanlab import select

    return select(ch.sending(value), default=True).index == 0


@pytest.mark.parametrize("answer", [_right, _blocks], ids=["right", "wrong"])
def test_a_checker_gives_the_same_verdict_in_chinese(answer):
    english = ck.try_send(answer)
    english_text = str(english)
    lang.set_language("zh_CN")
    chinese = ck.try_send(answer)
    assert (chinese.ok, chinese.attempted) == (english.ok, english.attempted)
    assert "Exercise 02a.1" in english_text and "练习 02a.1" in str(chinese)
    assert ("正确" in str(chinese)) == english.ok and ("还不对" in str(chinese)) == (not english.ok)


def test_a_figure_speaks_the_language_set_when_it_is_drawn():
    from chanlab import plots

    lang.set_language("zh_CN")
    ax = plots.draw_histogram({"a": [1.0, 2.0]})
    assert ax.get_title() == "延迟" and ax.get_xlabel() == "延迟（秒）"
    plt.close(ax.figure)
    lang.set_language("en")
    ax = plots.draw_histogram({"a": [1.0, 2.0]})
    assert ax.get_title() == "Latency"
    plt.close(ax.figure)


# --- chanlab.fonts ---------------------------------------------------------------------------------------
def _draw_chinese():
    fig, ax = plt.subplots()
    ax.set_title("吞吐量与背压：⌈100 / k⌉")  # the ceiling signs are not in Noto Sans SC: DejaVu Sans has them
    ax.plot([0, 1], [0, 1], label="已投递")
    ax.legend()
    fig.canvas.draw()
    plt.close(fig)


def test_chinese_renders_with_the_series_font():
    assert cjk_font_path().is_file() and cjk_font_path().stat().st_size > 1_000_000
    assert use_cjk_font() == matplotlib.rcParams["font.sans-serif"][0]
    _draw_chinese()  # warnings are errors: a missing glyph would fail here


def test_without_the_font_chinese_is_missing_glyphs():
    matplotlib.rcParams["font.sans-serif"] = ["DejaVu Sans"]
    with pytest.warns(UserWarning, match="missing from font"):
        _draw_chinese()


def test_set_language_zh_uses_the_cjk_font():
    lang.set_language("zh_CN")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _draw_chinese()


# --- the static edition's language ------------------------------------------------------------------------
def test_a_twins_static_page_declares_its_language_and_an_english_page_stays_english():
    import build_html

    english = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# A page")])
    twin = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 一页")])
    twin.metadata["chanlab"] = {"language": "zh_CN", "source": "01-toy.ipynb"}  # as build_notebook writes it
    html_en, _ = build_html.exporter().from_notebook_node(english)
    html_zh, _ = build_html.exporter().from_notebook_node(twin)
    assert '<html lang="en">' in html_en
    assert '<html lang="zh-CN">' in html_zh and '<html lang="en">' not in html_zh
    assert "window.MathJax = {Hub" in html_zh  # the offline template's own blocks still apply
    built = nbformat.read(i18n.EDITIONS["zh_CN"] / "01-two-styles.ipynb", as_version=4)
    assert built.metadata["chanlab"]["language"] == "zh_CN"


def test_the_verdict_table_quotes_the_article_in_chinese_and_names_its_columns_in_the_readers_language():
    from chanlab import claims
    from chanlab.experiments.styles import Verdict, verdict_table

    vs = [Verdict(c.id, c.en, c.status, "false", "fig. 1", "a caveat", i > 0) for i, c in enumerate(claims.CLAIMS)]
    english = verdict_table(vs)
    assert english.startswith("| # | claim |") and claims.CLAIMS[2].en in english and "(reasoned)" in english
    lang.set_language("zh_CN")
    chinese = verdict_table(vs)
    assert chinese.splitlines()[0].count("|") == english.splitlines()[0].count("|")  # same columns
    assert "论断" in chinese.splitlines()[0] and "（推理得出）" in chinese
    assert f"| 3 | real-time: “{claims.CLAIMS[2].zh}” |" in chinese and claims.CLAIMS[2].en not in chinese
    from chanlab.experiments.styles import VERDICTS
    judge, _measured = VERDICTS["only-async"]
    verdict_, evidence, caveat = judge({"rendezvous": 0.5})  # evidence and caveats in the reader's language
    assert verdict_ == "false" and evidence == "第 8 节：make(chan T) 上的一次发送等了它的接收方 0.5 s"
    lang.set_language("en")
    assert judge({"rendezvous": 0.5})[1] == "section 8: a send on make(chan T) waited 0.5 s for its receiver"
