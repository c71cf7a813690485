"""Serving an ASGI application with uvicorn, guarded against slow and hostile clients.

A connection must send a whole request head within *header_timeout* seconds of opening (or of
its previous answer): one that trickles its headers a byte at a time, or sends nothing, is
closed then; an idle keep-alive connection is closed after five seconds. One client address
holds at most *per_client* connections and all clients at most *total*; a connection over either
is closed at once, so that a few addresses cannot take the room of everyone else. Behind a
reverse proxy, where every connection comes from the proxy's address, *per_client* is 0 (no
bound) and the proxy bounds its clients.

SIGTERM or SIGINT stop the server gracefully (:func:`run`): it stops accepting, lets the
requests in flight finish (for up to 30 seconds), and returns.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import signal
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from elyclaims.web._observe import CERTIFICATE

__all__ = ["Guard", "Tls", "listen", "run", "uvicorn_config"]


@dataclass(frozen=True, slots=True)
class Guard:
    """The bounds on connections: seconds for a request head, connections per client address
    (0: none) and in all."""

    header_timeout: float = 10.0
    per_client: int = 64
    total: int = 1024


def _guarded(guard: Guard) -> type[H11Protocol]:
    """uvicorn's HTTP/1.1 protocol, with *guard*'s bounds (counted across this server's
    connections)."""
    held: Counter[str] = Counter()

    class Guarded(H11Protocol):
        _counted: str | None = None
        _timer: asyncio.TimerHandle | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            address = self.client[0] if self.client else ""
            if (guard.per_client and held[address] >= guard.per_client) or (
                    held.total() >= guard.total):
                transport.close()
                return
            held[address] += 1
            self._counted = address
            self._arm()
            # A client certificate the TLS layer verified: its fingerprint goes with every
            # request of the connection (scope["state"] is a copy of this per request).
            tls = transport.get_extra_info("ssl_object")
            certificate = tls.getpeercert(binary_form=True) if tls is not None else None
            if certificate:
                self.app_state = {**self.app_state,
                                  CERTIFICATE: hashlib.sha256(certificate).hexdigest()}

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._counted is not None:
                held[self._counted] -= 1
                if held[self._counted] <= 0:
                    del held[self._counted]
                self._counted = None
            super().connection_lost(exc)

        def handle_events(self) -> None:
            super().handle_events()
            if self.cycle is not None and not self.cycle.response_complete:
                self._disarm()  # a request head arrived whole

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing():
                self._arm()

        def _arm(self) -> None:
            self._disarm()
            self._timer = self.loop.call_later(guard.header_timeout, self._too_slow)

        def _disarm(self) -> None:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None

        def _too_slow(self) -> None:
            self._timer = None
            if self.cycle is None or self.cycle.response_complete:
                self.transport.abort()

        # An idle connection is dropped, not closed politely: over TLS a polite close waits
        # (30 s) for the client's own close_notify, which an idle or hostile client never
        # sends, and would hold the connection and a graceful stop that long.
        def shutdown(self) -> None:
            idle = self.cycle is None or self.cycle.response_complete
            super().shutdown()
            if idle:
                self.transport.abort()

        def timeout_keep_alive_handler(self) -> None:
            super().timeout_keep_alive_handler()
            self.transport.abort()

    return Guarded


def uvicorn_config(app: Any, *, guard: Guard | None = None, **options: Any) -> Any:
    """uvicorn's configuration for *app* with the service's bounds; *options* (TLS files, say)
    go to uvicorn as they are."""
    import uvicorn

    return uvicorn.Config(app, http=_guarded(guard or Guard()), lifespan="off", log_config=None,
                          access_log=False, server_header=False, timeout_keep_alive=5,
                          timeout_graceful_shutdown=30, **options)


@dataclass(frozen=True, slots=True)
class Tls:
    """HTTPS: the service's certificate chain and key (PEM), and the CA whose client
    certificates it asks for (mutual TLS; a client may still use a token instead)."""

    certificate: str
    key: str | None = None
    client_ca: str | None = None

    def options(self) -> dict[str, Any]:
        """uvicorn's TLS options."""
        import ssl

        options: dict[str, Any] = {"ssl_certfile": self.certificate, "ssl_keyfile": self.key}
        if self.client_ca:
            options.update(ssl_ca_certs=self.client_ca, ssl_cert_reqs=ssl.CERT_OPTIONAL)
        return options


def _server_class() -> type[Any]:
    import uvicorn

    class Server(uvicorn.Server):
        """uvicorn's server, whose graceful stop on SIGTERM or SIGINT ends in exit 0 (uvicorn
        raises the signal again after it, which would end the process by it)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            handled = (signal.SIGINT, signal.SIGTERM)
            before = {sig: signal.signal(sig, self.handle_exit) for sig in handled}
            try:
                yield
            finally:
                for sig, handler in before.items():
                    signal.signal(sig, handler)

    return Server


def listen(host: str, port: int) -> tuple[socket.socket, str]:
    """A listening socket on *host* and *port* (0: one the system chooses) and the
    ``host:port`` it is bound to, an IPv6 address in brackets.

    Raises:
        UsageError: when the address cannot be listened on (the port in use, an address not
            of this machine, a port below 1024 without the right): the cause, exit 2.
    """
    from elyclaims.errors import UsageError

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        listener = socket.create_server((host, port), family=family, backlog=2048)
    except OSError as error:
        if isinstance(error, socket.gaierror) or (error.errno or 0) < 0 or error.errno in {
                errno.EADDRNOTAVAIL, errno.EAFNOSUPPORT}:  # a name or an address not ours
            raise UsageError("{host}: not an address of this computer; give another with "
                             "--host", host=host) from error
        if error.errno == errno.EADDRINUSE:
            raise UsageError("{host} port {port}: the port is in use by another program; "
                             "choose another with --port", host=host, port=port) from error
        if error.errno == errno.EACCES:
            raise UsageError("{host} port {port}: no permission to listen there (ports below "
                             "1024 need it); choose another with --port", host=host,
                             port=port) from error
        raise UsageError("{host} port {port}: cannot listen there: {reason}", host=host,
                         port=port, reason=error.strerror or error) from error
    bound_host, bound_port = listener.getsockname()[:2]
    shown = f"[{bound_host}]" if family == socket.AF_INET6 else bound_host
    return listener, f"{shown}:{bound_port}"


def run(app: Any, listener: socket.socket, *, guard: Guard | None = None,
        tls: Tls | None = None) -> None:
    """Serve *app* on *listener* until SIGTERM or SIGINT. The socket listens already, so a
    client told its address before this call is answered."""
    server = _server_class()(uvicorn_config(app, guard=guard, **(tls.options() if tls else {})))
    server.run(sockets=[listener])
