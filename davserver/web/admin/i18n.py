"""German and English for the admin UI: gettext catalogs read straight from the .po
files under davserver/web/translations/ (no compile step), the language of each
request (the one chosen with the switch, else Accept-Language), and dates in it:
in the region the browser asks for within that language (en-GB writes 02/12/2026,
17:42; en-US 12/2/26, 5:42 PM), times in a branch's time zone and naming it."""

from __future__ import annotations

import gettext as gnu_gettext
import io
from datetime import date, datetime
from functools import cache
from pathlib import Path
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
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
    """before_request: the switch's choice, else the browser's preference; and the
    region for dates: the browser's first one in that language."""
    chosen = session.get(SESSION_KEY)
    if chosen not in LANGUAGES:
        chosen = request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE)
    g.language = chosen
    g.locale = regional_locale(chosen, [value for value, _quality in request.accept_languages])


def regional_locale(language: str, preferred: list[str]) -> str:
    """The first of the browser's `preferred` tags (en-GB, de-AT) in `language` that
    names a region Babel knows, as a locale name (en_GB); else the language itself."""
    for tag in preferred:
        try:
            locale = Locale.parse(tag.replace("-", "_"))
        except (ValueError, UnknownLocaleError):
            continue
        if locale.language == language and locale.territory:
            return f"{locale.language}_{locale.territory}"
    return language


def current_language() -> str:
    if has_request_context():
        return g.get("language") or DEFAULT_LANGUAGE
    return DEFAULT_LANGUAGE


def current_locale() -> str:
    """The language with the browser's region, for formatting dates and times."""
    if has_request_context():
        return g.get("locale") or current_language()
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


def zone_of(name: str | None) -> ZoneInfo:
    """The named time zone (a branch's), else the one the server shows times in."""
    try:
        return ZoneInfo(name) if name else SHOWN_ZONE
    except (ValueError, KeyError):
        return SHOWN_ZONE


def format_moment(timestamp: float | None, zone: str | None = None) -> str:
    """An epoch timestamp as a short date and time in `zone` (a branch's time zone;
    default the server's), the zone named: '02/12/2026, 17:42 (Europe/Berlin)'."""
    if timestamp is None:
        return ""
    shown = zone_of(zone)
    moment = datetime.fromtimestamp(timestamp, shown)
    written = babel_dates.format_datetime(moment, "short", locale=current_locale())
    return f"{written} ({shown.key})"


def format_time(moment: datetime) -> str:
    """The time of day as the region writes it: '17:42' / '5:42 PM'."""
    return babel_dates.format_time(moment, "short", locale=current_locale())


def format_day(day: date | None, style: str = "medium") -> str:
    if day is None:
        return ""
    return babel_dates.format_date(day, style, locale=current_locale())


def format_weekday(day: date) -> str:
    """'Wed 2 Dec' (en-GB) / 'Wed, Dec 2' (en-US) / 'Mi., 2. Dez.'."""
    return babel_dates.format_skeleton("MMMEd", day, locale=current_locale())
