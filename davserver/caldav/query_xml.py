"""Request bodies of calendar-query and free-busy-query, and C:calendar-data
(RFC 4791 §7.8, §7.10, §9.5–§9.11; C:timezone-id from RFC 7809), parsed into
frozen dataclasses before any calendar object is read.

Errors (all from resources.formats.calendar_query.errors) and the answers they call for:
- InvalidQuery: the body breaks the grammar (wrong root, no C:filter, two of
  DAV:prop/allprop/propname, C:expand or limit-* without start and end or not in
  UTC form, both C:timezone and C:timezone-id): 400 Bad Request.
- InvalidFilter (an InvalidQuery): the C:filter breaks §9.7 (outer comp-filter not
  VCALENDAR, bad nesting, time-range without start and end or with a date not of
  the form 20060104T000000Z, end not after start, time-range on a text property):
  403 with CALDAV:valid-filter.
- InvalidTimezoneData: C:timezone is not one VTIMEZONE: 403 CALDAV:valid-calendar-data.
- UnknownTimezoneId: C:timezone-id unknown: 403 CALDAV:valid-timezone (RFC 7809).
- UnsupportedFilter: 403 CALDAV:supported-filter; UnsupportedCollation: 403
  CALDAV:supported-collation; UnsupportedCalendarData (content-type other than
  text/calendar 2.0): 403 CALDAV:supported-calendar-data.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import icalendar
from lxml import etree

from davserver.dav.propfind import check_property_count
from davserver.dav.xml import CALDAV, DAV, qname
from resources.formats.calendar_query.errors import (
    InvalidFilter,
    InvalidQuery,
    InvalidTimezoneData,
    UnknownTimezoneId,
    UnsupportedCalendarData,
    UnsupportedFilter,
)
from resources.formats.calendar_query.filters import (
    ASCII_CASEMAP,
    CompFilter,
    ParamFilter,
    PropFilter,
    TextMatch,
    TimeRange,
    check_filter,
)
from resources.formats.calendar_query.query import CalendarQuery, PropertyMode
from resources.formats.calendar_query.retrieval import (
    CalendarDataRequest,
    ComponentSelection,
    PropertySelection,
)

_UTC_FORM = re.compile(r"^\d{8}T\d{6}Z$")
CALENDAR_DATA = qname(CALDAV, "calendar-data")


def parse_calendar_query(root: etree._Element) -> CalendarQuery:
    """Parse a C:calendar-query body (RFC 4791 §7.8, §9.5)."""
    _expect(root, qname(CALDAV, "calendar-query"))
    mode, names, calendar_data = parse_property_request(root)
    filters = _children(root, qname(CALDAV, "filter"))
    if len(filters) != 1:
        raise InvalidQuery("A calendar-query needs exactly one C:filter.")
    comp_filters = _elements(filters[0])
    if len(comp_filters) != 1 or comp_filters[0].tag != qname(CALDAV, "comp-filter"):
        raise InvalidFilter("C:filter must hold exactly one C:comp-filter.")
    root_filter = _parse_comp_filter(comp_filters[0])
    check_filter(root_filter)
    return CalendarQuery(root_filter, mode, names, calendar_data, _parse_timezone(root))


def parse_free_busy_query(root: etree._Element) -> TimeRange:
    """Parse a C:free-busy-query body (RFC 4791 §7.10, §9.11); start and end are required."""
    _expect(root, qname(CALDAV, "free-busy-query"))
    ranges = _children(root, qname(CALDAV, "time-range"))
    if len(ranges) != 1:
        raise InvalidQuery("A free-busy-query needs exactly one C:time-range.")
    return _parse_time_range(ranges[0], InvalidQuery, both_required=True)


def parse_calendar_data_request(element: etree._Element) -> CalendarDataRequest:
    """Parse a C:calendar-data request element (RFC 4791 §9.6), as in calendar-query
    and calendar-multiget."""
    content_type = element.get("content-type", "text/calendar").strip().lower()
    version = element.get("version", "2.0").strip()
    if content_type != "text/calendar" or version != "2.0":
        raise UnsupportedCalendarData(
            f"Calendar data as {content_type} version {version} is not supported; "
            "only text/calendar 2.0 is."
        )
    comps = _children(element, qname(CALDAV, "comp"))
    if len(comps) > 1:
        raise InvalidQuery("C:calendar-data takes at most one C:comp.")
    selection = _parse_comp_selection(comps[0]) if comps else None
    if selection is not None and selection.name != "VCALENDAR":
        raise InvalidQuery("The outermost C:comp of C:calendar-data must name VCALENDAR.")
    expand = _optional_range(element, "expand")
    # An expand range may be as long as the client likes: max-instances caps what one
    # object and one answer write out (resources.formats.expansion_budget).
    limit_recurrence = _optional_range(element, "limit-recurrence-set")
    if expand is not None and limit_recurrence is not None:
        raise InvalidQuery("C:expand and C:limit-recurrence-set exclude each other.")
    limit_freebusy = _optional_range(element, "limit-freebusy-set")
    return CalendarDataRequest(selection, expand, limit_recurrence, limit_freebusy)


def parse_property_request(
    root: etree._Element,
) -> tuple[PropertyMode, tuple[str, ...], CalendarDataRequest | None]:
    """DAV:prop, DAV:allprop or DAV:propname (absent means allprop)."""
    found = [
        el
        for el in _elements(root)
        if el.tag in (qname(DAV, "prop"), qname(DAV, "allprop"), qname(DAV, "propname"))
    ]
    if len(found) > 1:
        raise InvalidQuery("Use only one of DAV:prop, DAV:allprop and DAV:propname.")
    if not found or found[0].tag == qname(DAV, "allprop"):
        return "allprop", (), None
    if found[0].tag == qname(DAV, "propname"):
        return "propname", (), None
    names = tuple(el.tag for el in _elements(found[0]))
    check_property_count(len(names), "A REPORT")
    data_elements = _children(found[0], CALENDAR_DATA)
    calendar_data = parse_calendar_data_request(data_elements[0]) if data_elements else None
    return "prop", names, calendar_data


def _parse_comp_filter(element: etree._Element) -> CompFilter:
    """A C:comp-filter (§9.7.1)."""
    name = _name(element, InvalidFilter)
    parts = _parts(element, ("is-not-defined", "time-range", "prop-filter", "comp-filter"))
    return CompFilter(
        name=name,
        is_not_defined=bool(parts["is-not-defined"]),
        time_range=_single_range(parts["time-range"], name),
        prop_filters=tuple(_parse_prop_filter(el) for el in parts["prop-filter"]),
        comp_filters=tuple(_parse_comp_filter(el) for el in parts["comp-filter"]),
    )


def _parse_prop_filter(element: etree._Element) -> PropFilter:
    """A C:prop-filter (§9.7.2)."""
    name = _name(element, InvalidFilter)
    parts = _parts(element, ("is-not-defined", "time-range", "text-match", "param-filter"))
    if len(parts["text-match"]) > 1:
        raise InvalidFilter(f"The {name} prop-filter has more than one text-match.")
    return PropFilter(
        name=name,
        is_not_defined=bool(parts["is-not-defined"]),
        time_range=_single_range(parts["time-range"], name),
        text_match=_parse_text_match(parts["text-match"][0]) if parts["text-match"] else None,
        param_filters=tuple(_parse_param_filter(el) for el in parts["param-filter"]),
    )


def _parse_param_filter(element: etree._Element) -> ParamFilter:
    """A C:param-filter (§9.7.3)."""
    name = _name(element, InvalidFilter)
    parts = _parts(element, ("is-not-defined", "text-match"))
    if len(parts["text-match"]) > 1:
        raise InvalidFilter(f"The {name} param-filter has more than one text-match.")
    text_match = _parse_text_match(parts["text-match"][0]) if parts["text-match"] else None
    return ParamFilter(name, bool(parts["is-not-defined"]), text_match)


def _parse_text_match(element: etree._Element) -> TextMatch:
    """A C:text-match (§9.7.5); an unknown collation raises UnsupportedCollation."""
    collation = element.get("collation", ASCII_CASEMAP).strip()
    negate = element.get("negate-condition", "no").strip().lower()
    if negate not in ("yes", "no"):
        raise InvalidFilter("negate-condition must be yes or no.")
    if element.get("match-type", "contains") != "contains":
        raise UnsupportedFilter("text-match supports only substring (contains) matching.")
    text = "".join(element.itertext())  # type: ignore[arg-type]
    return TextMatch(text, ASCII_CASEMAP if collation == "default" else collation, negate == "yes")


def _parse_comp_selection(element: etree._Element) -> ComponentSelection:
    """A C:comp inside C:calendar-data (§9.6.1). An empty C:comp selects the whole
    component (as VTIMEZONE in §7.8.1); otherwise only what it lists, or all with
    C:allprop / C:allcomp."""
    name = _name(element, InvalidQuery)
    if not _elements(element):
        return ComponentSelection(name)
    props = _children(element, qname(CALDAV, "prop"))
    comps = _children(element, qname(CALDAV, "comp"))
    allprop = bool(_children(element, qname(CALDAV, "allprop")))
    allcomp = bool(_children(element, qname(CALDAV, "allcomp")))
    if (allprop and props) or (allcomp and comps):
        raise InvalidQuery(f"C:comp {name} mixes allprop/allcomp with a list.")
    properties = tuple(
        PropertySelection(_name(el, InvalidQuery), el.get("novalue", "no").strip().lower() == "yes")
        for el in props
    )
    components = tuple(_parse_comp_selection(el) for el in comps)
    return ComponentSelection(
        name, None if allprop else properties, None if allcomp else components
    )


def _optional_range(element: etree._Element, local: str) -> TimeRange | None:
    found = _children(element, qname(CALDAV, local))
    if len(found) > 1:
        raise InvalidQuery(f"C:calendar-data takes at most one C:{local}.")
    return _parse_time_range(found[0], InvalidQuery, both_required=True) if found else None


def _single_range(elements: list[etree._Element], owner: str) -> TimeRange | None:
    if len(elements) > 1:
        raise InvalidFilter(f"The {owner} filter has more than one time-range.")
    return _parse_time_range(elements[0], InvalidFilter) if elements else None


def _parse_time_range(
    element: etree._Element, error: type[InvalidQuery], both_required: bool = False
) -> TimeRange:
    """start/end attributes as "date with UTC time" (§9.9); at least one of them."""
    start, end = (_utc_attribute(element, key, error) for key in ("start", "end"))
    local = etree.QName(element).localname
    if start is None and end is None:
        raise error(f"C:{local} needs a start or an end.")
    if both_required and (start is None or end is None):
        raise error(f"C:{local} needs both start and end.")
    if start is not None and end is not None and end <= start:
        raise error(f"C:{local} must end after it starts.")
    start, end = _computable(start), _computable(end)
    if start is not None and end is not None and end <= start:
        raise error(
            f"C:{local} lies wholly outside the dates this server computes with "
            f"({EARLIEST.date().isoformat()} to {LATEST.date().isoformat()})."
        )
    return TimeRange(start, end)


# Date arithmetic around a range (margins of days, the span of a recurrence) must
# stay within Python's years 1-9999: a range reaching further ("everything", from
# 00010101T000000Z to 99991231T235959Z) is answered for the years in between (RFC
# 4791 §9.9 leaves the server's date limits to it).
EARLIEST = datetime(1, 3, 1, tzinfo=UTC)
MAX_FREE_BUSY_SPAN = timedelta(days=3660)  # free-busy periods of ten years at most
LATEST = datetime(9999, 10, 1, tzinfo=UTC)


def _computable(moment: datetime | None) -> datetime | None:
    return None if moment is None else min(max(moment, EARLIEST), LATEST)


def _utc_attribute(element: etree._Element, key: str, error: type[InvalidQuery]) -> datetime | None:
    value = element.get(key)
    if value is None:
        return None
    value = value.strip()
    if not _UTC_FORM.match(value):
        raise error(f"{key}={value!r} is not a UTC date-time such as 20060104T000000Z.")
    try:
        return datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
    except ValueError:
        raise error(f"{key}={value!r} is not a valid date-time.") from None


def _parse_timezone(root: etree._Element) -> tzinfo | None:
    """C:timezone (RFC 4791 §9.8) or C:timezone-id (RFC 7809 §5.2), if given."""
    zones = _children(root, qname(CALDAV, "timezone"))
    ids = _children(root, qname(CALDAV, "timezone-id"))
    if len(zones) + len(ids) > 1:
        raise InvalidQuery("Give at most one of C:timezone and C:timezone-id.")
    if ids:
        return _zone_by_id("".join(ids[0].itertext()).strip())  # type: ignore[arg-type]
    if zones:
        return _zone_from_vtimezone("".join(zones[0].itertext()))  # type: ignore[arg-type]
    return None


def _zone_by_id(tzid: str) -> tzinfo:
    try:
        return ZoneInfo(tzid)
    except (ZoneInfoNotFoundError, ValueError):
        raise UnknownTimezoneId(f"The time zone {tzid!r} is not known.") from None


def _zone_from_vtimezone(text: str) -> tzinfo:
    try:
        calendar = icalendar.Calendar.from_ical(text.strip())
        zones = calendar.walk("VTIMEZONE")
        if len(zones) != 1:
            raise InvalidTimezoneData("C:timezone must hold exactly one VTIMEZONE.")
        return zones[0].to_tz()  # type: ignore[attr-defined]
    except (ValueError, KeyError, TypeError, IndexError):
        raise InvalidTimezoneData("C:timezone is not a valid VTIMEZONE.") from None


def _parts(element: etree._Element, allowed: tuple[str, ...]) -> dict[str, list[etree._Element]]:
    """Children grouped by CALDAV local name; anything else is an unsupported filter."""
    parts: dict[str, list[etree._Element]] = {local: [] for local in allowed}
    names = {qname(CALDAV, local): local for local in allowed}
    for child in _elements(element):
        if child.tag not in names:
            raise UnsupportedFilter(f"The filter element {child.tag} is not supported.")
        parts[names[child.tag]].append(child)
    return parts


def _name(element: etree._Element, error: type[InvalidQuery]) -> str:
    name = (element.get("name") or "").strip().upper()
    if not name:
        raise error(f"C:{etree.QName(element).localname} needs a name attribute.")
    return name


def _expect(root: etree._Element, name: str) -> None:
    if root.tag != name:
        raise InvalidQuery(f"Expected {name} as the body's root element, got {root.tag}.")


def _elements(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _children(element: etree._Element, name: str) -> list[etree._Element]:
    return [child for child in _elements(element) if child.tag == name]
