"""The calendar-query filter model (RFC 4791 §9.7, §9.9) and its static checks.

Filters are frozen dataclasses built by the XML layer (davserver/caldav/query_xml.py)
or by tests. `check_filter` says, before any calendar object is read, whether the
engine can answer a filter exactly; it raises InvalidFilter for filters the RFC
forbids and UnsupportedFilter for filters this engine does not evaluate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from resources.error_codes import sentence
from resources.formats.calendar_query.errors import (
    InvalidFilter,
    UnsupportedCollation,
    UnsupportedFilter,
)

ASCII_CASEMAP = "i;ascii-casemap"
OCTET = "i;octet"
UNICODE_CASEMAP = "i;unicode-casemap"
SUPPORTED_COLLATIONS = (ASCII_CASEMAP, OCTET, UNICODE_CASEMAP)

# Components whose place in the tree RFC 5545 fixes; other (X-, IANA) names may nest freely.
_ALLOWED_PARENTS = {
    "VCALENDAR": frozenset(),
    "VEVENT": frozenset({"VCALENDAR"}),
    "VTODO": frozenset({"VCALENDAR"}),
    "VJOURNAL": frozenset({"VCALENDAR"}),
    "VFREEBUSY": frozenset({"VCALENDAR"}),
    "VTIMEZONE": frozenset({"VCALENDAR"}),
    "VAVAILABILITY": frozenset({"VCALENDAR"}),
    "VALARM": frozenset({"VEVENT", "VTODO"}),
    "STANDARD": frozenset({"VTIMEZONE"}),
    "DAYLIGHT": frozenset({"VTIMEZONE"}),
    "AVAILABLE": frozenset({"VAVAILABILITY"}),
}
# §9.9 defines overlap for these components only.
TIME_RANGE_COMPONENTS = frozenset({"VEVENT", "VTODO", "VJOURNAL", "VFREEBUSY", "VALARM"})
# §9.9: properties with DATE or DATE-TIME values that a prop-filter time-range may test.
TIME_RANGE_PROPERTIES = frozenset(
    {"COMPLETED", "CREATED", "DTEND", "DTSTAMP", "DTSTART", "DUE", "LAST-MODIFIED"}
)
# Properties whose value differs between the instances of a recurring component.
INSTANCE_PROPERTIES = frozenset({"DTSTART", "DTEND", "DUE", "RECURRENCE-ID"})
# Properties RFC 5545 types as text, numbers or addresses: a time-range on them is invalid.
_NON_DATE_PROPERTIES = frozenset(
    {
        "SUMMARY",
        "DESCRIPTION",
        "LOCATION",
        "UID",
        "CATEGORIES",
        "COMMENT",
        "CONTACT",
        "STATUS",
        "CLASS",
        "TRANSP",
        "ORGANIZER",
        "ATTENDEE",
        "URL",
        "PRIORITY",
        "SEQUENCE",
        "RESOURCES",
        "RELATED-TO",
        "GEO",
        "PERCENT-COMPLETE",
        "ACTION",
        "REPEAT",
        "DURATION",
        "RRULE",
        "TZID",
        "TZNAME",
        "VERSION",
        "PRODID",
        "CALSCALE",
        "METHOD",
        "REQUEST-STATUS",
        "ATTACH",
    }
)


@dataclass(frozen=True)
class TimeRange:
    """A CALDAV:time-range: aware UTC datetimes, None for an open end (§9.9)."""

    start: datetime | None
    end: datetime | None

    def __post_init__(self) -> None:
        for value in (self.start, self.end):
            if value is not None and (value.tzinfo is None or value.utcoffset() != timedelta(0)):
                raise ValueError("time-range bounds must be aware UTC datetimes")
        if self.start is None and self.end is None:
            raise ValueError("a time-range needs a start or an end")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError("a time-range must end after it starts")


@dataclass(frozen=True)
class TextMatch:
    """A CALDAV:text-match: substring match with a collation (§9.7.5)."""

    text: str
    collation: str = ASCII_CASEMAP
    negate: bool = False

    def __post_init__(self) -> None:
        if self.collation not in SUPPORTED_COLLATIONS:
            raise UnsupportedCollation(
                sentence(
                    "collation_unsupported",
                    collation=repr(self.collation),
                    supported=", ".join(SUPPORTED_COLLATIONS),
                ),
                self.collation,
            )


@dataclass(frozen=True)
class ParamFilter:
    """A CALDAV:param-filter on a property parameter (§9.7.3)."""

    name: str
    is_not_defined: bool = False
    text_match: TextMatch | None = None


@dataclass(frozen=True)
class PropFilter:
    """A CALDAV:prop-filter on a component property (§9.7.2)."""

    name: str
    is_not_defined: bool = False
    time_range: TimeRange | None = None
    text_match: TextMatch | None = None
    param_filters: tuple[ParamFilter, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class CompFilter:
    """A CALDAV:comp-filter on a calendar component (§9.7.1)."""

    name: str
    is_not_defined: bool = False
    time_range: TimeRange | None = None
    prop_filters: tuple[PropFilter, ...] = field(default_factory=tuple)
    comp_filters: tuple[CompFilter, ...] = field(default_factory=tuple)


def check_filter(root: CompFilter) -> None:
    """Refuse a filter RFC 4791 §9.7 forbids or this engine cannot answer exactly."""
    if root.name != "VCALENDAR":
        raise InvalidFilter(code="filter_root_not_vcalendar")
    if root.time_range is not None:
        raise UnsupportedFilter(code="time_range_on_vcalendar")
    _check_comp(root, parent=None)


def _check_comp(comp: CompFilter, parent: str | None) -> None:
    allowed = _ALLOWED_PARENTS.get(comp.name)
    if parent is not None and allowed is not None and parent not in allowed:
        raise InvalidFilter(code="comp_filter_misplaced", name=comp.name, parent=parent)
    if comp.is_not_defined and (comp.time_range or comp.prop_filters or comp.comp_filters):
        raise InvalidFilter(code="comp_filter_mixed", name=comp.name)
    if comp.time_range is not None and comp.name not in TIME_RANGE_COMPONENTS:
        raise UnsupportedFilter(code="time_range_on_component", name=comp.name)
    for prop in comp.prop_filters:
        _check_prop(prop, comp.name)
    for child in comp.comp_filters:
        _check_comp(child, comp.name)


def _check_prop(prop: PropFilter, component: str) -> None:
    tests = [t for t in (prop.time_range, prop.text_match) if t is not None]
    if prop.is_not_defined and (tests or prop.param_filters):
        raise InvalidFilter(code="prop_filter_mixed", name=prop.name)
    if len(tests) > 1:
        raise InvalidFilter(code="prop_filter_two_tests", name=prop.name)
    if prop.time_range is not None:
        _check_prop_time_range(prop.name, component)
    if prop.text_match is not None and prop.name in INSTANCE_PROPERTIES:
        raise UnsupportedFilter(code="text_match_unsupported", name=prop.name)
    for param in prop.param_filters:
        if param.is_not_defined and param.text_match is not None:
            raise InvalidFilter(code="param_filter_mixed", name=param.name)


def _check_prop_time_range(name: str, component: str) -> None:
    if name in _NON_DATE_PROPERTIES:
        raise InvalidFilter(code="time_range_on_non_date", name=name)
    if name not in TIME_RANGE_PROPERTIES:
        raise UnsupportedFilter(code="time_range_on_property", name=name)
    if component not in TIME_RANGE_COMPONENTS - {"VALARM"}:
        raise UnsupportedFilter(code="property_time_range_inside", name=component)
