"""The notebooks as users meet them: in JupyterLab, in a real browser (headless Chromium).

One JupyterLab server for the module, on a loopback port, serving a scratch copy of the repository
(tests/browser_support.py). For each notebook: open it, Run -> Run All Cells, wait until every code
cell has run and the kernel is idle, then check that no cell raised (except cells tagged
``raises-exception``), that every explorer (``interact(...)``, ``widgets.*_explorer()``) rendered its
sliders and figure, that moving a slider redraws the figure, and that the page logged no error.
A screenshot of each notebook goes to build/browser/ (kept for debugging; build/ is not tracked).

It also measures how long a redraw takes as a reader sees it, for the explorers named in ``MEASURED``:
from the key press that moves the slider to the new figure in the page (kernel, widget messages and
rendering), the median of ``MOVES`` moves, printed at the end of the run. (A measurement, not an
assertion: the aim, a redraw in under 0.5 s, depends on the machine. ``benchmarks/widgets.py``
measures the kernel's part alone.) One notebook: ``pytest tests/test_browser.py -k 04``.

Needs Chromium (Debian: ``apt-get install chromium``) and playwright from pip (with the system
Chromium: ``playwright install`` is never needed). Without them the tests skip and say how to enable
them; .ci/run installs Chromium so that CI always runs them.
"""
import hashlib
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import psutil
import pytest

try:
    from playwright.sync_api import Error as PlaywrightError, sync_playwright
except ImportError:  # the tests skip (missing_browser_reason says why)
    PlaywrightError = sync_playwright = None

from browser_support import (BENIGN_CONSOLE, CHROMIUM_ARGS, JupyterLab, find_chromium, missing_browser_reason,
                             scratch_tree)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]*-*.ipynb"))  # not notebooks/student/
SHOTS = ROOT / "build" / "browser"
RUN_TIMEOUT = 180.0  # seconds for one notebook's Run All (they take 5-20 s on a quiet 2-core machine)
# A cell that builds an explorer: a call (not a definition) of interact(...) or some *_explorer(...)
EXPLORER = re.compile(r"(?<!def )\b(interact|interactive|interact_manual|\w+_explorer)\(")
MEASURED = re.compile(r"\b(policy_explorer|publisher_explorer)\(")  # whose redraws are timed (notebook 04)
MOVES = 5

pytestmark = [pytest.mark.skipif(missing_browser_reason() is not None, reason=str(missing_browser_reason())),
              pytest.mark.timeout(RUN_TIMEOUT + 120)]


def _digest(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


def _git_dirty(paths):
    """The notebooks among ``paths`` that differ from git's HEAD (or are untracked); None without git."""
    try:
        out = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all", "--", "notebooks"],
                             cwd=ROOT, capture_output=True, text=True, timeout=30)
    except OSError:
        return None
    if out.returncode != 0:
        return None  # not a git checkout (an exported tarball)
    changed = {line[3:].strip().strip('"') for line in out.stdout.splitlines()}
    return {p.name for p in paths if f"notebooks/{p.name}" in changed}


class _RedrawSummary:
    """Prints the measured redraw times at the end of the run (pytest's terminal summary)."""

    def __init__(self):
        self.times = {}  # "notebook, cell N (explorer)" -> [seconds per move]

    def pytest_terminal_summary(self, terminalreporter):
        if not self.times:
            return
        terminalreporter.section(f"explorer redraws in JupyterLab: key press to new figure, median of {MOVES}")
        for what, times in self.times.items():
            terminalreporter.write_line(f"{what:<52} median {statistics.median(times):5.2f} s "
                                        f"(fastest {min(times):.2f} s, slowest {max(times):.2f} s)")


@pytest.fixture(scope="module")
def redraws(request):
    summary = _RedrawSummary()
    request.config.pluginmanager.register(summary, "chanlab-browser-redraws")
    return summary.times


@pytest.fixture(scope="module")
def lab():
    """A JupyterLab server serving a scratch copy of the repository, and a headless Chromium.

    Shared by the module; at the end the browser is closed and the server is stopped by its PID, and
    the fixture checks that no process of the server's family is left and that no notebook changed:
    the copies the browser worked on are byte-for-byte as copied (the run never saves), and every
    notebook that was clean in git before the run is clean after it.
    """
    dirty_before = _git_dirty(NOTEBOOKS)
    tmp = Path(tempfile.mkdtemp(prefix="chanlab-browser-"))
    (tmp / "tree").mkdir()
    copies = scratch_tree(ROOT, tmp / "tree")
    copied = _digest(copies.values())
    server = JupyterLab(tmp / "tree", tmp / "state", cwd=ROOT)
    try:
        server.start()
        with sync_playwright() as pw:
            # (playwright gives the browser a fresh profile directory of its own, and removes it)
            browser = pw.chromium.launch(executable_path=find_chromium(), headless=True, args=CHROMIUM_ARGS)
            try:
                yield server, browser
            finally:
                browser.close()
    finally:
        survivors = server.stop()
        assert not psutil.pid_exists(server.pid) or psutil.Process(server.pid).status() == psutil.STATUS_ZOMBIE
        saved = _digest(copies.values())
        shutil.rmtree(tmp, ignore_errors=True)
    assert survivors == [], f"processes outlived the JupyterLab server (killed now): {survivors}"
    assert saved == copied, "the browser run saved a notebook (autosave should be off)"
    dirty_after = _git_dirty(NOTEBOOKS)
    if dirty_before is not None:
        assert dirty_after - dirty_before == set(), "a notebook that was clean in git changed during the run"


# --- the page -----------------------------------------------------------------------------------------

# Every code cell of the open notebook, from JupyterLab's own model (the app is exposed for tests by
# --LabApp.expose_app_in_browser): execution count, tags, source, and its errors ("ename: evalue").
CELLS_JS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    return panel.content.widgets.map((cell, index) => {
        const m = cell.model;
        if (m.type !== 'code') return null;
        const errors = [];
        for (let i = 0; i < m.outputs.length; i++) {
            const o = m.outputs.get(i).toJSON();
            if (o.output_type === 'error') errors.push(`${o.ename}: ${o.evalue}`);
        }
        return {index, count: m.executionCount, tags: m.getMetadata('tags') || [], errors,
                source: m.sharedModel.getSource()};
    }).filter(c => c !== null);
}"""

CELL_COUNT_JS = "() => window.jupyterapp.shell.currentWidget.content.widgets.length"

KERNEL_IDLE_JS = """() => {
    const panel = window.jupyterapp.shell.currentWidget;
    const k = panel && panel.sessionContext.session && panel.sessionContext.session.kernel;
    return !!k && k.connectionStatus === 'connected' && k.status === 'idle'
        && !panel.sessionContext.pendingInput;
}"""


def _open(page, server, name):
    page.goto(server.url(f"lab/tree/notebooks/{name}", "reset"))
    page.wait_for_selector(".jp-NotebookPanel .jp-Notebook .jp-Cell", timeout=60_000)
    page.wait_for_function(f"() => window.jupyterapp && window.jupyterapp.shell.currentWidget"
                           f" && window.jupyterapp.shell.currentWidget.title.label === {name!r}", timeout=30_000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)


def _run_all(page):
    """Run -> Run All Cells, through the menu bar, as a reader would."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()


def _wait_finished(page, timeout):
    """Until every code cell has an execution count (or one raised, which stops Run All) and the
    kernel is idle. Returns the cells as CELLS_JS sees them."""
    deadline = time.monotonic() + timeout
    idle_since = None
    while True:
        cells = page.evaluate(CELLS_JS)
        idle = page.evaluate(KERNEL_IDLE_JS)
        done = all(c["count"] is not None for c in cells)
        raised = any(c["errors"] for c in cells if "raises-exception" not in c["tags"])
        if idle and (done or raised):
            # idle twice, 0.5 s apart: the kernel is not between two queued cells
            if idle_since is not None and time.monotonic() - idle_since >= 0.5:
                return cells
            idle_since = idle_since or time.monotonic()
        else:
            idle_since = None
        if time.monotonic() > deadline:
            pending = [c["index"] for c in cells if c["count"] is None]
            raise AssertionError(f"Run All did not finish in {timeout:.0f} s; cells not run: {pending}")
        page.wait_for_timeout(250)


def _console_errors(messages):
    return [m for m in messages if not any(b in m for b in BENIGN_CONSOLE)]


def _figure(cell):
    """The src of the last image in a cell's output (a data: URL of the PNG), or None."""
    imgs = cell.locator(".jp-OutputArea-output img")
    return imgs.last.get_attribute("src") if imgs.count() else None


def _wait_redrawn(page, cell, before, what):
    deadline = time.monotonic() + 60
    while _figure(cell) in (before, None):
        assert time.monotonic() < deadline, f"{what} did not redraw the figure within 60 s"
        page.wait_for_timeout(100)


def _change_control(page, cell, index):
    """Move the explorer's first slider one step (right arrow on its handle, as a keyboard user would),
    or, with no slider, pick the next option of its first dropdown: the figure must be redrawn."""
    before = _figure(cell)
    sliders = cell.locator(".widget-slider")
    if sliders.count():
        readout = sliders.first.locator(".widget-readout")
        label = readout.inner_text()
        sliders.first.locator(".noUi-handle").first.focus()
        page.keyboard.press("ArrowRight")
        _wait_redrawn(page, cell, before, f"cell {index}: moving a slider")
        assert readout.inner_text() != label, f"cell {index}: the slider's readout stayed at {label}"
        return
    dropdowns = cell.locator(".widget-dropdown select")
    assert dropdowns.count(), f"cell {index}: the explorer shows no slider and no dropdown"
    options = dropdowns.first.locator("option").all_inner_texts()
    current = dropdowns.first.evaluate("s => s.options[s.selectedIndex].text")
    dropdowns.first.select_option(label=options[(options.index(current) + 1) % len(options)])
    _wait_redrawn(page, cell, before, f"cell {index}: choosing another option")


# True once the last image of the cell (handle) is not the one whose src was ``before``.
NEW_FIGURE_JS = """([cell, before]) => {
    const imgs = cell.querySelectorAll('.jp-OutputArea-output img');
    return imgs.length > 0 && imgs[imgs.length - 1].getAttribute('src') !== before;
}"""


def _time_redraws(page, cell, index, moves=MOVES):
    """Move the explorer's first slider ``moves`` steps to the right (a new value each time: nothing
    can come from a cache), each time from the key press until the new figure is in the page; the
    seconds each took."""
    handle = cell.locator(".widget-slider").first.locator(".noUi-handle").first
    times = []
    for i in range(moves):
        page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)
        before = _figure(cell)
        handle.focus()
        t0 = time.perf_counter()
        page.keyboard.press("ArrowRight")
        try:
            page.wait_for_function(NEW_FIGURE_JS, arg=[cell.element_handle(), before], polling="raf",
                                   timeout=60_000)
        except PlaywrightError as e:
            raise AssertionError(f"cell {index}: move {i + 1} did not redraw the figure within 60 s") from e
        times.append(time.perf_counter() - t0)
    return times


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_in_jupyterlab(lab, redraws, path):
    server, browser = lab
    name = path.name
    messages = []
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.on("console", lambda m: messages.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: messages.append(f"page error: {e}"))
    SHOTS.mkdir(parents=True, exist_ok=True)
    shot = SHOTS / f"{path.stem}.png"
    try:
        _open(page, server, name)
        _run_all(page)
        cells = _wait_finished(page, RUN_TIMEOUT)

        raised = [(c["index"], e) for c in cells for e in c["errors"] if "raises-exception" not in c["tags"]]
        assert raised == [], f"cells raised (cell index, error): {raised}"
        not_run = [c["index"] for c in cells if c["count"] is None]
        assert not_run == [], f"cells that never ran: {not_run}"

        dom_cells = page.locator(".jp-NotebookPanel .jp-WindowedPanel-viewport > .jp-Cell")
        assert dom_cells.count() == page.evaluate(CELL_COUNT_JS), "not every cell is in the page"
        # A traceback printed to stderr (an uncaught error in a thread, a failed callback) is an error too.
        stderr = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'
        tracebacks = [c["index"] for c in cells if "raises-exception" not in c["tags"]
                      and "Traceback (most recent call last)" in
                      "".join(dom_cells.nth(c["index"]).locator(stderr).all_inner_texts())]
        assert tracebacks == [], f"cells printed a traceback: {tracebacks}"
        broken = page.get_by_text(re.compile("Error displaying widget|Error rendering output")).count()
        assert broken == 0, "a widget or an output failed to render"

        explorers = [c for c in cells if EXPLORER.search(c["source"])]
        for c in explorers:
            cell = dom_cells.nth(c["index"])
            cell.scroll_into_view_if_needed()
            assert _figure(cell) is not None, f"cell {c['index']}: the explorer shows no figure"
            _change_control(page, cell, c["index"])
            found = MEASURED.search(c["source"])
            if found:
                times = _time_redraws(page, cell, c["index"])
                redraws[f"{path.stem}, cell {c['index']} ({found.group(1)})"] = times
                print(f"{path.stem} cell {c['index']}: redraws took {', '.join(f'{t:.2f}' for t in times)} s")
        page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000)
        assert _console_errors(messages) == []
    finally:
        try:
            # (bytes, written here: with path=..., playwright writes from a thread pool that outlives the test)
            shot.write_bytes(page.screenshot(full_page=True, timeout=15_000))
        except PlaywrightError:
            pass  # the page is gone (a crash): the failure above says more than a screenshot would
        finally:
            context.close()
            server.shutdown_kernels()
