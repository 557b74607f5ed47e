"""Helpers shared by the chanlab.aio tests (imported as ``from aio_support import vrun, now``)."""

import asyncio

from chanlab import aio


def vrun(main, timeout=20):
    """Run a coroutine on a virtual clock (and give up after ``timeout`` s of wall time)."""
    return aio.run(main, virtual_time=True, timeout=timeout)


def now():
    """The running loop's clock (virtual seconds under ``vrun``)."""
    return asyncio.get_running_loop().time()
