"""Errors of the calendar-query engine (RFC 4791 §7.8, §7.10, §9.6, §9.7).

Each class names, in its docstring, the answer the DAV layer gives for it.
InvalidFilter, InvalidTimezoneData and UnknownTimezoneId are subclasses of
InvalidQuery, so a mapper must look them up before InvalidQuery.
"""

from __future__ import annotations

from resources.error_codes import Sentence
from resources.errors import DomainError


class InvalidQuery(DomainError):
    """A REPORT body that breaks the RFC 4791 grammar (missing C:filter, a C:expand
    without start and end, two time zones, ...): 400 Bad Request, no precondition."""


class InvalidFilter(InvalidQuery):
    """A C:filter that breaks RFC 4791 §9.7 (root not VCALENDAR, VEVENT inside
    VTODO, time-range on SUMMARY, a time-range without start and end, a date not in
    UTC form): 403 Forbidden with the CALDAV:valid-filter precondition (§7.8)."""


class InvalidTimezoneData(InvalidQuery):
    """C:timezone is not an iCalendar object with exactly one VTIMEZONE:
    403 Forbidden with CALDAV:valid-calendar-data (RFC 4791 §7.8)."""


class UnknownTimezoneId(InvalidQuery):
    """C:timezone-id names no time zone the server knows:
    403 Forbidden with CALDAV:valid-timezone (RFC 7809 §5.2)."""


class UnsupportedFilter(DomainError):
    """A filter this server cannot evaluate exactly (e.g. time-range on VAVAILABILITY):
    403 Forbidden with CALDAV:supported-filter (RFC 4791 §7.8)."""


class UnsupportedCollation(DomainError):
    """A text-match collation other than i;ascii-casemap, i;octet, i;unicode-casemap:
    403 Forbidden with CALDAV:supported-collation (RFC 4791 §7.5.1, §7.8)."""

    def __init__(self, message: str | Sentence, collation: str = "") -> None:
        super().__init__(message)
        self.collation = collation


class UnsupportedCalendarData(DomainError):
    """C:calendar-data asks for a media type other than text/calendar 2.0:
    403 Forbidden with CALDAV:supported-calendar-data (RFC 4791 §7.8, §9.6)."""
