"""Every checker of every notebook, run 3 times against its stub, its solution (read from the
notebook, as tools/make_student.py finds them) and typical wrong answers: the same verdict each
time (stub: not attempted; solution: right; wrong answer: not yet)."""
from __future__ import annotations

import linecache
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
RUNS = 3

#: code an exercise needs from earlier in its notebook: the first cell that contains the marker
SETUP = {"01.3": "subscribers = defaultdict(list)"}

#: typical wrong answers (cell sources that replace the solution), per exercise
WRONG = {
    "02a.1": ["""
def try_send(ch, value):
    try:
        ch.send(value, timeout=0.05)       # waits a little: not a non-blocking send
        return True
    except TimeoutError:
        return False
""", """
def try_send(ch, value):
    if len(ch) < ch.cap:
        ch.send(value)
        return True
    return False
"""],
    "02a.2": ["""
def consumer(readings):
    total = 0
    while (r := readings.recv()) is not None:
        total += r
    return total, 0
"""],
    "02b.1": ["""
from chanlab import Chan, WaitGroup, go
def double_all(values, workers):
    jobs, results, wg = Chan(len(values) + 1), Chan(len(values) + 1), WaitGroup()
    for v in values:
        jobs.send(v)
    jobs.close()
    def worker():
        for j in jobs:
            results.send(2 * j)
        wg.done()
        results.close()                    # every worker closes results: close twice
    for _ in range(workers):
        wg.add(1)
        go(worker)
    wg.wait()
    return sorted(results)
"""],
    "02b.2": ["""
from chanlab import Chan, context, go
def first_squares(n):      # looks at ctx.err() and then sends: blocked in the send when cancel() comes
    ctx, cancel = context.with_cancel(context.background())
    nums, sq = Chan(), Chan()
    def numbers():
        i = 1
        while ctx.err() is None:
            try:
                nums.send(i, timeout=2.0)   # (a timeout only so that the test leaves no thread)
            except TimeoutError:
                return
            i += 1
    def squares():
        while ctx.err() is None:
            try:
                v = nums.recv(timeout=2.0)
                sq.send(v * v, timeout=2.0)
            except TimeoutError:
                return
    go(numbers); go(squares)
    got = [sq.recv(timeout=1) for _ in range(n)]
    cancel()
    return got
"""],
    "04.2": ["""
from chanlab import aio
async def offer_drop_oldest(ch, v, dropped):     # a waiting receive: not select with default
    while (await aio.select(ch.sending(v), default=True)).index is None:
        dropped.append(await ch.recv())
"""],
    "05.2": ["""
def make_retained(bus):                # replays the whole history, not the latest per topic
    seen = []
    def publish(topic, event):
        seen.append((topic, event))
        bus.publish(topic, event)
    def subscribe(pattern, handler):
        for topic, event in seen:
            handler(topic, event)
        return bus.subscribe(pattern, handler)
    return publish, subscribe
"""],
    "04.3": ["""
from chanlab import Chan, after, go, select
def cancellable_publisher(ctx):   # watches ctx only in its pause, not while blocked in the send
    ch = Chan()
    def loop():
        try:
            i = 0
            while True:
                if select(ctx.done().receiving(), after(0.01).receiving()).index == 0:
                    return
                ch.send(i)
                i += 1
        finally:
            ch.close()
    return ch, go(loop)
"""],
    "08.1": ["""
my_workload = workload(120, rate=1000, service=0.01, distribution="exponential", seed=1)
predicted = "partly true"
"""],
    "03.2": ["""
from chanlab import Chan, WaitGroup, go
def run_reporting(n):                          # closed by the closer and by main: close twice
    results, wg = Chan(n + 1), WaitGroup()
    def worker(i):
        results.send((i, i * i))
        wg.done()
    for i in range(n):
        wg.add(1)
        go(worker, i)
    def closer():
        wg.wait()
        results.close()
    c = go(closer)
    c.join(timeout=2)
    results.close()
    return sorted(results)
"""],
    "07.2": ["predicted = {'audit': 40, 'eu': 10, 'late': 16}"],
}


def _exercises():
    for path in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        code = [c for c in nb.cells if c.cell_type == "code"]
        imports = [line for c in code for line in c.source.splitlines()
                   if re.match(r"(import \S|from \S+ import [^(]*$)", line)]
        n = 0
        for i, cell in enumerate(code):
            if "solution" not in cell.metadata.get("tags", []):
                continue
            n += 1
            ex = f"{path.name.split('-')[0]}.{n}"
            check = code[i + 1].source
            setup = [c.source for c in code if SETUP.get(ex, "\0") in c.source][:1]
            yield ex, imports, setup, cell.source, cell.metadata["chanlab"]["stub"], check


EXERCISES = {ex: rest for ex, *rest in _exercises()}


def _verdict(ex, source, capsys):
    imports, setup, _, _, check = EXERCISES[ex]
    ns: dict = {}
    for line in imports:
        try:
            exec(line, ns)
        except Exception:  # an import the exercise does not need (a tool not installed)
            pass
    for src in setup:
        exec(src, ns)
    if source.startswith("%%go"):
        from chanlab.gorun import find_tool, go_cell
        if find_tool("go") is None:
            pytest.skip("no Go toolchain")
        line, _, body = source.partition("\n")
        go_cell(line[len("%%go"):].strip(), body, ns)
    else:
        name = f"<exercise {ex}>"
        linecache.cache[name] = (len(source), None, source.splitlines(True), name)  # inspect.getsource
        exec(compile(source, name, "exec"), ns)
    *body, last = check.strip().splitlines()
    exec("\n".join(body), ns)
    fb = eval(last, ns)
    capsys.readouterr()
    return fb


def _same_each_time(ex, source, want, capsys):
    got = []
    for _ in range(RUNS):
        fb = _verdict(ex, source, capsys)
        verdict = "right" if fb.ok else ("not attempted" if not fb.attempted else "not yet")
        got.append(verdict)
        assert verdict == want, f"{ex}: {want} expected, got {verdict} in run {len(got)}:\n{fb}"
    return fb


@pytest.mark.parametrize("ex", sorted(EXERCISES))
def test_stub_is_not_attempted(ex, capsys):
    stub = EXERCISES[ex][3]
    fb = _same_each_time(ex, stub, "not attempted", capsys)
    assert fb.expected is None and fb.got is None, f"a stub's feedback shows a value:\n{fb}"


@pytest.mark.parametrize("ex", sorted(EXERCISES))
def test_solution_is_right(ex, capsys):
    _same_each_time(ex, EXERCISES[ex][2], "right", capsys)


@pytest.mark.parametrize("ex,i", [(ex, i) for ex in sorted(WRONG) for i in range(len(WRONG[ex]))])
def test_wrong_answer_is_not_yet(ex, i, capsys):
    _same_each_time(ex, WRONG[ex][i], "not yet", capsys)


#: what the hint of a wrong answer above must name (the mistake that was made)
HINT = {("02b.1", 0): "closed twice", ("02a.1", 0): "timeout", ("02b.2", 0): "ctx.done()",
        ("04.3", 0): "ctx.done()", ("04.2", 0): "aio.select(ch.receiving(), default=True)",
        ("08.1", 0): "constant", ("03.2", 0): "closed twice"}


@pytest.mark.parametrize("ex,i", sorted(HINT))
def test_hint_names_the_mistake(ex, i, capsys):
    fb = _verdict(ex, WRONG[ex][i], capsys)
    assert HINT[ex, i] in (fb.hint or ""), str(fb)


def test_every_notebook_has_its_exercises_here():
    assert len(EXERCISES) >= 40 and {"02a.1", "04.3", "07.2", "08.1"} <= set(EXERCISES)
