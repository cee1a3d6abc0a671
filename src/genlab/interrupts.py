"""Ctrl-C and SIGTERM end a run as one KeyboardInterrupt: the run folder is then cleaned up,
or left resumable, by whoever catches it.

A signal that arrives inside a critical section (a run folder being created, a checkpoint
and its metrics line) is held until the section ends; every signal after the first is
ignored, so the cleanup the first one started runs to its end (a second SIGTERM 10 ms after
the first would otherwise land in that cleanup or in an atexit handler, and print
"Exception ignored in atexit … KeyboardInterrupt").
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

class Interrupted(KeyboardInterrupt):
    """A KeyboardInterrupt that says what became of the run folder (the CLI prints `message`)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


_signals = {"depth": 0, "pending": False, "interrupted": False, "received": False, "at_once": False}


def handle_interrupts() -> Callable[[], None]:
    """Install the handlers (main thread only); returns a function that restores the previous ones."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    _signals.update(depth=0, pending=False, interrupted=False, received=False, at_once=False)
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}

    def restore() -> None:
        _signals["at_once"] = False
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return restore


def ignore_interrupts() -> None:
    """From now on (a process about to exit) a signal changes nothing: ignored by the OS too,
    since Python gives the default handlers back while it shuts down (a second SIGTERM there
    would kill the process with status -15 after its clean line)."""
    import signal
    import threading

    _signals["interrupted"] = True
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, signal.SIG_IGN)


def check() -> None:
    """Raise the interrupt again where a signal's KeyboardInterrupt was swallowed (a library's
    bare `except:` around an optional import): called where work starts (each training step,
    before the run folder is made)."""
    if _signals["received"] and not _signals["depth"]:
        raise KeyboardInterrupt


def exit_at_once(on: bool) -> None:
    """While on (a run's checks and imports, before its folder exists: nothing to clean up), a
    signal ends the process at once with the one line. A KeyboardInterrupt raised inside an
    import there can be swallowed by a library's bare `except:` and leave half-imported modules
    behind (a RecursionError later, seen with torch's numpy import)."""
    _signals["at_once"] = on


def _on_signal(signum, frame) -> None:
    _signals["received"] = True
    if _signals["at_once"] and not _signals["depth"] and not _signals["interrupted"]:
        import os

        os.write(2, b"genlab: interrupted\n")
        os._exit(130)
    if _signals["interrupted"]:
        return
    if _signals["depth"]:
        _signals["pending"] = True
        return
    _signals["interrupted"] = True
    raise KeyboardInterrupt


@contextmanager
def critical() -> Iterator[None]:
    """A section no signal interrupts halfway: one that arrives meanwhile is raised at its end."""
    _signals["depth"] += 1
    try:
        yield
    finally:
        _signals["depth"] -= 1
    if not _signals["depth"] and _signals["pending"] and not _signals["interrupted"]:
        _signals.update(pending=False, interrupted=True)
        raise KeyboardInterrupt
