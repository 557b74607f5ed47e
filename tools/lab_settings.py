"""Switch off JupyterLab's news pop-up ("Would you like to receive official Jupyter news?") for this
environment: it opens over the first figure a reader looks at, and the series works offline anyway.

    python tools/lab_settings.py          # make lab and make lab-zh run this before `jupyter lab`

It writes the standard *settings override* of the JupyterLab this Python runs:
``<app dir>/settings/overrides.json`` (the app dir is ``$JUPYTERLAB_DIR``, else
``<venv>/share/jupyter/lab``), which changes JupyterLab's defaults for this environment only (a
reader's own settings still win). The values::

    {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}

are checked against the installed JupyterLab's schema for that plugin before anything is written
(``fetchNews`` is a string whose "Never" is ``"false"``), so a JupyterLab that renames them fails
here with a clear message instead of silently asking again. An existing ``overrides.json`` is
merged with, not replaced (every other plugin and key stays as it was), and the file is rewritten
only when it changes: running it again is a no-op. Exit status 1, with a message, for an
``overrides.json`` that is not a JSON object.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import jsonschema
from jupyterlab.commands import get_app_dir

__all__ = ["PLUGIN", "SETTINGS", "app_dir", "schema", "write_overrides", "main"]

PLUGIN = "@jupyterlab/apputils-extension:notification"
SETTINGS = {"fetchNews": "false", "checkForUpdates": False}  # never fetch news (so never ask), no update check
SCHEMA = Path("schemas", "@jupyterlab", "apputils-extension", "notification.json")


def app_dir():
    """The JupyterLab application directory that ``jupyter lab`` run by this Python reads."""
    return Path(get_app_dir())


def schema():
    """The installed JupyterLab's settings schema of :data:`PLUGIN` (a dict).

    Looked up in the app dir, then in this Python's prefix (``$JUPYTERLAB_DIR`` may name an app dir
    that holds only settings). Raises ``FileNotFoundError`` naming the places it looked."""
    places = [app_dir() / SCHEMA, Path(sys.prefix, "share", "jupyter", "lab") / SCHEMA]
    for place in places:
        if place.is_file():
            return json.loads(place.read_text(encoding="utf-8"))
    raise FileNotFoundError(f"no JupyterLab schema for {PLUGIN} in {', '.join(map(str, places))}: "
                            f"is JupyterLab installed in this environment?")


def write_overrides(settings_dir=None):
    """Merge :data:`SETTINGS` into ``settings_dir/overrides.json`` (default: the app dir's
    ``settings``); return ``(path, changed)``. Raises ``ValueError`` for an existing file that is not
    a JSON object (or whose entry for the plugin is not one), and
    ``jsonschema.ValidationError`` if the merged entry does not fit the installed schema."""
    path = Path(settings_dir if settings_dir is not None else app_dir() / "settings") / "overrides.json"
    overrides = {}
    if path.exists():
        text = path.read_text(encoding="utf-8")
        try:
            overrides = json.loads(text) if text.strip() else {}
        except json.JSONDecodeError as e:
            raise ValueError(f"{path} is not valid JSON ({e}): fix or remove it, then run this again") from None
        if not isinstance(overrides, dict) or not isinstance(overrides.get(PLUGIN, {}), dict):
            raise ValueError(f"{path} must hold a JSON object of plugin id -> settings object")
    before = json.dumps(overrides, indent=2, sort_keys=True)
    entry = {**overrides.get(PLUGIN, {}), **SETTINGS}
    jsonschema.validate(entry, schema())  # the keys and values this JupyterLab knows
    overrides[PLUGIN] = entry
    after = json.dumps(overrides, indent=2, sort_keys=True)
    if after == before and path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    tmp.write_text(after + "\n", encoding="utf-8")
    tmp.replace(path)  # atomic: JupyterLab never reads half a file
    return path, True


def main(argv=None):
    if argv:
        print(f"usage: python tools/lab_settings.py (no arguments; got {' '.join(argv)})", file=sys.stderr)
        return 2
    try:
        path, changed = write_overrides()
    except (ValueError, FileNotFoundError, jsonschema.ValidationError) as e:
        print(f"tools/lab_settings.py: {getattr(e, 'message', e)}", file=sys.stderr)
        return 1
    if changed:
        print(f"JupyterLab's news pop-up and update check switched off: {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
