"""The interface's words in Finnish, Swedish and English: gettext catalogues with plural forms.

Rule messages live in the rule catalogue (``data/rules.toml``); every other text a person
reads (report headings, summaries, counts, verdicts, usage and config errors, the annotated
copy, the HTML report) is an English message here, translated by ``locale/fi.po`` and
``locale/sv.po``. The ``.po`` files are the one source; they are compiled in memory with Babel
when a language is first used, so that no build step can leave them out of date.

``t = translator("fi")``; ``t("Summary")`` gives "Yhteenveto"; ``t.n("{count} expense line",
"{count} expense lines", 30)`` gives "30 kuluriviä" (Finnish takes the partitive singular after
a number: "30 kuluriviä", "1 kulurivi", "0 kuluriviä"). By convention the translator is always
called ``t``, so that a test can find every message in the code.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any, Literal, get_args

if TYPE_CHECKING:
    import gettext

# Nothing heavy at import: the command line imports this module before it knows whether it
# will say anything at all (``elyclaims --version``).

__all__ = ["LANGUAGES", "LOCALES", "N_", "Language", "Translator", "translator"]

#: The languages elyclaims speaks, in the order of every three-language table (Finnish first):
#: the one place they are listed.
Language = Literal["fi", "sv", "en"]
LANGUAGES: tuple[Language, ...] = get_args(Language)
#: The Babel locale of each language: Swedish as written in Finland (``1.7.2026``), English
#: as in Britain (day before month).
LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_GB"}
#: Each language's number symbols in its locale (CLDR's, as Babel gives them): the group
#: separator, the decimal sign, and the minus sign of a number written digit by digit.
NUMBER_SYMBOLS = {"fi": ("\u00a0", ",", "\u2212"), "sv": ("\u00a0", ",", "\u2212"),
                  "en": (",", ".", "-")}


def N_(message: str) -> str:
    """Mark *message* for translation where it is kept to be translated later."""
    return message


@cache
def _catalogue(lang: str) -> gettext.NullTranslations:
    import gettext
    import io
    import struct

    from elyclaims.datafiles import PACKAGE, kept_derived

    if lang not in {"fi", "sv"}:
        return gettext.NullTranslations()  # the messages are English
    source = PACKAGE / "locale" / f"{lang}.po"

    def compile_po(content: bytes) -> bytes:
        return _compiled(content, lang)

    try:  # compiled once, and kept beside the catalogue (elyclaims.datafiles)
        return gettext.GNUTranslations(io.BytesIO(kept_derived(source, "mo", compile_po)))
    except (OSError, ValueError, IndexError, struct.error):  # a damaged copy
        return gettext.GNUTranslations(io.BytesIO(
            kept_derived(source, "mo", compile_po, fresh=True)))


def _compiled(po: bytes, lang: str) -> bytes:
    """The catalogue *po* (a ``.po`` file's bytes) compiled to ``.mo`` bytes, with Babel."""
    import io

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    catalog = read_po(io.StringIO(po.decode("utf-8")), locale=lang)
    compiled = io.BytesIO()
    write_mo(compiled, catalog)
    return compiled.getvalue()


class Translator:
    """The interface's messages in one language."""

    __slots__ = ("lang",)

    def __init__(self, lang: str) -> None:
        self.lang = lang

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"

    def __call__(self, message: str, **values: Any) -> str:
        """*message* in this language, with ``{placeholders}`` filled from *values*."""
        text = _catalogue(self.lang).gettext(message)
        return text.format(**values) if values else text

    def n(self, singular: str, plural: str, count: int, **values: Any) -> str:
        """The form of *singular*/*plural* that *count* takes in this language; ``{count}``
        is filled with the number grouped as the language groups it (``1 234``, ``1,234``)."""
        text = _catalogue(self.lang).ngettext(singular, plural, count)
        grouped = f"{count:,}".replace(",", NUMBER_SYMBOLS.get(self.lang, NUMBER_SYMBOLS["en"])[0])
        return text.format(count=grouped, **values)


@cache
def translator(lang: str) -> Translator:
    """The translator for *lang* (``fi``, ``sv``; anything else is English)."""
    return Translator(lang if lang in LANGUAGES else "en")
