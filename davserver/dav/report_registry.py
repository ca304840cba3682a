"""The REPORT registry of one DAV app: each REPORT is declared once per kind of node it
applies to, and `supported-report-set` (RFC 3253 §3.1.5) is derived from it.

The registry is filled where the DAV app is built, from the tables of REPORTs that
dav/reports.py, caldav/ and carddav/ declare; nothing registers itself on import.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from lxml import etree

# A handler gets (request server, node, parsed body root, environ, start_response).
ReportHandler = Callable[..., list[bytes]]


@dataclass(frozen=True)
class Report:
    name: str  # Clark notation of the REPORT body's root element
    applies_to: Callable[[object], bool]
    handler: ReportHandler


class ReportRegistry:
    """The REPORTs one DAV app answers. A name may have several entries, one per kind of
    node (sync-collection renders calendar data on a calendar, vCards in an address book):
    the first entry that applies to the node answers."""

    def __init__(self, reports: Iterable[Report]) -> None:
        self._by_name: dict[str, list[Report]] = {}
        for report in reports:
            self._by_name.setdefault(report.name, []).append(report)

    def find(self, name: str, node: object) -> Report | None:
        """The entry of REPORT `name` that applies to `node`, if any."""
        return next((r for r in self._by_name.get(name, ()) if r.applies_to(node)), None)

    def supported_by(self, node: object) -> list[str]:
        return [
            name
            for name, entries in self._by_name.items()
            if any(r.applies_to(node) for r in entries)
        ]


def root_name(root: etree._Element) -> str:
    return root.tag if isinstance(root.tag, str) else ""
