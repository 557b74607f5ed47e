"""`make lab` and `make lab-zh` switch off JupyterLab's news pop-up ("Would you like to receive official
Jupyter news?", which covers the first figure) through the settings override that tools/lab_settings.py
writes: here the commands the Makefile would run (make -n) are run for real into a scratch app dir
($JUPYTERLAB_DIR, which `jupyter lab` reads too), and what they wrote is read by the installed
JupyterLab's schema and its own override loader."""
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
from jupyterlab.commands import get_app_dir
from jupyterlab_server.settings_utils import get_settings

import lab_settings

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Path(get_app_dir()) / "schemas" / "@jupyterlab" / "apputils-extension" / "notification.json"
PLUGIN = "@jupyterlab/apputils-extension:notification"


def _recipe_commands(target):
    """The commands `make -n <target>` prints that run tools/lab_settings.py (before jupyter lab)."""
    if shutil.which("make") is None:
        pytest.skip("no make on this machine")
    out = subprocess.run(["make", "-n", target, f"VENV={Path(sys.prefix)}"], cwd=ROOT, capture_output=True,
                         text=True, timeout=60, check=True).stdout
    lines = out.splitlines()
    lab = [i for i, line in enumerate(lines) if "/jupyter lab" in line]
    assert lab, f"make -n {target} runs no jupyter lab:\n{out}"
    return [line.split("#")[0].strip() for line in lines[:lab[0]] if "tools/lab_settings.py" in line]


def _run(command, app_dir):
    env = {**os.environ, "JUPYTERLAB_DIR": str(app_dir)}
    return subprocess.run(shlex.split(command), cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)


def _never_asks(entry, schema):
    """The entry is valid for the installed schema and means: never fetch news, never check for updates."""
    jsonschema.validate(entry, schema)
    props = schema["properties"]
    never = [o["const"] for o in props["fetchNews"]["oneOf"] if o["title"].lower() == "never"]
    assert never and entry["fetchNews"] == never[0]
    assert props["checkForUpdates"]["type"] == "boolean" and entry["checkForUpdates"] is False


@pytest.mark.parametrize("target", ["lab", "lab-zh"])
def test_make_lab_writes_an_override_that_switches_the_news_off(target, tmp_path):
    commands = _recipe_commands(target)
    assert len(commands) == 1, f"make {target} should run tools/lab_settings.py once before jupyter lab"
    assert re.match(rf"^{re.escape(str(Path(sys.prefix)))}/bin/python ", commands[0]), commands[0]
    done = _run(commands[0], tmp_path)
    assert done.returncode == 0, done.stderr
    path = tmp_path / "settings" / "overrides.json"
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    _never_asks(json.loads(path.read_text(encoding="utf-8"))[PLUGIN], schema)
    # as JupyterLab's server serves it to the page (a reader with no settings of their own): the
    # override becomes the schema's default
    served, _ = get_settings(str(tmp_path / "settings"), str(SCHEMA.parents[2]), str(tmp_path / "user"),
                             schema_name=PLUGIN)
    defaults = {key: prop["default"] for key, prop in served["schema"]["properties"].items()}
    _never_asks({key: defaults[key] for key in ("fetchNews", "checkForUpdates")}, schema)


def test_an_existing_overrides_file_is_merged_and_a_second_run_changes_nothing(tmp_path):
    path = tmp_path / "settings" / "overrides.json"
    path.parent.mkdir()
    mine = {"@jupyterlab/apputils-extension:themes": {"theme": "JupyterLab Dark"},
            PLUGIN: {"doNotDisturbMode": True, "fetchNews": "none"}}
    path.write_text(json.dumps(mine))
    assert lab_settings.write_overrides(path.parent) == (path, True)
    merged = json.loads(path.read_text())
    assert merged["@jupyterlab/apputils-extension:themes"] == {"theme": "JupyterLab Dark"}
    assert merged[PLUGIN] == {"doNotDisturbMode": True, "fetchNews": "false", "checkForUpdates": False}
    written = path.read_bytes()
    assert lab_settings.write_overrides(path.parent) == (path, False)
    assert path.read_bytes() == written


@pytest.mark.parametrize("content", ["{not json", "[1, 2]", json.dumps({PLUGIN: "off"})])
def test_a_broken_overrides_file_is_reported_and_left_alone(tmp_path, content):
    path = tmp_path / "overrides.json"
    path.write_text(content)
    with pytest.raises(ValueError, match="overrides.json"):
        lab_settings.write_overrides(tmp_path)
    assert path.read_text() == content
    env_dir = tmp_path / "app"
    (env_dir / "settings").mkdir(parents=True)
    (env_dir / "settings" / "overrides.json").write_text(content)
    done = _run(f"{sys.executable} tools/lab_settings.py", env_dir)
    assert done.returncode == 1 and "overrides.json" in done.stderr and "Traceback" not in done.stderr


def test_values_the_installed_schema_does_not_know_are_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(lab_settings, "SETTINGS", {"fetchNews": "never"})
    with pytest.raises(jsonschema.ValidationError):
        lab_settings.write_overrides(tmp_path)
    assert not (tmp_path / "overrides.json").exists()
