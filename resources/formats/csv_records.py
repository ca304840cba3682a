"""CSV files as connectors deliver them: a header row of field codes, then one record a row.

The reader streams: it takes the file as an iterable of byte chunks (an HTTP body or an
upload) and never holds more than one record, so a 50 MB file costs what one row costs.
It detects what exports differ in: the encoding (UTF-8 with or without a byte-order mark,
else Windows-1252, the code page spreadsheet programs on Windows write) and the delimiter
(comma, semicolon, tab or pipe, whichever the header row holds most of). Quoted fields may
hold delimiters and line breaks.

A row that cannot be a record is a `RowProblem` naming its line, and reading goes on with
the next row; what makes the whole file unreadable (no header, a mandatory code missing
from it, bytes that are not the encoding) is a `CsvUnreadable`, and the caller applies
nothing of the file.
"""

from __future__ import annotations

import codecs
import csv
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from resources.error_codes import Sentence, sentence

DELIMITERS = (",", ";", "\t", "|")
ENCODINGS = ("utf-8", "windows-1252")
# The bytes encoding detection looks at: enough for the header and many rows.
DETECTION_BYTES = 64 * 1024
# Python's csv refuses fields over 128 KiB by default; a phonebook field is far smaller,
# but a note or an address block may be long.
MAX_FIELD_CHARACTERS = 1024 * 1024
MAX_LINE_BYTES = 4 * 1024 * 1024


class CsvUnreadable(Exception):
    """The file as a whole cannot be read; `sentence` says why."""

    def __init__(self, sentence: Sentence, line: int | None = None) -> None:
        super().__init__(sentence.english)
        self.sentence = sentence
        self.line = line

    @property
    def message(self) -> str:
        return self.sentence.english


@dataclass(frozen=True)
class CsvRecord:
    """One row: its values by field code, and the file line the row starts on."""

    line: int
    values: dict[str, str]


@dataclass(frozen=True)
class RowProblem:
    """A row that is not a record, and why."""

    line: int
    sentence: Sentence

    @property
    def message(self) -> str:
        return self.sentence.english


@dataclass(frozen=True)
class CsvLayout:
    """What the reader found out about a file: its encoding, delimiter and field codes."""

    encoding: str
    delimiter: str
    codes: tuple[str, ...]


def _byte_lines(head: bytes, rest: Iterator[bytes]) -> Iterator[bytes]:
    """The file's lines with their line ends; splitting bytes at LF is safe because both
    encodings read are ASCII-compatible."""
    partial: list[bytes] = []  # the pieces of a line that has not ended yet
    partial_size = 0
    for chunk in itertools.chain((head,), rest):
        if b"\n" not in chunk:
            partial.append(chunk)
            partial_size += len(chunk)
            if partial_size > MAX_LINE_BYTES:
                raise CsvUnreadable(
                    sentence("csv_line_too_long", size=MAX_LINE_BYTES // (1024 * 1024))
                )
            continue
        first, *complete, last = chunk.split(b"\n")
        partial.append(first)
        yield b"".join(partial) + b"\n"
        for line in complete:
            yield line + b"\n"
        partial, partial_size = [last], len(last)
    pending = b"".join(partial)
    if pending:
        yield pending


def _take_head(chunks: Iterator[bytes]) -> bytes:
    head = b""
    for chunk in chunks:
        head += chunk
        if len(head) >= DETECTION_BYTES:
            break
    return head


def detect_encoding(head: bytes) -> str:
    """`utf-8-sig` for a byte-order mark, `utf-8` when the head decodes as UTF-8, else
    Windows-1252 (every byte is a character there, so it is the safe fallback)."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=False)  # a sequence cut at the end of the head is fine
    except UnicodeDecodeError:
        return "windows-1252"
    return "utf-8"


def detect_delimiter(header_line: str) -> str:
    """The candidate the header row holds most of, outside quotes; comma when none."""
    counts = dict.fromkeys(DELIMITERS, 0)
    quoted = False
    for character in header_line:
        if character == '"':
            quoted = not quoted
        elif not quoted and character in counts:
            counts[character] += 1
    best = max(DELIMITERS, key=lambda candidate: counts[candidate])
    return best if counts[best] else ","


def _normalised_code(raw: str) -> str:
    return raw.strip().strip("\ufeff").lower()


def _first_line(head: bytes, encoding: str) -> str:
    text = head.decode(encoding, errors="replace")
    return text.splitlines()[0] if text else ""


class CsvReader:
    """Reads one CSV file: `layout` after the header is read, then `rows()` once."""

    def __init__(
        self,
        chunks: Iterable[bytes],
        *,
        mandatory: Sequence[str] = (),
        encoding: str | None = None,
        delimiter: str | None = None,
    ) -> None:
        if encoding is not None and encoding.lower() not in (*ENCODINGS, "utf-8-sig"):
            raise CsvUnreadable(sentence("csv_encoding_choice", encodings=", ".join(ENCODINGS)))
        if delimiter is not None and delimiter not in DELIMITERS:
            raise CsvUnreadable(sentence("csv_delimiter_choice"))
        rest = iter(chunks)
        head = _take_head(rest)
        if encoding is None:
            encoding = detect_encoding(head)
        elif encoding.lower() == "utf-8" and head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        if delimiter is None:
            delimiter = detect_delimiter(_first_line(head, encoding))
        self._encoding = encoding
        self._lines_read = 0
        self._reader = csv.reader(
            self._text_lines(_byte_lines(head, rest)), delimiter=delimiter, strict=False
        )
        csv.field_size_limit(MAX_FIELD_CHARACTERS)
        header = self._next_row()
        if header is None or not any(cell.strip() for cell in header):
            raise CsvUnreadable(sentence("csv_file_empty"))
        codes = tuple(_normalised_code(cell) for cell in header)
        self._check_header(codes, mandatory)
        self.layout = CsvLayout(encoding=encoding, delimiter=delimiter, codes=codes)

    @staticmethod
    def _check_header(codes: tuple[str, ...], mandatory: Sequence[str]) -> None:
        seen: set[str] = set()
        for code in codes:
            if code and code in seen:
                raise CsvUnreadable(Sentence("csv_code_twice", {"code": code}), 1)
            seen.add(code)
        missing = [code for code in mandatory if code not in seen]
        if missing:
            raise CsvUnreadable(sentence("csv_codes_missing", codes=", ".join(missing)), 1)

    def _text_lines(self, lines: Iterator[bytes]) -> Iterator[str]:
        for number, line in enumerate(lines, start=1):
            self._lines_read = number
            try:
                yield line.decode(self._encoding if number == 1 else self._body_encoding)
            except UnicodeDecodeError:
                encoding = self._encoding.removesuffix("-sig")
                raise CsvUnreadable(
                    sentence("csv_line_encoding", line=number, encoding=encoding), number
                ) from None

    @property
    def _body_encoding(self) -> str:
        return "utf-8" if self._encoding == "utf-8-sig" else self._encoding

    def _next_row(self) -> list[str] | None:
        try:
            return next(self._reader)
        except StopIteration:
            return None
        except csv.Error as error:
            line = self._reader.line_num
            raise CsvUnreadable(
                sentence("csv_line_unreadable", line=line, reason=str(error)), line
            ) from None

    def rows(self) -> Iterator[CsvRecord | RowProblem]:
        """Every row after the header, as a record or as the problem it has; blank rows
        are passed over. Raises CsvUnreadable when the rest of the file cannot be read."""
        codes = self.layout.codes
        while True:
            start = self._reader.line_num + 1
            row = self._next_row()
            if row is None:
                return
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(codes) and any(cell.strip() for cell in row[len(codes) :]):
                yield RowProblem(
                    start,
                    sentence(
                        "csv_row_too_many_fields", line=start, count=len(row), codes=len(codes)
                    ),
                )
                continue
            values = {code: cell.strip() for code, cell in zip(codes, row, strict=False) if code}
            yield CsvRecord(start, values)
