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


_signals = {"depth": 0, "pending": False, "interrupted": False}


def handle_interrupts() -> Callable[[], None]:
    """Install the handlers (main thread only); returns a function that restores the previous ones."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    _signals.update(depth=0, pending=False, interrupted=False)
    previous = {sig: signal.signal(sig, _on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    return lambda: [signal.signal(sig, handler) for sig, handler in previous.items()]


def ignore_interrupts() -> None:
    """From now on (a process about to exit) a signal changes nothing."""
    _signals["interrupted"] = True


def _on_signal(signum, frame) -> None:
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
