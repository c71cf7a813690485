"""The files shipped with elyclaims (``data/*.toml``: the rule catalogue and the reference
data; ``locale/*.po``: the translations), parsed once and kept parsed.

Parsing them is Python work: the TOML files take about 50 ms, a Finnish or Swedish catalogue
about 25, of a small claim's validate of some 300. So what each file gives is kept beside it,
as Python keeps a module's bytecode: in ``__pycache__/NAME.SHA.KIND`` of its folder, named by
the SHA-256 of the file's bytes, so that a changed file is parsed again and its old copy never
read (and removed). Where that folder cannot be written (an installation the user may not
change), or where Python is told to write no bytecode (``PYTHONDONTWRITEBYTECODE``, which these
copies follow as the bytecode does), the file is parsed every time, as before; a damaged copy
is made again: the copies only save time. They are trusted as the bytecode beside them is:
who can write there can change elyclaims itself.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = ["PACKAGE", "kept_derived", "load_data", "parsed_toml"]

#: The folder of the installed package, which holds the shipped files (pip unpacks it; so
#: does a source checkout; ``importlib.resources`` would cost a small command 12 ms to import).
PACKAGE = Path(__file__).resolve().parent

#: What unpickling a damaged copy may raise.
_DAMAGED = (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError,
            KeyError, MemoryError)


def load_data(name: str) -> dict[str, Any]:
    """The parsed data of the shipped file ``data/NAME`` (``rules.toml``)."""
    return parsed_toml(PACKAGE / "data" / name)


def parsed_toml(source: Path) -> dict[str, Any]:
    """The TOML file *source* parsed, from the copy kept beside it when its bytes are the
    same (else parsed, and the copy kept where it can be)."""

    def parse(content: bytes) -> bytes:
        return pickle.dumps(tomllib.loads(content.decode("utf-8")),
                            protocol=pickle.HIGHEST_PROTOCOL)

    try:
        data: dict[str, Any] = pickle.loads(kept_derived(source, "pickle", parse))
    except _DAMAGED:
        data = pickle.loads(kept_derived(source, "pickle", parse, fresh=True))
    return data


def kept_derived(source: Path, kind: str, make: Callable[[bytes], bytes], *,
                 fresh: bool = False) -> bytes:
    """What *make* gives of the bytes of the file *source*, from the copy of *kind* kept beside
    it when its bytes are the same; else (or when *fresh*, for a copy found damaged) made, and
    kept where it can be, replacing the copies made of the file's earlier bytes."""
    content = source.read_bytes()
    digest = hashlib.sha256(content).hexdigest()[:16]
    folder = source.parent / "__pycache__"
    kept = folder / f"{source.name}.{digest}.{kind}"
    if not fresh:
        try:
            return kept.read_bytes()
        except OSError:
            pass
    made = make(content)
    if _keep(kept, made):
        for older in folder.glob(f"{source.name}.*.{kind}"):
            if older != kept:
                older.unlink(missing_ok=True)
    return made


def _keep(path: Path, data: bytes) -> bool:
    """Write *data* to *path*, whole or not at all, unless Python writes no bytecode; whether
    it was written."""
    import tempfile

    if sys.dont_write_bytecode:
        return False
    try:
        path.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return False
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return False
    return True
