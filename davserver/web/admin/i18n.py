"""German and English for the admin UI: gettext catalogs read straight from the .po
files under davserver/web/translations/ (no compile step), the language of each
request (the one chosen with the switch, else Accept-Language), and dates in it."""

from __future__ import annotations

import gettext as gnu_gettext
import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import dates as babel_dates
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from flask import g, has_request_context, request, session

LANGUAGES = ("en", "de")
LANGUAGE_NAMES = {"en": "English", "de": "Deutsch"}
DEFAULT_LANGUAGE = "en"
SHOWN_ZONE = ZoneInfo("Europe/Berlin")
TRANSLATIONS_DIR = Path(__file__).resolve().parent.parent / "translations"
SESSION_KEY = "language"


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


@cache
def catalog(language: str) -> gnu_gettext.NullTranslations:
    """The language's messages, compiled in memory from its .po file."""
    path = TRANSLATIONS_DIR / language / "LC_MESSAGES" / "messages.po"
    if not path.is_file():
        return gnu_gettext.NullTranslations()
    with path.open("rb") as handle:
        messages = read_po(handle, locale=language)
    compiled = io.BytesIO()
    write_mo(compiled, messages)
    compiled.seek(0)
    return gnu_gettext.GNUTranslations(compiled)


def choose_language() -> None:
    """before_request: the switch's choice, else the browser's preference."""
    chosen = session.get(SESSION_KEY)
    if chosen not in LANGUAGES:
        chosen = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    g.language = chosen


def current_language() -> str:
    if has_request_context():
        return g.get("language") or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def translate(message: str) -> str:
    """The message in the request's language (for Jinja's newstyle gettext)."""
    return catalog(current_language()).gettext(message)


def translate_plural(singular: str, plural: str, number: int) -> str:
    return catalog(current_language()).ngettext(singular, plural, number)


def _(message: str, **values: object) -> str:
    """Translate and fill in %(name)s placeholders (for Python code)."""
    text = translate(message)
    return text % values if values else text


def format_moment(timestamp: float | None) -> str:
    """An epoch timestamp as a short local date and time, or an empty string."""
    if timestamp is None:
        return ""
    moment = datetime.fromtimestamp(timestamp, SHOWN_ZONE)
    return babel_dates.format_datetime(moment, "short", locale=current_language())


def format_day(day: date | None, style: str = "medium") -> str:
    if day is None:
        return ""
    return babel_dates.format_date(day, style, locale=current_language())


def format_weekday(day: date) -> str:
    """'Mon, Nov 23' / 'Mo., 23. Nov.'."""
    return babel_dates.format_skeleton("MMMEd", day, locale=current_language())
