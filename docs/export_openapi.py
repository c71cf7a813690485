"""Write docs/openapi.json, the OpenAPI document of the submission protocol as the code
generates it (the intake service serves the same at /openapi.json). A test fails when the
file differs from the code's: run this after changing the protocol's models or routes.

    python docs/export_openapi.py
"""

from __future__ import annotations

import json
from pathlib import Path

from elyclaims.intake import openapi_document


def main() -> None:
    target = Path(__file__).resolve().parent / "openapi.json"
    text = json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target.name}")


if __name__ == "__main__":
    main()
