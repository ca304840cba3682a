"""Building small iCalendar bodies for tests."""

from __future__ import annotations

import uuid


def event(
    uid: str | None = None,
    summary: str = "Meeting",
    start: str = "20261124T100000Z",
    end: str = "20261124T110000Z",
    extra: str = "",
) -> str:
    uid = uid or str(uuid.uuid4())
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\nDTEND:{end}\r\n"
        f"SUMMARY:{summary}\r\n{extra}END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


def todo(uid: str | None = None, summary: str = "Task", due: str = "20261130T120000Z") -> str:
    uid = uid or str(uuid.uuid4())
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nBEGIN:VTODO\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDUE:{due}\r\nSUMMARY:{summary}\r\n"
        "END:VTODO\r\nEND:VCALENDAR\r\n"
    )


CALENDAR_TYPE = {"Content_Type": "text/calendar; charset=utf-8"}
XML_TYPE = {"Content_Type": "application/xml; charset=utf-8"}
