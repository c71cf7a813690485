"""Keeping Python's memory management out of the way of large claims."""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cycle_collector_paused"]

_LOCK = threading.Lock()
#: How many blocks hold the collector paused, and whether it ran before the first of them.
_paused = 0
_was_enabled = False


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the block, and restore it as it was after.

    Reading and checking make millions of short-lived objects but hardly any reference cycles;
    the collector would walk all of them again and again (a quarter of the time of a large
    claim). Scoped to the call: importing elyclaims changes nothing, and a caller who had the
    collector off keeps it off. The collector is one for the process: blocks in several threads
    at once (the intake checks packages in its worker threads) keep it paused until the last of
    them ends, which restores it as it was before the first began.
    """
    global _paused, _was_enabled
    with _LOCK:
        if _paused == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _paused += 1
    try:
        yield
    finally:
        with _LOCK:
            _paused -= 1
            if _paused == 0 and _was_enabled:
                gc.freeze()
                gc.unfreeze()
                gc.enable()
