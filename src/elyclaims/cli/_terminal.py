"""What the command line shows only to a person at a terminal: colour, and a progress bar.

Colour goes to standard output only when it is a terminal, ``NO_COLOR`` is not set
(no-color.org) and ``TERM`` is not ``dumb``. The progress bar goes to standard error only when
that is a terminal and the output is not JSON; it appears once work has taken half a second
(``ELYCLAIMS_PROGRESS_DELAY`` sets other seconds; 0 shows it at once), redraws at most ten
times a second, and is wiped when the work ends, so a short run shows nothing and no log or
pipe ever receives it.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import TextIO

from elyclaims.i18n import N_, Translator, translator

__all__ = ["Bar", "colour", "progress_bar"]

_STAGES = {"read": N_("Reading"), "check": N_("Checking"), "write": N_("Writing the package")}
_DELAY = 0.5
_DELAY_VARIABLE = "ELYCLAIMS_PROGRESS_DELAY"
_REDRAW = 0.1
_WIDTH = 24


def _terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty() and os.environ.get("TERM", "") != "dumb"
    except (AttributeError, ValueError, OSError):
        return False


def colour(stream: TextIO | None = None) -> bool:
    """True when *stream* (standard output) should get colour."""
    if os.environ.get("NO_COLOR", ""):
        return False
    return _terminal(stream or sys.stdout)


class Bar:
    """A one-line progress bar that redraws itself in place on *stream*."""

    def __init__(self, stream: TextIO, t: Translator,
                 clock: Callable[[], float] = time.monotonic, delay: float = _DELAY) -> None:
        self._stream = stream
        self._t = t
        self._clock = clock
        self._delay = delay
        self._started = clock()
        self._drawn = 0.0
        self.shown = False

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = self._clock()
        if now - self._started < self._delay or (self.shown and now - self._drawn < _REDRAW):
            return
        self._drawn = now
        from elyclaims.formatting import number, percent

        label = self._t(_STAGES.get(stage, stage))
        if total:
            share = min(done / total, 1.0)
            filled = round(share * _WIDTH)
            text = (f"{label} {'█' * filled}{'░' * (_WIDTH - filled)} "
                    f"{percent(Decimal(round(share * 100)), self._t.lang)}")
        else:
            text = f"{label} … {number(done, self._t.lang)}"
        self._stream.write(f"\r\x1b[K{text}")
        self._stream.flush()
        self.shown = True

    def close(self) -> None:
        """Wipe the bar, so that what follows starts on a clean line."""
        if self.shown:
            self._stream.write("\r\x1b[K")
            self._stream.flush()
            self.shown = False


def _delay() -> float:
    """The seconds before the bar appears: ``ELYCLAIMS_PROGRESS_DELAY`` where it is a number of
    seconds from 0 up, else half a second (a cosmetic setting is never an error)."""
    try:
        seconds = float(os.environ.get(_DELAY_VARIABLE, _DELAY))
    except ValueError:
        return _DELAY
    return seconds if 0 <= seconds < float("inf") else _DELAY


@contextmanager
def progress_bar(args: argparse.Namespace, lang: str) -> Iterator[None]:
    """Show a progress bar for the work of the block, where a person can see it."""
    from elyclaims.progress import reporting

    stream = sys.stderr
    if getattr(args, "format", "text") == "json" or not _terminal(stream):
        yield
        return
    bar = Bar(stream, translator(lang), delay=_delay())
    try:
        with reporting(bar):
            yield
    finally:
        bar.close()
