"""The calendar-query engine of RFC 4791: filters (§9.7), time ranges (§9.9),
partial retrieval (§9.6) and free-busy (§7.10), as pure code without HTTP or XML."""

from resources.formats.calendar_query.errors import (
    InvalidFilter,
    InvalidQuery,
    InvalidTimezoneData,
    UnknownTimezoneId,
    UnsupportedCalendarData,
    UnsupportedCollation,
    UnsupportedFilter,
)
from resources.formats.calendar_query.filters import (
    SUPPORTED_COLLATIONS,
    CompFilter,
    ParamFilter,
    PropFilter,
    TextMatch,
    TimeRange,
    check_filter,
)
from resources.formats.calendar_query.free_busy import free_busy_periods, render_vfreebusy
from resources.formats.calendar_query.matching import calendar_matches
from resources.formats.calendar_query.retrieval import (
    CalendarDataRequest,
    ComponentSelection,
    PropertySelection,
    render_calendar_data,
)

__all__ = [
    "SUPPORTED_COLLATIONS",
    "CalendarDataRequest",
    "CompFilter",
    "ComponentSelection",
    "InvalidFilter",
    "InvalidQuery",
    "InvalidTimezoneData",
    "ParamFilter",
    "PropFilter",
    "PropertySelection",
    "TextMatch",
    "TimeRange",
    "UnknownTimezoneId",
    "UnsupportedCalendarData",
    "UnsupportedCollation",
    "UnsupportedFilter",
    "calendar_matches",
    "check_filter",
    "free_busy_periods",
    "render_calendar_data",
    "render_vfreebusy",
]
