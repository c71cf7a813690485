"""Who may call the intake service: a file of tokens' SHA-256 digests, each belonging to one
claimant (its Business ID) or to an operator.

A line of the file is ``DIGEST WHO [LABEL]``: the token's SHA-256 (64 hex digits), the
claimant's Business ID (``0201256-6``) or ``operator``, and a label for people (whose
organisation, which script). ``#`` starts a comment. A client certificate (mutual TLS) is a
line ``cert:FINGERPRINT WHO [LABEL]``: the SHA-256 of the certificate (DER), which
``elyclaims serve tokens add-certificate`` reads from its PEM file. The tokens themselves are never stored:
``elyclaims serve tokens add`` makes one, prints it once and keeps its digest;
``elyclaims serve tokens revoke`` removes it. The service reads the file again when it
changes, so a revoked token stops working at once.

A bearer token is hashed and compared with every digest in constant time, whichever matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from elyclaims.files import write_atomically
from elyclaims.identifiers import canonical_business_id

__all__ = ["OPERATOR", "Principal", "TokenFileError", "Tokens", "add_certificate", "add_token",
           "list_tokens",
           "revoke_tokens", "token_digest"]

OPERATOR = "operator"
_CERTIFICATE = "cert:"
_DIGEST = re.compile(r"[0-9a-f]{64}")
_HEADER = ("# elyclaims intake tokens: SHA-256 of each token, whose it is (a Business ID or "
           "'operator'), a label\n")


class TokenFileError(ValueError):
    """A token file that cannot be used; the message names the file and the line, never a
    token."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who made a request: a claimant (*business_id*) or an operator (*business_id* None)."""

    business_id: str | None
    label: str = ""

    @property
    def operator(self) -> bool:
        return self.business_id is None

    def sees(self, business_id: str | None) -> bool:
        """Whether this caller may see a submission of *business_id*'s."""
        return self.operator or self.business_id == business_id


@dataclass(frozen=True, slots=True)
class _Entry:
    digest: bytes
    principal: Principal
    certificate: bool = False


def token_digest(token: str) -> str:
    """The SHA-256 (hex) of a token, as the file keeps it."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _parse(path: Path, text: str, *, operators: bool) -> list[_Entry]:
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        fields = line.split(maxsplit=2)
        certificate = fields[0].lower().startswith(_CERTIFICATE)
        if certificate:
            fields[0] = fields[0][len(_CERTIFICATE):]
        elif operators and (len(fields) == 1 or not _DIGEST.fullmatch(fields[0])):
            # An operator token file of elyclaims 0.1: the tokens themselves, one a line.
            entries.append(_Entry(bytes.fromhex(token_digest(line)), Principal(None)))
            continue
        if len(fields) < 2 or not _DIGEST.fullmatch(fields[0].lower()):
            raise TokenFileError(
                f"{path}, line {number}: not 'DIGEST WHO [LABEL]'; a token in plain text "
                "belongs to no claimant: make tokens with 'elyclaims serve tokens add "
                "--claimant BUSINESS-ID'")
        who = fields[1]
        label = fields[2] if len(fields) > 2 else ""
        if operators or who == OPERATOR:
            principal = Principal(None, label)
        elif (business_id := canonical_business_id(who)) is not None:
            principal = Principal(business_id, label)
        else:
            raise TokenFileError(f"{path}, line {number}: {who!r} is neither a Business ID "
                                 "nor 'operator'")
        entries.append(_Entry(bytes.fromhex(fields[0].lower()), principal, certificate))
    return entries


class Tokens:
    """The callers the service knows, from its token files, read again when one changes."""

    def __init__(self, claimant_files: Sequence[Path] = (), operator_files: Sequence[Path] = (),
                 *, entries: Iterable[tuple[str, Principal]] = ()) -> None:
        self._files = [(Path(p), False) for p in claimant_files] + [
            (Path(p), True) for p in operator_files]
        self._given = [_Entry(bytes.fromhex(token_digest(token)), who) for token, who in entries]
        self._lock = threading.Lock()
        self._seen: tuple[tuple[int, int], ...] = ()
        self._entries: list[_Entry] = []
        self.reload()

    def _stamps(self) -> tuple[tuple[int, int], ...]:
        stamps = []
        for path, _ in self._files:
            info = os.stat(path)
            stamps.append((info.st_mtime_ns, info.st_size))
        return tuple(stamps)

    def reload(self) -> None:
        """Read the files again when they changed.

        Raises:
            TokenFileError: a line cannot be used.
            OSError: a file cannot be read.
        """
        stamps = self._stamps()
        if stamps == self._seen and self._entries:
            return
        entries = list(self._given)
        for path, operators in self._files:
            try:
                text = path.read_text(encoding="utf-8")
            except UnicodeDecodeError as error:
                raise TokenFileError(f"{path}: not UTF-8 text") from error
            entries.extend(_parse(path, text, operators=operators))
        with self._lock:
            self._entries, self._seen = entries, stamps

    @property
    def claimants(self) -> int:
        """How many claimant tokens there are."""
        return sum(1 for entry in self._entries if not entry.principal.operator)

    def who(self, token: str | None) -> Principal | None:
        """Whose *token* (a bearer token) is, or None. A file that changed is read again
        first; one that cannot be read now keeps what was read before."""
        with contextlib.suppress(OSError, TokenFileError):
            self.reload()
        given = (token or "").strip()
        if not given:
            return None
        digest = hashlib.sha256(given.encode("utf-8", "replace")).digest()
        found = None
        with self._lock:
            entries = self._entries
        # Every digest is compared, in constant time, whichever matches.
        for entry in entries:
            if hmac.compare_digest(digest, entry.digest) and not entry.certificate:
                found = entry.principal
        return found

    def by_certificate(self, fingerprint: str | None) -> Principal | None:
        """Whose client certificate this is (its SHA-256, hex, as the TLS layer verified it
        against the service's client CA), or None."""
        if not fingerprint:
            return None
        with contextlib.suppress(OSError, TokenFileError):
            self.reload()
        with self._lock:
            entries = self._entries
        wanted = bytes.fromhex(fingerprint)
        return next((entry.principal for entry in entries
                     if entry.certificate and entry.digest == wanted), None)


def _lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8").splitlines(keepends=True)
    except FileNotFoundError:
        return [_HEADER]


def _owner(who: str, label: str) -> str:
    if "\n" in label or "\r" in label:
        raise TokenFileError("a label is one line")
    if who == OPERATOR:
        return who
    business_id = canonical_business_id(who)
    if business_id is None:
        raise TokenFileError(f"{who!r} is neither a Business ID nor 'operator'")
    return business_id


def _append(target: Path, entry: str) -> None:
    lines = _lines(target)
    _parse(target, "".join(lines), operators=False)
    if lines and not lines[-1].endswith("\n"):
        lines[-1] += "\n"
    write_atomically(target, "".join([*lines, entry]).encode("utf-8"))


def add_certificate(path: str | Path, certificate: str | Path, who: str,
                    label: str = "") -> str:
    """Let the client certificate in the PEM file *certificate* stand for *who* (a Business
    ID, or ``operator``): its fingerprint is kept in the file at *path*; return it.

    Raises:
        TokenFileError: *who* is neither, the label holds a line break, or the file holds no
            certificate.
        OSError: the certificate cannot be read.
    """
    import ssl

    owner = _owner(who, label)
    try:
        der = ssl.PEM_cert_to_DER_cert(Path(certificate).read_text(encoding="ascii"))
    except (ValueError, UnicodeDecodeError) as error:
        raise TokenFileError(f"{certificate}: not a PEM certificate") from error
    fingerprint = hashlib.sha256(der).hexdigest()
    _append(Path(path), f"{_CERTIFICATE}{fingerprint} {owner}"
                        f"{' ' + label.strip() if label.strip() else ''}\n")
    return fingerprint


def add_token(path: str | Path, who: str, label: str = "") -> str:
    """Make a new token for *who* (a Business ID, or ``operator``), keep its digest in the
    file at *path* (made when missing, written atomically) and return the token: it is shown
    once and stored nowhere.

    Raises:
        TokenFileError: *who* is neither, or the label holds a line break.
    """
    owner = _owner(who, label)
    token = secrets.token_urlsafe(32)
    _append(Path(path), f"{token_digest(token)} {owner}"
                        f"{' ' + label.strip() if label.strip() else ''}\n")
    return token


def revoke_tokens(path: str | Path, *, token: str | None = None,
                  label: str | None = None) -> int:
    """Remove from the file the entry of *token*, or every entry with *label*; return how
    many were removed (the file is written atomically)."""
    target = Path(path)
    lines = _lines(target)
    digest = token_digest(token) if token is not None else None
    kept = []
    removed = 0
    for line in lines:
        fields = line.strip().split(maxsplit=2)
        if fields and not fields[0].startswith("#") and (
                (digest is not None and fields[0].lower() == digest)
                or (label is not None and len(fields) > 2 and fields[2] == label.strip())):
            removed += 1
            continue
        kept.append(line)
    if removed:
        write_atomically(target, "".join(kept).encode("utf-8"))
    return removed


def list_tokens(path: str | Path) -> list[tuple[str, str, str]]:
    """Each entry of the file: its digest (``cert:`` and the fingerprint for a certificate),
    whose it is (a Business ID or ``operator``) and its label.

    Raises:
        TokenFileError: a line cannot be used.
        OSError: the file cannot be read.
    """
    target = Path(path)
    return [((_CERTIFICATE if entry.certificate else "") + entry.digest.hex(),
             entry.principal.business_id or OPERATOR, entry.principal.label)
            for entry in _parse(target, target.read_text(encoding="utf-8"), operators=False)]
