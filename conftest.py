"""Loaded by every pytest run in this repository (tests/ and nbval's runs of notebooks/ alike).

Two things that concern every run:

- The kernels. Every kernel a test starts inherits this process's environment (nbval
  --nbval-current-env, nbclient, the JupyterLab of the browser test), so the environment that makes
  notebook outputs reproducible is set here, from the definition that tools/run_notebooks.py uses
  when it makes the committed outputs.
- How long each stage took: one line per stage at the end of the run. A stage is a group of test files
  (``STAGES``; every other test file is a unit test, every notebook cell run by nbval is "nbval"). For
  each it prints the wall time and the CPU time, counting this process and every process it started
  and reaped (the kernels, the JupyterLab server, the browser), so that runs on a loaded machine can
  still be compared: the CPU time does not grow with the load.
"""
import os
import resource
import time
from collections import defaultdict
from pathlib import Path

import pytest
from run_notebooks import KERNEL_ENV  # tools/ is on the path (pyproject: pythonpath)

os.environ.update(KERNEL_ENV)

STAGES = {
    "test_fidelity.py": "Go/Python fidelity",
    "test_without_tools.py": "notebooks without tools",
    "test_student.py": "student copies",
    "test_browser.py": "browser",
}

_wall = defaultdict(float)
_cpu = defaultdict(float)
_count = defaultdict(int)
_unit = defaultdict(lambda: "tests")


def stage_of(item):
    path = Path(str(item.fspath))
    if path.suffix == ".ipynb":
        return "nbval"
    return STAGES.get(path.name, "unit tests")


def cpu_seconds():
    """CPU time (user + system) of this process and of its reaped children, in seconds."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    wall, cpu = time.perf_counter(), cpu_seconds()
    yield
    stage = stage_of(item)
    _wall[stage] += time.perf_counter() - wall
    _cpu[stage] += cpu_seconds() - cpu
    _count[stage] += 1


def add_stage_time(stage, wall, cpu, count, unit):
    """Count time spent outside the tests (a background process that ran ``count`` ``unit``s) as a stage."""
    _wall[stage] += wall
    _cpu[stage] += cpu
    _count[stage] += count
    _unit[stage] = unit


def pytest_configure(config):
    config.add_stage_time = add_stage_time  # for tests/conftest.py, which cannot import this module


def pytest_terminal_summary(terminalreporter):
    if not _wall:
        return
    terminalreporter.section("time per stage (CPU: this process and the processes it ran)")
    for stage in sorted(_wall, key=_wall.get, reverse=True):
        terminalreporter.write_line(f"{stage:<26} {_count[stage]:5d} {_unit[stage]:<5} {_wall[stage]:8.1f} s wall "
                                    f"{_cpu[stage]:8.1f} s CPU")
    terminalreporter.write_line("(a stage that reads the background runs counts the time it waited for them)")
