"""Loads every REPORT module so that each registers itself (see report_registry)."""

from davserver.caldav import calendar_multiget, calendar_query, free_busy_query  # noqa: F401
from davserver.carddav import reports as carddav_reports  # noqa: F401
from davserver.dav import expand_property, sync  # noqa: F401
