"""A calendar collection (RFC 4791 §4.2) and its properties (§5.2): description,
timezone, supported components and data, size and instance limits, Apple's colour and
order."""

from __future__ import annotations

from davserver.dav.live_properties import live
from davserver.dav.nodes.collection import CollectionNode
from davserver.dav.xml import APPLE, CALDAV, element, qname, sub


class CalendarNode(CollectionNode):
    resource_types = (qname(CALDAV, "calendar"),)
    allows_child_collections = False

    @live(qname(CALDAV, "calendar-description"))
    def _calendar_description(self):
        return self.row.description

    @live(qname(APPLE, "calendar-color"))
    def _calendar_color(self):
        return self.row.color or None

    @live(qname(APPLE, "calendar-order"))
    def _calendar_order(self):
        return str(self.row.sort_order) if self.row.sort_order is not None else None

    @live(qname(CALDAV, "calendar-timezone"))
    def _calendar_timezone(self):
        return self.row.timezone or None

    @live(qname(CALDAV, "supported-calendar-component-set"))
    def _supported_calendar_component_set(self):
        el = element(qname(CALDAV, "supported-calendar-component-set"))
        for component in self.row.components.split(","):
            sub(el, qname(CALDAV, "comp")).set("name", component)
        return el

    @live(qname(CALDAV, "supported-calendar-data"))
    def _supported_calendar_data(self):
        el = element(qname(CALDAV, "supported-calendar-data"))
        data = sub(el, qname(CALDAV, "calendar-data"))
        data.set("content-type", "text/calendar")
        data.set("version", "2.0")
        return el

    @live(qname(CALDAV, "max-resource-size"))
    def _max_resource_size(self):
        return str(self.settings.max_resource_size)

    @live(qname(CALDAV, "max-instances"))
    def _max_instances(self):
        """RFC 4791 §5.2.8: the most recurrence instances a calendar object may have."""
        return str(self.settings.max_instances)
