"""The REPORT registry: each REPORT is declared once with the node kinds it applies to,
and `supported-report-set` (RFC 3253 §3.1.5) is derived from it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

# A handler gets (request server, node, parsed body root, environ, start_response).
ReportHandler = Callable[..., list[bytes]]


@dataclass(frozen=True)
class Report:
    name: str  # Clark notation of the REPORT body's root element
    applies_to: Callable[[object], bool]
    handler: ReportHandler


_REPORTS: dict[str, Report] = {}


def register(
    name: str, applies_to: Callable[[object], bool]
) -> Callable[[ReportHandler], ReportHandler]:
    def add(handler: ReportHandler) -> ReportHandler:
        _REPORTS[name] = Report(name, applies_to, handler)
        return handler

    return add


def find(name: str) -> Report | None:
    return _REPORTS.get(name)


def supported_by(node: object) -> list[str]:
    return [r.name for r in _REPORTS.values() if r.applies_to(node)]


def root_name(root: etree._Element) -> str:
    return root.tag if isinstance(root.tag, str) else ""
