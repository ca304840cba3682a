"""Content lines and component nesting of an iCalendar body (RFC 5545 §3.1, §3.4, §3.6).

A fast first pass over the text, before icalendar parses it: it finds the
mistakes a client should hear about with a line number (bad bytes, lines that
are not `name;params:value`, BEGIN/END that do not pair up, more than one
VCALENDAR), and it keeps each top-level component as the lines the client
wrote, so that a whole-calendar export can be split without rewriting it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from resources.error_codes import Sentence, sentence
from resources.errors import InvalidCalendarData
from resources.formats.content_lines import forbidden_character

BOM = "\ufeff"
MAX_NESTING = 8  # VCALENDAR > VAVAILABILITY > AVAILABLE > VALARM is 4 deep in real data

_NAME = r"[A-Za-z0-9-]+"
# Unquoted values may hold backslash escapes: iOS writes X-TITLE=Hauptstraße 1-5\; 4041 Linz.
_PARAM_VALUE = r'(?:"[^"]*"|(?:\\.|[^";:,\\])*)'
_CONTENT_LINE = re.compile(
    rf"({_NAME})((?:;{_NAME}={_PARAM_VALUE}(?:,{_PARAM_VALUE})*)*):(.*)", re.DOTALL
)
_TZID_PARAM = re.compile(r';TZID=(?:"([^"]*)"|([^";:,]*))', re.IGNORECASE)
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class ContentLine:
    """One unfolded content line, with the physical lines it was written as."""

    line_number: int  # 1-based physical line where it starts
    name: str  # upper case
    params: str  # the raw parameter part, e.g. ';TZID="W. Europe Standard Time"'
    value: str
    written: tuple[str, ...]  # the folded physical lines, without line endings

    def tzid(self) -> str | None:
        """The TZID parameter, unquoted, if the line has one."""
        found = _TZID_PARAM.search(self.params)
        return (
            None
            if found is None
            else (found.group(1) if found.group(1) is not None else found.group(2))
        )


@dataclass
class ComponentBlock:
    """A top-level component of the VCALENDAR: its kind, its lines from BEGIN to END."""

    name: str
    lines: list[ContentLine] = field(default_factory=list)

    def property_value(self, name: str) -> str | None:
        """The raw value of the component's own first `name` property (not of subcomponents)."""
        line = self.own_line(name)
        return None if line is None else line.value

    def own_line(self, name: str) -> ContentLine | None:
        """The component's own first `name` property line (not one of a subcomponent)."""
        depth = 0
        for line in self.lines:
            if line.name == "BEGIN":
                depth += 1
            elif line.name == "END":
                depth -= 1
            elif depth == 1 and line.name == name:
                return line
        return None

    def referenced_tzids(self) -> set[str]:
        return {tzid for line in self.lines if (tzid := line.tzid()) is not None}


@dataclass
class ScannedCalendar:
    """The VCALENDAR's own properties, its top-level components, and where every
    property of every component starts (index = position in a pre-order walk,
    the same order icalendar's `Component.walk()` uses)."""

    properties: list[ContentLine] = field(default_factory=list)
    components: list[ComponentBlock] = field(default_factory=list)
    property_lines: list[dict[str, int]] = field(default_factory=list)


def decode_body(body: bytes) -> str:
    """The body as text: UTF-8 (RFC 4791 §4.1 / §5.3.2), an optional BOM dropped."""
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as error:
        line = bytes(body)[: error.start].count(b"\n") + 1
        byte = bytes(body)[error.start]
        raise InvalidCalendarData(
            code="calendar_not_utf8", byte=f"0x{byte:02X}", line=line
        ) from None
    text = text.removeprefix(BOM)
    bad = forbidden_character(text)
    if bad is not None:
        line, character = bad
        raise InvalidCalendarData(
            code="calendar_control_character", line=line, character=f"U+{ord(character):04X}"
        )
    return text


def physical_lines(text: str) -> list[str]:
    """The lines of the text, whichever of CRLF, LF or CR ends them."""
    return _LINE_BREAK.split(text)


def unfold(lines: list[str]) -> list[ContentLine]:
    """Join folded lines (a line starting with space or TAB continues the one before).

    Blank lines are skipped, as real clients (KOrganizer) leave them between
    components and they carry nothing.
    """
    unfolded: list[tuple[int, list[str]]] = []
    for number, line in enumerate(lines, 1):
        if not line:
            continue
        if line[0] in " \t":
            if not unfolded:
                raise InvalidCalendarData(code="fold_without_line", line=number)
            unfolded[-1][1].append(line)
            continue
        unfolded.append((number, [line]))
    return [_content_line(number, written) for number, written in unfolded]


def _content_line(number: int, written: list[str]) -> ContentLine:
    text = written[0] + "".join(part[1:] for part in written[1:])
    match = _CONTENT_LINE.fullmatch(text)
    if match is None:
        raise InvalidCalendarData(code="not_a_content_line", line=number, reason=_explain(text))
    name, params, value = match.groups()
    return ContentLine(number, name.upper(), params, value, tuple(written))


def _explain(text: str) -> Sentence:
    shown = repr(text if len(text) <= 60 else text[:57] + "...")
    if ":" not in text:
        return sentence("line_without_colon", text=shown)
    if not re.match(_NAME + "[;:]", text):
        return sentence("line_without_name", text=shown)
    return sentence("line_bad_parameters", text=shown)


def scan(physical: list[str]) -> ScannedCalendar:
    """Check the nesting of BEGIN/END and split off the top-level components.

    Raises InvalidCalendarData with a line number for anything that is not
    exactly one VCALENDAR.
    """
    lines = unfold(physical)
    if not lines:
        raise InvalidCalendarData(code="calendar_body_empty")
    first = lines[0]
    if first.name != "BEGIN" or first.value.strip().upper() != "VCALENDAR":
        raise InvalidCalendarData(
            code="calendar_bad_start", line=first.line_number, found=_short(first)
        )
    scanned = ScannedCalendar()
    stack: list[
        tuple[str, int, int]
    ] = []  # component name, line of its BEGIN, index in property_lines
    block: ComponentBlock | None = None
    for line in lines:
        if not stack and scanned.property_lines:
            raise InvalidCalendarData(code="line_after_vcalendar", line=line.line_number)
        if line.name == "BEGIN":
            kind = _component_name(line)
            stack.append((kind, line.line_number, len(scanned.property_lines)))
            if len(stack) > MAX_NESTING:
                raise InvalidCalendarData(code="nested_too_deeply", line=line.line_number)
            if kind == "VTIMEZONE" and len(stack) != 2:
                raise InvalidCalendarData(code="vtimezone_misplaced", line=line.line_number)
            scanned.property_lines.append({})
            if len(stack) == 2:
                block = ComponentBlock(kind)
        elif line.name == "END":
            kind = _component_name(line)
            if not stack or stack[-1][0] != kind:
                expected = f"END:{stack[-1][0]}" if stack else "nothing"
                raise InvalidCalendarData(
                    code="unexpected_end", line=line.line_number, kind=kind, expected=expected
                )
            stack.pop()
        else:
            scanned.property_lines[stack[-1][2]].setdefault(line.name, line.line_number)
        if block is not None:
            block.lines.append(line)
            if len(stack) == 1:
                scanned.components.append(block)
                block = None
        elif len(stack) == 1 and line.name != "BEGIN":
            scanned.properties.append(line)
    if stack:
        kind, number, _ = stack[-1]
        raise InvalidCalendarData(code="component_not_closed", kind=kind, line=number)
    return scanned


def _component_name(line: ContentLine) -> str:
    name = line.value.strip().upper()
    if not re.fullmatch(_NAME, name):
        raise InvalidCalendarData(
            code="not_a_component_name", line=line.line_number, name=repr(line.value[:40])
        )
    return name


def _short(line: ContentLine) -> str:
    text = f"{line.name}{line.params}:{line.value}"
    return repr(text if len(text) <= 40 else text[:37] + "...")
