"""Build hook: the wheel carries a copy of the top-level ``schemas/`` (the one source).

A symlink from the package to ``schemas/`` would break a clone on Windows, so the schemas are
copied into ``elyclaims/schemas/`` when the wheel is built. Everything else is in
``pyproject.toml``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SCHEMAS = Path(__file__).resolve().parent / "schemas"


class BuildWithSchemas(build_py):
    """``build_py`` that also copies ``schemas/*.xsd`` into the built package."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return  # a source checkout reads schemas/ directly (see package/_schema.py)
        target = Path(self.build_lib) / "elyclaims" / "schemas"
        target.mkdir(parents=True, exist_ok=True)
        for schema in sorted(SCHEMAS.glob("*.xsd")):
            shutil.copyfile(schema, target / schema.name)


setup(cmdclass={"build_py": BuildWithSchemas})
