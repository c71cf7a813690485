"""Who may use the officer's app: the one person who started it.

``elyclaims app`` prints (and opens) an address with a one-time secret, as Jupyter does. The
first request that brings the secret gets a session cookie (HttpOnly, SameSite=Strict) and is
sent on to the same page without the secret in its address; the secret is spent then, so that
an address left in a browser's history or a terminal's scrollback opens nothing. Every other
request needs the session cookie: another user of the same machine, who can reach the port,
cannot read a page or a file.

Besides the session, every request must name the app's own address in its ``Host`` header (a
web page elsewhere cannot reach the app by a name of its own that resolves to 127.0.0.1: DNS
rebinding; over TLS on another address the browser's certificate check stops that instead),
and every request that changes anything (any method but GET and HEAD) must carry the
session's CSRF token: the ``X-CSRF-Token`` header or the form field ``csrf``; one whose
``Origin`` is not the address it was sent to is refused whatever it carries.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from elyclaims.i18n import LANGUAGES, translator

__all__ = ["CSRF_COOKIE", "SESSION_COOKIE", "Door", "Keys", "browser_language", "csrf_matches"]

SESSION_COOKIE = "elyclaims_session"
#: Readable by the page's own script and by a script that uses the app's JSON API: the value to
#: send back as ``X-CSRF-Token``.
CSRF_COOKIE = "elyclaims_csrf"
_SAFE = frozenset({"GET", "HEAD"})

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


@dataclass
class Keys:
    """The app's secrets: the one-time secret of its address, and the sessions it became."""

    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    spent: bool = False
    sessions: dict[str, str] = field(default_factory=dict)  # session -> its CSRF token

    def exchange(self, offered: str) -> str | None:
        """A new session for the one-time secret *offered*; None once it is spent or wrong."""
        if self.spent or not hmac.compare_digest(offered.encode(), self.secret.encode()):
            return None
        self.spent = True
        session = secrets.token_urlsafe(32)
        self.sessions[session] = secrets.token_urlsafe(24)
        return session

    def csrf(self, session: str | None) -> str | None:
        """The CSRF token of *session*; None for a session the app did not give."""
        if not session:
            return None
        for known, token in self.sessions.items():
            if hmac.compare_digest(known.encode(), session.encode()):
                return token
        return None


class Door:
    """*app* behind the checks above; *hosts* are the ``Host`` values the app answers to (None:
    any, for an app on another address over TLS, where a rebound name fails the certificate
    check in the browser instead)."""

    def __init__(self, app: Any, keys: Keys, hosts: frozenset[str] | None, *,
                 secure: bool) -> None:
        self.app = app
        self.keys = keys
        self.hosts = hosts
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {name.decode("latin-1").lower(): value.decode("latin-1")
                   for name, value in scope.get("headers", ())}
        t = translator(browser_language(headers.get("accept-language", "")) or "en")
        host = headers.get("host", "").lower()
        if self.hosts is not None and host not in self.hosts:
            await _refuse(send, 421, t("this address is not the app's own"))
            return
        cookies = _cookies(headers.get("cookie", ""))
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        offered = query.get("token", [""])[0]
        if offered and scope["method"] in _SAFE:
            session = self.keys.exchange(offered)
            if session is not None:
                await self._welcome(send, scope, session)
                return
        csrf = self.keys.csrf(cookies.get(SESSION_COOKIE))
        if csrf is None:
            api = scope["path"].startswith("/api/") or scope["path"] == "/openapi.json"
            await _refuse(send, 401 if api else 403, t(
                "open the address that “elyclaims app” printed when it started; an address "
                "used once opens nothing"), page=not api, lang=t.lang)
            return
        if scope["method"] not in _SAFE:
            origin = headers.get("origin")
            if origin is not None and origin.split("://", 1)[-1].lower() != host:
                await _refuse(send, 403, t("a request from another site"))
                return
        scope.setdefault("state", {})["csrf"] = csrf
        await self.app(scope, receive, send)

    async def _welcome(self, send: Send, scope: Scope, session: str) -> None:
        """The session's cookies, and the page asked for without the secret."""
        flags = "; Path=/; SameSite=Strict" + ("; Secure" if self.secure else "")
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        query.pop("token", None)
        from urllib.parse import urlencode

        rest = urlencode(query, doseq=True)
        location = scope["path"] + (f"?{rest}" if rest else "")
        await send({"type": "http.response.start", "status": 303, "headers": [
            (b"location", location.encode("latin-1")),
            (b"set-cookie", f"{SESSION_COOKIE}={session}; HttpOnly{flags}".encode()),
            (b"set-cookie", f"{CSRF_COOKIE}={self.keys.sessions[session]}{flags}".encode()),
            (b"cache-control", b"no-store"), (b"referrer-policy", b"no-referrer"),
            (b"content-length", b"0")]})
        await send({"type": "http.response.body", "body": b""})


def csrf_matches(scope_state: Any, sent: str | None) -> bool:
    """True when *sent* is the session's CSRF token."""
    expected = scope_state.get("csrf") if isinstance(scope_state, dict) else None
    return bool(expected and sent and hmac.compare_digest(expected.encode(), sent.encode()))


def _cookies(header: str) -> dict[str, str]:
    jar: dict[str, str] = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            jar.setdefault(name, value)
    return jar


def browser_language(header: str) -> str | None:
    """The language of an ``Accept-Language`` header, by its weights, that elyclaims speaks;
    None when it names none."""
    accepted = []
    for item in header.split(","):
        tag, _, quality = item.strip().partition(";")
        weight = 1.0
        if quality.strip().startswith("q="):
            try:
                weight = float(quality.strip()[2:])
            except ValueError:
                weight = 0.0
        if tag.strip()[:2].lower() in LANGUAGES and weight > 0:
            accepted.append((weight, tag.strip()[:2].lower()))
    return max(accepted, key=lambda item: item[0])[1] if accepted else None


async def _refuse(send: Send, status: int, reason: str, *, page: bool = False,
                  lang: str = "en") -> None:
    import html
    import json

    if page:
        body = (f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8"><title>'
                f'elyclaims</title></head><body><h1>elyclaims</h1><p>{html.escape(reason)}.</p>'
                f'</body></html>').encode()
        kind = b"text/html; charset=utf-8"
    else:
        body = json.dumps({"error": reason}).encode()
        kind = b"application/json"
    await send({"type": "http.response.start", "status": status, "headers": [
        (b"content-type", kind), (b"content-length", str(len(body)).encode()),
        (b"cache-control", b"no-store"),
        (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'")]})
    await send({"type": "http.response.body", "body": body})
