"""The web stack the intake service and the officer's app share: a guarded uvicorn server
(:func:`run`, :class:`Guard`, :class:`Tls`) and what every request leaves for the operators (a
request id, one JSON access-log line, the last guard against a failure: :class:`Observed`).
Importing it imports uvicorn: the command line does so only for the commands that serve.
"""

from __future__ import annotations

from elyclaims.web._observe import CERTIFICATE, REQUEST_ID, WHO, JsonLines, Observed
from elyclaims.web._server import Guard, Tls, listen, run, uvicorn_config

__all__ = ["CERTIFICATE", "REQUEST_ID", "WHO", "Guard", "JsonLines", "Observed", "Tls", "listen",
           "run", "uvicorn_config"]
