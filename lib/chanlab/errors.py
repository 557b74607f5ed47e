"""The errors chanlab raises where Go would panic or the Go runtime would stop the program.

=====================================  ==========================================================
Go                                      chanlab
=====================================  ==========================================================
``panic: send on closed channel``       ``ClosedChannelError("send on closed channel")``
``panic: close of closed channel``      ``ClosedChannelError("close of closed channel")``
``fatal error: all goroutines are       ``DeadlockError("all goroutines are asleep - deadlock!")``
asleep - deadlock!``                    raised in the thread (or task) that waits forever
a panic in a goroutine ends the         ``PanicError``, raised in the main thread (or by
whole program                           ``join``), with the goroutine's exception as its cause
=====================================  ==========================================================
"""

__all__ = ["ClosedChannelError", "DeadlockError", "PanicError", "add_note"]


class ClosedChannelError(RuntimeError):
    """A closed channel was misused: Go's ``panic: send on closed channel`` and
    ``panic: close of closed channel``.

    Only the side that sends should close a channel, and only once. Receiving from a closed
    channel is not an error: it returns ``None`` (``recv``) or ``(None, False)`` (``recv_ok``).
    """


class DeadlockError(RuntimeError):
    """Every goroutine is blocked on a channel and nothing can ever wake them up.

    Go: ``fatal error: all goroutines are asleep - deadlock!``. Go stops the whole program; chanlab
    raises this in the waiting main thread (or main task) and leaves the blocked goroutines blocked:
    close the channels they wait on to let them finish.
    """


class PanicError(RuntimeError):
    """A goroutine ended with an exception (Go: an unrecovered panic, which ends the program).

    The goroutine's own exception is the ``__cause__``; ``goroutine`` is the goroutine's name.
    """

    def __init__(self, goroutine, exc):
        super().__init__(f"goroutine {goroutine!r} panicked: {type(exc).__name__}: {exc}")
        self.goroutine = goroutine
        self.exc = exc


def add_note(err, note):
    """``err.add_note(note)`` (Python 3.11+), or the same ``__notes__`` list on Python 3.10, where
    tracebacks do not show it but code can read it."""
    if hasattr(err, "add_note"):
        err.add_note(note)
    else:
        err.__notes__ = [*getattr(err, "__notes__", []), note]
