"""The data files shipped with elyclaims (``data/*.toml``: the rule catalogue, the reference
data), parsed once and kept parsed.

Parsing TOML is Python work: the files take about 50 ms, a sixth of a small claim's validate.
So each file's parsed data is kept beside it, as Python keeps a module's bytecode: in
``data/__pycache__/NAME.SHA.pickle``, named by the SHA-256 of the file's bytes, so that a
changed file is parsed again and its old copy never read. Where that folder cannot be written
(an installation the user may not change), or the copy cannot be read, the file is parsed as
before: the copy only saves time. The copies are trusted as the bytecode beside them is: who
can write there can change elyclaims itself.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

__all__ = ["load_data", "parsed_toml"]


def load_data(name: str) -> dict[str, Any]:
    """The parsed data of the shipped file ``data/NAME`` (``rules.toml``)."""
    source = resources.files("elyclaims").joinpath(f"data/{name}")
    if not isinstance(source, Path):  # inside a zip: nowhere to keep a copy
        return tomllib.loads(source.read_text(encoding="utf-8"))
    return parsed_toml(source)


def parsed_toml(source: Path) -> dict[str, Any]:
    """The TOML file *source* parsed, from the copy kept beside it when its bytes are the
    same (else parsed, and the copy kept where it can be)."""
    content = source.read_bytes()
    name = source.name
    digest = hashlib.sha256(content).hexdigest()[:16]
    kept = source.parent / "__pycache__" / f"{name}.{digest}.pickle"
    try:
        with kept.open("rb") as handle:
            data: dict[str, Any] = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError):
        data = tomllib.loads(content.decode("utf-8"))
        _keep(kept, data, name)
    return data


def _keep(path: Path, data: dict[str, Any], name: str) -> None:
    """Write *data* to *path* (whole or not at all), where the folder may be written, and
    remove the copies of earlier contents of the file *name*."""
    try:
        path.parent.mkdir(exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            pickle.dump(data, file, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        Path(temporary).unlink(missing_ok=True)
        return
    for older in path.parent.glob(f"{name}.*.pickle"):
        if older != path:
            older.unlink(missing_ok=True)
