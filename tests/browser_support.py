"""Helpers for tests/test_browser.py: a private JupyterLab server and a headless Chromium.

The server runs on a free loopback port with token auth, from fresh Jupyter config, data, runtime,
settings and workspace directories, and serves a scratch copy of the repository (see ``scratch_tree``),
so the browser never writes into the committed notebooks. It is stopped by its process id: its
kernels are shut down through the REST API first, then the server gets SIGTERM (SIGKILL after a
grace period), and ``JupyterLab.stop`` returns the processes that were still alive afterwards.

The browser is Chromium from the system (Debian's ``chromium``), driven by playwright from pip;
playwright's own browser download (``playwright install``) is never used.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil

__all__ = ["ENABLE_HINT", "find_chromium", "missing_browser_reason", "scratch_tree", "JupyterLab",
           "CHROMIUM_ARGS", "BENIGN_CONSOLE"]

ENABLE_HINT = ("to run the browser tests, install Chromium (Debian/Ubuntu: `sudo apt-get install chromium`; "
               ".ci/run does this in CI) or set CHANLAB_CHROMIUM=/path/to/chromium-or-chrome")

# Flags that work as root in a container, with no network chatter (notebooks-in-ci.md).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]

# Console messages at error level that are known to be harmless, each matched as a substring (anything
# else fails the test). None is needed with JupyterLab 4.6.6 offline, once its news and update checks
# are off (LAB_SETTINGS): add one only with a note of where it comes from and why it is harmless.
BENIGN_CONSOLE = ()

# JupyterLab user settings for the test: every cell stays in the DOM (no windowing, so a cell far
# below the viewport can be inspected), no autosave, no news or update checks (the machine is offline).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/docmanager-extension/plugin.jupyterlab-settings": {"autosave": False},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false",
                                                                        "checkForUpdates": False},
}


def find_chromium():
    """The Chromium (or Chrome) executable to drive: $CHANLAB_CHROMIUM, else one on PATH; None if none."""
    explicit = os.environ.get("CHANLAB_CHROMIUM")
    if explicit:
        return explicit if os.access(explicit, os.X_OK) else None
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def missing_browser_reason():
    """Why the browser test cannot run here (a skip reason that says how to enable it), or None."""
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (`pip install -r requirements.txt`); " + ENABLE_HINT
    if find_chromium() is None:
        return "no Chromium found; " + ENABLE_HINT
    return None


def scratch_tree(root, dest):
    """Make ``dest`` look like the repository ``root`` for a notebook, without letting it write there.

    ``dest/notebooks/`` holds *copies* of the notebooks (NN-*.ipynb) and symlinks to everything else in
    notebooks/; every other top-level entry of the repository is a symlink. A relative path in a
    notebook (``../lib/...``, a data file beside it) resolves as in the repository, while the browser
    saves (if it ever does) only into the copies. Returns {notebook name: copy path}.
    """
    root, dest = Path(root), Path(dest)
    for entry in root.iterdir():
        if entry.name not in ("notebooks", ".git", ".venv"):
            (dest / entry.name).symlink_to(entry)
    (dest / "notebooks").mkdir()
    copies = {}
    for entry in (root / "notebooks").iterdir():
        if entry.suffix == ".ipynb" and entry.name[:1].isdigit():
            copies[entry.name] = dest / "notebooks" / entry.name
            shutil.copy2(entry, copies[entry.name])
        else:
            (dest / "notebooks" / entry.name).symlink_to(entry)
    return copies


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class JupyterLab:
    """One JupyterLab server, started by :meth:`start` and stopped by its process id in :meth:`stop`.

    ``base`` is its URL, ``token`` its token, ``url(path)`` a browser URL with the token in it.
    """

    def __init__(self, root_dir, state_dir, cwd):
        self.root_dir, self.state, self.cwd = Path(root_dir), Path(state_dir), Path(cwd)
        self.token = uuid.uuid4().hex
        self.proc = None
        self.pid = None
        self.port = None
        self.log_path = self.state / "server.log"
        self._log = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def url(self, path, query=""):
        return f"{self.base}/{path.lstrip('/')}?{query + '&' if query else ''}token={self.token}"

    def _env(self):
        env = dict(os.environ)
        dirs = {"JUPYTER_CONFIG_DIR": "config", "JUPYTER_DATA_DIR": "data", "JUPYTER_RUNTIME_DIR": "runtime",
                "JUPYTERLAB_SETTINGS_DIR": "settings", "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
                "IPYTHONDIR": "ipython"}
        for var, name in dirs.items():
            (self.state / name).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.state / name)
        env.pop("JUPYTER_PATH", None)  # kernels and lab extensions come from this Python's prefix only
        for name, values in LAB_SETTINGS.items():
            path = self.state / "settings" / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        return env

    def start(self, timeout=60.0, attempts=3):
        """Start the server on a free port (retrying if the port is taken meanwhile); wait until it answers."""
        env = self._env()
        for _ in range(attempts):
            self.port = _free_port()
            cmd = [sys.executable, "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1",
                   f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
                   f"--IdentityProvider.token={self.token}", f"--ServerApp.root_dir={self.root_dir}",
                   "--LabApp.expose_app_in_browser=True"]  # window.jupyterapp: the test reads the model
            if os.geteuid() == 0:
                cmd.append("--allow-root")
            self._log = open(self.log_path, "ab")
            # Own session: the server and anything it forgets to reap can be signalled as one group.
            self.proc = subprocess.Popen(cmd, cwd=self.cwd, env=env, stdin=subprocess.DEVNULL, stdout=self._log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
            self.pid = self.proc.pid
            if self._wait_ready(timeout):
                return self
            self.stop()
        raise RuntimeError(f"JupyterLab did not start; its log:\n{self.log_tail()}")

    def _wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False  # e.g. the port was taken between _free_port and bind (port_retries=0)
            try:
                self.api("GET", "api/status", timeout=2)
                return True
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        return False

    def api(self, method, path, timeout=10):
        """One REST call with the token; the decoded JSON answer (None for an empty body)."""
        req = urllib.request.Request(f"{self.base}/{path}", method=method,
                                     headers={"Authorization": f"token {self.token}"})
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def kernels(self):
        return self.api("GET", "api/kernels")

    def shutdown_kernels(self, timeout=30.0):
        """Shut down every running kernel (REST API), so notebooks do not pile up kernels."""
        for kernel in self.kernels():
            self.api("DELETE", f"api/kernels/{kernel['id']}", timeout=timeout)

    def log_tail(self, lines=40):
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def stop(self, grace=10.0):
        """Shut down the kernels (REST API), then the server by its PID; return processes still alive.

        Every descendant of the server (kernels, their children) is recorded first, so that the
        caller can check that nothing outlived the server.
        """
        if self.proc is None:
            return []
        try:
            family = [psutil.Process(self.pid)] + psutil.Process(self.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            family = []
        if self.proc.poll() is None:
            try:
                self.shutdown_kernels(timeout=grace)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass  # the server is unwell: the signals below still end it
            os.kill(self.pid, signal.SIGTERM)  # Jupyter shuts down cleanly on SIGTERM
            try:
                self.proc.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.pid, signal.SIGKILL)
                self.proc.wait(grace)
        self.proc = None
        self._log.close()
        gone, alive = psutil.wait_procs(family, timeout=grace)
        for p in alive:  # a kernel the server failed to end: end it (and report it to the caller)
            try:
                p.kill()
            except psutil.NoSuchProcess:
                pass
        return [f"pid {p.pid}" for p in alive]
