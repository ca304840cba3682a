"""Splitting a large .ics or .vcf file for import without holding it in memory: one
pass over the file notes where each object starts and ends (byte offsets and the
file's own line numbers), then each object is read back from the file on its own,
with a map from its lines to the lines of the file."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import BinaryIO

from resources.error_codes import Sentence, sentence

_BREAK = re.compile(rb"\r\n|\r|\n")
_LINE_IN_MESSAGE = re.compile(r"\b([Ll])ine (\d+)\b")
_TZID = re.compile(r';TZID=(?:"([^"]*)"|([^";:,]*))', re.IGNORECASE)
_UID_NAMESPACE = uuid.UUID("0c0e9b5e-5d0a-4a59-9a55-6b1f4b2f0d11")
MAX_PROBLEMS = 1000  # a file of garbage is reported by its first thousand problems


@dataclass(frozen=True)
class Span:
    """Lines of the file: bytes [start, end), the first of them file line `first_line`."""

    start: int
    end: int
    first_line: int


@dataclass(frozen=True)
class Piece:
    """A run of whole lines of an object; `first_line` None: written by the importer."""

    data: bytes
    first_line: int | None


@dataclass(frozen=True)
class FilePart:
    """One object cut out of the file, as the pieces of lines it is made of."""

    pieces: tuple[Piece, ...]
    first_line: int  # where the object starts in the file

    def body(self) -> bytes:
        return b"".join(piece.data for piece in self.pieces)

    def file_line(self, line: int) -> int:
        """The file line of the object's line `line` (1-based)."""
        seen = 0
        for piece in self.pieces:
            count = len(_BREAK.findall(piece.data))
            if line <= seen + count:
                if piece.first_line is None:
                    return self.first_line
                return piece.first_line + line - seen - 1
            seen += count
        return self.first_line

    def in_file_lines(self, message: str) -> str:
        """The message with every "line N" of the object turned into the file's line."""

        def mapped(found: re.Match[str]) -> str:
            return f"{found.group(1)}ine {self.file_line(int(found.group(2)))}"

        return _LINE_IN_MESSAGE.sub(mapped, message)


@dataclass(frozen=True)
class LogicalLine:
    """One unfolded line: its bytes in the file, its first file line, its text."""

    start: int
    end: int
    first_line: int
    text: str

    @property
    def name(self) -> str:
        return re.split("[;:]", self.text, maxsplit=1)[0].strip().upper()

    @property
    def value(self) -> str:
        return self.text.split(":", 1)[1].strip() if ":" in self.text else ""

    def tzid(self) -> str | None:
        found = _TZID.search(self.text.split(":", 1)[0])
        if found is None:
            return None
        return found.group(1) if found.group(1) is not None else found.group(2)


def _physical_lines(handle: BinaryIO) -> Iterator[tuple[int, int, int, str]]:
    """(start offset, end offset, line number, text) of every line, whichever of CRLF,
    LF or CR ends it; bytes that are not UTF-8 are replaced (the object's own check
    reports them)."""
    handle.seek(0)
    offset, number = 0, 0
    for raw in handle:
        end = offset + len(raw)
        body = raw[:-2] if raw.endswith(b"\r\n") else raw[:-1] if raw.endswith(b"\n") else raw
        pieces = body.split(b"\r")
        position = offset
        for index, piece in enumerate(pieces):
            number += 1
            last = index == len(pieces) - 1
            piece_end = end if last else position + len(piece) + 1
            if number == 1:
                piece = piece.removeprefix(b"\xef\xbb\xbf")
            yield position, piece_end, number, piece.decode("utf-8", "replace")
            position = piece_end
        offset = end


def logical_lines(handle: BinaryIO) -> Iterator[LogicalLine]:
    """The unfolded lines of the file (a line starting with space or TAB continues the
    one before); blank lines are left out."""
    pending: LogicalLine | None = None
    for start, end, number, text in _physical_lines(handle):
        if not text:
            continue
        if text[0] in " \t" and pending is not None:
            pending = LogicalLine(pending.start, end, pending.first_line, pending.text + text[1:])
            continue
        if pending is not None:
            yield pending
        pending = LogicalLine(start, end, number, text)
    if pending is not None:
        yield pending


@dataclass(slots=True)
class Block:
    """A component of the file being read: its kind, UID, time zones and where it is."""

    kind: str
    start: int
    first_line: int
    begin_end: int = 0  # where the BEGIN line ends (a made-up UID goes after it)
    end: int = 0
    uid: str | None = None
    tzids: frozenset[str] = frozenset()  # the TZIDs its lines name (mostly none or one)
    problem: str | None = None

    @property
    def span(self) -> Span:
        return Span(self.start, self.end, self.first_line)


def read_span(handle: BinaryIO, span: Span) -> bytes:
    """The span's bytes, ending with a line break."""
    handle.seek(span.start)
    data = handle.read(span.end - span.start)
    return data if data.endswith((b"\n", b"\r")) else data + b"\r\n"


def derived_uid(content: bytes) -> str:
    """A UID for an object that has none: the same content gives the same UID, so that
    importing a file twice does not store its objects twice."""
    return str(uuid.uuid5(_UID_NAMESPACE, hashlib.sha256(content).hexdigest()))


def with_uid(handle: BinaryIO, span: Span, begin_end: int) -> tuple[list[Piece], str]:
    """The span's lines with a UID line after its BEGIN line (ending at `begin_end`)."""
    data = read_span(handle, span)
    uid = derived_uid(data)
    head, tail = data[: begin_end - span.start], data[begin_end - span.start :]
    pieces = [
        Piece(head, span.first_line),
        Piece(f"UID:{uid}\r\n".encode(), None),
        Piece(tail, span.first_line + len(_BREAK.findall(head))),
    ]
    return pieces, uid


@dataclass(frozen=True)
class Problem:
    """Something of the file that is no object to import, and why."""

    line: int
    sentence: Sentence

    @property
    def message(self) -> str:
        return self.sentence.english


@dataclass
class CalendarIndex:
    """Where everything of a whole-calendar file is: the VCALENDAR's own properties
    (METHOD left out), the VTIMEZONEs by TZID, and the components grouped by UID
    (master and overrides together; a component without UID is a group of its own)."""

    header: list[Span] = field(default_factory=list)
    header_names: set[str] = field(default_factory=set)
    timezones: dict[str, Span] = field(default_factory=dict)
    groups: dict[str, list[Block]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)

    def note(self, line: int, sentence: Sentence) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(Problem(line, sentence))


def index_calendar(handle: BinaryIO) -> CalendarIndex:
    """One pass over an .ics file; several VCALENDARs one after another are read as one."""
    index = CalendarIndex()
    stack: list[str] = []
    block: Block | None = None
    seen_calendar = False
    for line in logical_lines(handle):
        name = line.name
        if name == "BEGIN":
            kind = line.value.upper()
            if not stack and kind != "VCALENDAR":
                index.note(
                    line.first_line, sentence("import_outside_calendar", line=line.first_line)
                )
                stack.append(kind)
                continue
            stack.append(kind)
            seen_calendar = True
            if len(stack) == 2:
                block = Block(kind, line.start, line.first_line, begin_end=line.end)
        elif name == "END":
            kind = line.value.upper()
            if not stack or kind not in stack:
                index.note(
                    line.first_line,
                    sentence("import_end_without_begin", line=line.first_line, kind=kind),
                )
                continue
            while stack[-1] != kind:
                opened = stack.pop()
                if block is not None and block.problem is None:
                    block.problem = f"BEGIN:{opened} is not closed before END:{kind}."
            stack.pop()
            if len(stack) == 1 and block is not None:
                block.end = line.end
                _file_block(index, block)
                block = None
        elif len(stack) == 1 and stack[0] == "VCALENDAR":
            if name != "METHOD" and name not in index.header_names:
                index.header_names.add(name)  # a second VCALENDAR repeats VERSION, PRODID
                index.header.append(Span(line.start, line.end, line.first_line))
        elif not stack:
            index.note(line.first_line, sentence("import_outside_calendar", line=line.first_line))
        elif block is not None:
            if len(stack) == 2 and name == "UID" and block.uid is None:
                block.uid = line.value
            tzid = line.tzid()
            if tzid is not None:
                block.tzids = block.tzids | {tzid}
            if len(stack) == 2 and name == "TZID" and block.kind == "VTIMEZONE":
                block.uid = line.value
    if block is not None:
        index.note(
            block.first_line,
            sentence("import_not_closed", kind=block.kind, line=block.first_line),
        )
    if not seen_calendar and not index.problems:
        index.note(1, sentence("import_no_calendar"))
    return index


def _file_block(index: CalendarIndex, block: Block) -> None:
    if block.kind == "VTIMEZONE":
        if block.uid and block.uid not in index.timezones:
            index.timezones[block.uid] = block.span
        return
    key = block.uid if block.uid and block.problem is None else f"\0{len(index.groups)}"
    index.groups.setdefault(key, []).append(block)


def calendar_part(handle: BinaryIO, index: CalendarIndex, blocks: list[Block]) -> FilePart:
    """The VCALENDAR of one UID: the file's calendar properties, the time zones its
    components name, and its components; one without UID gets a derived one."""
    pieces = [Piece(b"BEGIN:VCALENDAR\r\n", None)]
    pieces += [Piece(read_span(handle, span), span.first_line) for span in index.header]
    needed = set().union(*(block.tzids for block in blocks))
    for tzid, span in index.timezones.items():
        if tzid in needed:
            pieces.append(Piece(read_span(handle, span), span.first_line))
    for block in blocks:
        if block.uid is None:
            with_id, _uid = with_uid(handle, block.span, block.begin_end)
            pieces += with_id
        else:
            pieces.append(Piece(read_span(handle, block.span), block.first_line))
    pieces.append(Piece(b"END:VCALENDAR\r\n", None))
    return FilePart(tuple(pieces), blocks[0].first_line)


@dataclass(frozen=True)
class VCardPart:
    part: FilePart
    uid: str
    uid_made: bool


def index_vcards(handle: BinaryIO) -> tuple[list[Block], list[Problem]]:
    """Where every BEGIN:VCARD ... END:VCARD of a .vcf file is, and the lines outside
    any vCard."""
    blocks: list[Block] = []
    problems: list[Problem] = []
    block: Block | None = None
    depth = 0
    for line in logical_lines(handle):
        name = line.name
        if name == "BEGIN" and line.value.upper() == "VCARD":
            depth += 1
            if depth == 1:
                block = Block("VCARD", line.start, line.first_line, begin_end=line.end)
        elif name == "END" and line.value.upper() == "VCARD" and depth:
            depth -= 1
            if depth == 0 and block is not None:
                block.end = line.end
                blocks.append(block)
                block = None
        elif depth == 0:
            if len(problems) < MAX_PROBLEMS:
                problems.append(
                    Problem(line.first_line, sentence("import_outside_vcard", line=line.first_line))
                )
        elif depth == 1 and block is not None and name == "UID" and block.uid is None:
            block.uid = line.value
    if block is not None:
        problems.append(
            Problem(
                block.first_line,
                sentence("import_not_closed", kind="VCARD", line=block.first_line),
            )
        )
    return blocks, problems


def vcard_part(handle: BinaryIO, block: Block) -> VCardPart:
    """One vCard of the file; one without UID gets a derived one."""
    if block.uid:
        piece = Piece(read_span(handle, block.span), block.first_line)
        return VCardPart(FilePart((piece,), block.first_line), block.uid, False)
    pieces, uid = with_uid(handle, block.span, block.begin_end)
    return VCardPart(FilePart(tuple(pieces), block.first_line), uid, True)
