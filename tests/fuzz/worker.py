"""Fuzz worker: thousands of mutated inputs through the real command line, in one process.

    python tests/fuzz/worker.py TARGET SEED COUNT OUTDIR

Each case mutates a real input (the sample workbook, its CSV export, or a package built from
the sample), runs ``elyclaims validate`` or ``inspect`` with ``--format json`` in-process through
:func:`elyclaims.cli.main` (so the program's own error boundary is what is tested), and checks
that it exits 0, 1 or 2 with a JSON report. A case that does not is saved to OUTDIR with the
exception. The last line printed is a JSON summary. Run in a subprocess by ``test_hostile.py``,
so that a crash of the interpreter itself fails the test too.

Targets: ``workbook-bytes`` and ``package-bytes`` flip, insert and truncate bytes of the archive
itself; ``workbook-xml`` and ``package-xml`` change values and attributes inside a member (the
package's manifest digest is repaired, so the change reaches the schema and the rules);
``csv-bytes`` mutates an ERP export; ``package-structure`` makes the hostile packages that
once ended in exit 70 or were accepted: a document type declaration (internal, external, with
parameter entities or entity references) in a member, a member truncated anywhere (its digest
repaired or not), bytes before or after the archive.
"""

from __future__ import annotations

import collections
import contextlib
import hashlib
import io
import json
import os
import random
import re
import shutil
import sys
import traceback
import zipfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_claims" / "vantaa-kerava-hva-2026-q3.xlsx"
CSV_FOLDER = REPO / "sample_claims" / "helsinki-erp-2026-09"

VALUES = ["", "0", "-1", "1e308", "9" * 40, "NaN", "inf", "#DIV/0!", "31.2.2026", "2026-13-01",
          "0001-01-01", "9999-12-31", "  ", "€", "010594y9032", "131052-308T", "Yhteensä",
          "(12,00)", "640,-", "−5", "\u202e", "&lt;", "&amp;", "x" * 40_000, "45000", "-45000",
          "99999999999", "1.5", "0.001", "true", "HEALTH", "Kulut:0", "../x", "\t"]
ATTRIBUTES = ["", "0", "XFD1048576", "A0", "s", "e", "n", "b", "str", "inlineStr", "d", "-1",
              "99999999", "1", "true", "2026-02-30", "1" * 27 + ".00"]


def _flip(data: bytes, rng: random.Random) -> bytes:
    """Flip, insert or truncate bytes of the file itself."""
    mutated = bytearray(data)
    choice = rng.random()
    if choice < 0.7:
        for _ in range(rng.randint(1, 4)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
    elif choice < 0.85:
        del mutated[rng.randrange(len(mutated)):]
    else:
        at = rng.randrange(len(mutated))
        mutated[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 32)))
    return bytes(mutated)


def _mutate_xml(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.6:
            spans = [m.span(1) for m in re.finditer(r">([^<]*)<", text)]
            pool = VALUES
        else:
            spans = [m.span(2) for m in re.finditer(r'(?<!\w)(\w+)="([^"]*)"', text)]
            pool = ATTRIBUTES
        if not spans:
            break
        start, end = rng.choice(spans)
        value = rng.choice(pool)
        if rng.random() < 0.9:
            value = value.replace("&", "&amp;").replace("<", "&lt;")
        text = text[:start] + value + text[end:]
    return text


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info) for info in archive.infolist()}


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _workbook_xml(members: dict[str, bytes], rng: random.Random) -> bytes:
    names = [n for n in members if n.endswith(".xml") and n.startswith("xl/")]
    name = rng.choice(names)
    changed = dict(members)
    changed[name] = _mutate_xml(members[name].decode("utf-8"), rng).encode("utf-8")
    return _zip(changed)


def _package_xml(members: dict[str, bytes], rng: random.Random) -> bytes:
    claim = _mutate_xml(members["claim.xml"].decode("utf-8"), rng).encode("utf-8")
    manifest = re.sub(
        rb'(path="claim.xml" size=")\d+(" sha256=")[0-9a-f]+',
        lambda m: m.group(1) + str(len(claim)).encode() + m.group(2)
        + hashlib.sha256(claim).hexdigest().encode(),
        members["manifest.xml"])
    return _zip({**members, "manifest.xml": manifest, "claim.xml": claim})


_DECLARATIONS = [
    b'<!DOCTYPE x SYSTEM "https://example.invalid/x.dtd">',
    b'<!DOCTYPE x [<!ENTITY e "text">]>',
    b'<!DOCTYPE x [<!ENTITY % p "x"> %p;]>',
    b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>',
]


def _restated(members: dict[str, bytes], name: str, content: bytes) -> dict[str, bytes]:
    """*members* with *name* replaced and its digest in the manifest made to match."""
    manifest = re.sub(
        rb'(path="' + re.escape(name.encode()) + rb'" size=")\d+(" sha256=")[0-9a-f]+',
        lambda m: m.group(1) + str(len(content)).encode() + m.group(2)
        + hashlib.sha256(content).hexdigest().encode(),
        members["manifest.xml"])
    return {**members, "manifest.xml": manifest, name: content}


def _package_structure(members: dict[str, bytes], rng: random.Random) -> bytes:
    name = rng.choice(["claim.xml", "manifest.xml"])
    content = members[name]
    choice = rng.random()
    if choice < 0.35:
        at = content.index(b"?>") + 2
        declaration = rng.choice(_DECLARATIONS)
        if b"<!ENTITY e " in declaration and rng.random() < 0.5:
            content = content.replace(b"<Name>", b"<Name>&e;", 1)
        content = content[:at] + b"\n" + declaration + content[at:]
    elif choice < 0.7:
        content = content[:rng.randrange(len(content))]
    else:
        data = _zip(members)
        junk = bytes(rng.randrange(256) for _ in range(rng.randint(1, 1024)))
        return b"MZ" + junk + data if rng.random() < 0.5 else data + junk
    changed = (_restated(members, name, content) if name == "claim.xml" and rng.random() < 0.8
               else {**members, name: content})
    return _zip(changed)


def _run(args: list[str]) -> tuple[object, str, str]:
    from elyclaims.cli import main

    out, err = io.StringIO(), io.StringIO()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code: object = main([*args, "--format", "json"])
    except BaseException:
        code = "raised"
        err.write(traceback.format_exc())
    return code, out.getvalue(), err.getvalue()


def _package(work: Path) -> Path:
    package = work / "seed.elyclaim.zip"
    code, _, err = _run(["build", str(SAMPLE), "-o", str(package)])
    if code != 0:
        raise SystemExit(f"cannot build the seed package: {err}")
    return package


def main(target: str, seed: int, count: int, out: Path) -> int:
    out.mkdir(parents=True, exist_ok=True)
    work = out / "work"
    work.mkdir(exist_ok=True)
    os.environ["SOURCE_DATE_EPOCH"] = "1793491200"
    rng = random.Random(f"{target}:{seed}")
    suffix = ".zip" if target.startswith("package") else ".xlsx"
    command = "inspect" if target.startswith("package") else "validate"
    make: Callable[[random.Random], bytes]
    csv_files = {p.name: p.read_bytes() for p in sorted(CSV_FOLDER.glob("*.csv"))}
    if target == "workbook-bytes":
        data = SAMPLE.read_bytes()
        make = lambda r: _flip(data, r)  # noqa: E731
    elif target == "workbook-xml":
        members = _members(SAMPLE)
        make = lambda r: _workbook_xml(members, r)  # noqa: E731
    elif target == "package-bytes":
        data = _package(work).read_bytes()
        make = lambda r: _flip(data, r)  # noqa: E731
    elif target == "package-xml":
        members = _members(_package(work))
        make = lambda r: _package_xml(members, r)  # noqa: E731
    elif target == "package-structure":
        members = _members(_package(work))
        make = lambda r: _package_structure(members, r)  # noqa: E731
    elif target != "csv-bytes":
        raise SystemExit(f"unknown target {target}")
    codes: collections.Counter[str] = collections.Counter()
    failures = []
    for case in range(count):
        if target == "csv-bytes":
            name = rng.choice(sorted(csv_files))
            paths = []
            for file_name, content in csv_files.items():
                path = work / file_name
                path.write_bytes(_flip(content, rng) if file_name == name else content)
                paths.append(str(path))
        else:
            path = work / f"case{suffix}"
            path.write_bytes(make(rng))
            paths = [str(path)]
        code, stdout, stderr = _run([command, *paths])
        codes[str(code)] += 1
        problem = None
        if code not in (0, 1, 2):
            problem = f"exit {code}"
        else:
            try:
                document = json.loads(stdout)
                if "summary" not in document and "error" not in document:
                    problem = "JSON without a summary or an error"
            except ValueError:
                problem = "not JSON"
        if problem is not None:
            saved = out / f"{target}-{case}"
            saved.mkdir()
            for given in paths:
                shutil.copyfile(given, saved / Path(given).name)
            (saved / "problem.txt").write_text(f"{problem}\n{stderr}", encoding="utf-8")
            failures.append({"case": case, "problem": problem, "saved": str(saved),
                             "stderr": stderr[-2000:]})
    print(json.dumps({"target": target, "cases": count, "codes": codes,
                      "failures": failures[:5], "failed": len(failures)}))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), Path(sys.argv[4])))
