"""Write docs/openapi.json, the OpenAPI document of the submission protocol as the code
generates it (the intake service serves the same at /openapi.json), and docs/app-openapi.json,
the officer's app's JSON endpoints (the app serves it at /openapi.json). A test fails when a
file differs from the code's: run this after changing the models or routes.

    python docs/export_openapi.py
"""

from __future__ import annotations

import json
from pathlib import Path

from elyclaims import app, intake


def main() -> None:
    folder = Path(__file__).resolve().parent
    for name, document in (("openapi.json", intake.openapi_document()),
                           ("app-openapi.json", app.openapi_document())):
        text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
        (folder / name).write_text(text, encoding="utf-8")
        print(f"wrote {name}")


if __name__ == "__main__":
    main()
