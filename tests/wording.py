"""What a message in Finnish or Swedish must not hold: English words, an internal code, a moment
as a machine writes it. Shared by the tests that render messages (the rule cases', the
catalogues', the sample outputs')."""

from __future__ import annotations

import re

from elyclaims.model import Category

#: English words that are no Finnish or Swedish word, met in elyclaims' own English messages.
ENGLISH = frozenset({
    "the", "is", "are", "not", "and", "of", "missing", "line", "lines", "error",
    "errors", "warning", "warnings", "amount", "claim", "sheet", "column", "row", "should",
    "must", "with", "for", "which", "this", "that", "been", "cannot", "given", "file", "invalid",
    "package", "received", "submission", "internal", "address", "use",
})
#: A word: letters only. Names of the program's own (claim_age_months, elyclaims.toml, --port)
#: are tokens with other characters, which are no words of any language.
_TOKEN = re.compile(r"[\w.-]+")
#: A category's code as the package writes it (HEALTH, SOCIAL, ...): never a reader's word.
_CODES = re.compile(r"\b(?:" + "|".join(category.value for category in Category) + r")\b")
#: A moment as a machine writes it: 2026-12-06T23:18:39Z.
_TIMESTAMP = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def foreign(text: str, lang: str) -> list[str]:
    """What in *text*, a message in *lang* (``fi`` or ``sv``), is not in that language: English
    words, category codes, ISO timestamps."""
    assert lang in {"fi", "sv"}
    found = [word for word in _TOKEN.findall(text)  # PACKAGE, FILE: an argument's name
             if word.isalpha() and not word.isupper() and word.lower() in ENGLISH]
    found.extend(_CODES.findall(text))
    found.extend(_TIMESTAMP.findall(text))
    return found
