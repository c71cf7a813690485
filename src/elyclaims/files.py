"""Files: their digests, and writing outputs atomically, beside the target, with the
permissions the umask gives.

Every output (package, annotated copy, report, template) is first written to a temporary file
in the target's own folder, so that client data never passes through a shared temporary folder
and a half-written file never appears under the target's name: the temporary file is renamed
over the target only once it is complete, and removed if anything fails. ``mkstemp`` makes
files readable by their owner only; the finished file gets the mode an ordinary new file would
get (``0o666`` less the umask), so that colleagues on a shared drive can read a package as
they can read the workbook beside it.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from elyclaims.errors import OutputError

__all__ = ["atomic_output", "file_sha256", "save_atomically", "scratch_file", "sweep_scratch",
           "umask_mode", "write_atomically"]


def file_sha256(path: Path) -> str:
    """The SHA-256 of the file at *path*, read in blocks (hex digits).

    Raises:
        OSError: when the file cannot be read.
    """
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def umask_mode() -> int:
    """The mode a new file gets under the process's umask (``0o644`` under ``022``)."""
    try:
        # Linux tells the umask without changing it (no window in which another thread
        # could create a file with the wrong mode).
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return 0o666 & ~int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return 0o666 & ~mask


def _folder(target: Path) -> Path:
    folder = target.parent if str(target.parent) else Path()
    if not folder.is_dir():
        raise OutputError('{target}: the folder {folder} does not exist', target=target, folder=folder)
    return folder


def sweep_scratch(folder: Path, prefix: str) -> list[Path]:
    """Remove the scratch files in *folder* named *prefix* + a process id + ``.``… whose
    process is gone (a build or a service stopped by kill -9 or a power cut leaves them, with
    whole claims in them); return those removed. Only where a process can be asked whether it
    lives without being touched (not on Windows, where such files stay); never raises."""
    if os.name != "posix":
        return []
    removed = []
    try:
        candidates = [path for path in folder.iterdir() if path.name.startswith(prefix)]
    except OSError:
        return []
    for path in candidates:
        pid = path.name[len(prefix):].split(".", 1)[0]
        if not pid.isdigit() or _running(int(pid)):
            continue
        try:
            path.unlink()
        except OSError:
            continue
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)  # signal 0 asks, and delivers nothing
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # another user's process, or a number no process can have: leave it
    return True


@contextmanager
def scratch_file(target: Path, suffix: str = ".part") -> Iterator[Path]:
    """A temporary file beside *target*, removed when the block ends (whatever happens). Its
    name carries this process's id, so that what a stopped process left beside the same
    target is swept away first (:func:`sweep_scratch`).

    Raises:
        OutputError: when the folder does not exist or no file can be made in it.
    """
    folder = _folder(target)
    sweep_scratch(folder, f".{target.name}.")
    try:
        handle, raw = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.{os.getpid()}.",
                                       suffix=suffix)
    except OSError as error:
        raise OutputError(
            '{target}: cannot be written: {reason}',
            target=target, reason=error.strerror or error) from error
    os.close(handle)
    path = Path(raw)
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


@contextmanager
def atomic_output(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside *target*; when the block succeeds, the file written there
    is flushed to disk, given the umask's mode and renamed over *target*. When the block
    raises, nothing is left behind and *target* is untouched.

    Raises:
        OutputError: when the file cannot be written or renamed into place.
    """
    with scratch_file(target) as part:
        try:
            yield part
        except OSError as error:  # the block's own writing: a full disk, a read-only folder
            raise OutputError(
                '{target}: cannot be written: {reason}',
                target=target, reason=error.strerror or error) from error
        try:
            with part.open("rb+") as handle:
                os.fsync(handle.fileno())
            os.chmod(part, umask_mode())
            os.replace(part, target)
        except OSError as error:
            raise OutputError(
                '{target}: cannot be written: {reason}',
                target=target, reason=error.strerror or error) from error


def save_atomically(target: Path, save: Callable[[IO[bytes]], None]) -> None:
    """Write to *target*, through :func:`atomic_output`, what *save* writes to the stream it is
    given: made in memory first, so that a library that opens a file of its own (openpyxl's
    ZIP writer) never meets a full disk, whose error it would raise again when its unclosed
    file is collected ("Exception ignored in ZipFile.__del__").

    Raises:
        OutputError: when the file cannot be written; *target* is left untouched.
    """
    buffer = io.BytesIO()
    save(buffer)
    write_atomically(target, buffer.getbuffer())


def write_atomically(target: Path, data: bytes | memoryview) -> None:
    """Write *data* to *target* through :func:`atomic_output`.

    Raises:
        OutputError: when the file cannot be written; *target* is left untouched.
    """
    with atomic_output(target) as part:
        try:
            with part.open("wb") as handle:
                handle.write(data)
        except OSError as error:
            raise OutputError('{target}: cannot be written: {reason}',
                              target=target, reason=error.strerror or error) from error
