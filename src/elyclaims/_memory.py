"""Keeping Python's memory management out of the way of large claims."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["cycle_collector_paused"]


@contextmanager
def cycle_collector_paused() -> Iterator[None]:
    """Pause Python's cycle collector for the block, and restore it as it was after.

    Reading and checking make millions of short-lived objects but hardly any reference cycles;
    the collector would walk all of them again and again (a quarter of the time of a large
    claim). Scoped to the call: importing elyclaims changes nothing, and a caller who had the
    collector off keeps it off.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.freeze()
            gc.unfreeze()
            gc.enable()
