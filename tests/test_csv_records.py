"""CSV files as connectors read them: encodings, delimiters, quoting, header codes, row
problems with their lines, and streaming in chunks of any size."""

from __future__ import annotations

import tracemalloc

import pytest

from resources.error_codes import Sentence
from resources.formats.csv_records import CsvReader, CsvRecord, CsvUnreadable, RowProblem


def chunked(data: bytes, size: int) -> list[bytes]:
    return [data[index : index + size] for index in range(0, len(data), size)]


def read_all(data: bytes, chunk_size: int = 7, **options: object) -> tuple[CsvReader, list]:
    reader = CsvReader(chunked(data, chunk_size), **options)  # type: ignore[arg-type]
    return reader, list(reader.rows())


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_each_delimiter_is_detected_from_the_header(delimiter):
    data = delimiter.join(["last_name", "phone_work"]).encode() + b"\r\n"
    data += delimiter.join(["M\u00fcller", "+49 30 1234"]).encode() + b"\r\n"
    reader, rows = read_all(data)
    assert reader.layout.delimiter == delimiter
    assert rows == [CsvRecord(2, {"last_name": "M\u00fcller", "phone_work": "+49 30 1234"})]


def test_a_delimiter_inside_quotes_in_the_header_does_not_count():
    data = b'"a;b",c,d\n1,2,3\n'
    reader, rows = read_all(data)
    assert reader.layout.delimiter == ","
    assert reader.layout.codes == ("a;b", "c", "d")


@pytest.mark.parametrize(
    "encoded, encoding",
    [
        ("last_name\nJ\u00fcrgens\n".encode("utf-8"), "utf-8"),
        (b"\xef\xbb\xbf" + "last_name\nJ\u00fcrgens\n".encode("utf-8"), "utf-8-sig"),
        ("last_name\nJ\u00fcrgens\n".encode("windows-1252"), "windows-1252"),
    ],
)
def test_the_encoding_is_detected(encoded, encoding):
    reader, rows = read_all(encoded, chunk_size=3)
    assert reader.layout.encoding == encoding
    assert reader.layout.codes == ("last_name",)
    assert rows == [CsvRecord(2, {"last_name": "J\u00fcrgens"})]


def test_a_set_encoding_wins_over_detection():
    data = "last_name\nStra\u00dfe\n".encode("windows-1252")
    reader, rows = read_all(data, encoding="windows-1252")
    assert rows[0].values["last_name"] == "Stra\u00dfe"


def test_a_file_said_to_be_utf8_with_other_bytes_is_unreadable_naming_the_line():
    data = b"last_name\nok\n" + "J\u00fcrgens\n".encode("windows-1252")
    reader = CsvReader([data], encoding="utf-8")
    with pytest.raises(CsvUnreadable) as refused:
        list(reader.rows())
    assert refused.value.message.startswith("Line 3 is not valid utf-8")
    assert refused.value.line == 3


def test_quoted_fields_hold_delimiters_and_line_breaks_and_lines_count_from_the_file():
    data = b'last_name,note\n"Doe, Jane","first line\nsecond line"\nSmith,plain\n'
    _, rows = read_all(data)
    assert rows == [
        CsvRecord(2, {"last_name": "Doe, Jane", "note": "first line\nsecond line"}),
        CsvRecord(4, {"last_name": "Smith", "note": "plain"}),
    ]


def test_header_codes_are_case_and_space_insensitive():
    reader, _ = read_all(b" Last_Name ,PHONE_WORK\n")
    assert reader.layout.codes == ("last_name", "phone_work")


def test_a_missing_mandatory_code_makes_the_file_unreadable_and_names_it():
    with pytest.raises(CsvUnreadable) as refused:
        CsvReader([b"first_name,email\nA,a@example.com\n"], mandatory=("last_name", "phone_work"))
    assert "last_name, phone_work" in refused.value.message
    assert refused.value.line == 1


def test_a_code_named_twice_is_refused():
    with pytest.raises(CsvUnreadable, match="twice"):
        CsvReader([b"email,email\n"])


@pytest.mark.parametrize("data", [b"", b"\n\n", b" , \n"])
def test_an_empty_file_is_unreadable(data):
    with pytest.raises(CsvUnreadable, match="empty"):
        CsvReader([data])


def test_a_row_with_too_many_fields_is_a_problem_and_reading_goes_on():
    data = b"last_name,phone_work\nA,1\nB,2,surplus\n\nC,3\nD\n"
    _, rows = read_all(data)
    assert rows == [
        CsvRecord(2, {"last_name": "A", "phone_work": "1"}),
        RowProblem(3, Sentence("csv_row_too_many_fields", {"line": 3, "count": 3, "codes": 2})),
        CsvRecord(5, {"last_name": "C", "phone_work": "3"}),
        CsvRecord(6, {"last_name": "D"}),
    ]
    assert rows[1].message == "Line 3 has 3 fields; the header row names 2."


def test_trailing_empty_fields_beyond_the_header_are_no_problem():
    _, rows = read_all(b"last_name,phone_work\nA,1,,\n")
    assert rows == [CsvRecord(2, {"last_name": "A", "phone_work": "1"})]


def test_a_set_delimiter_and_an_unknown_one():
    reader, rows = read_all(b"a;b|c\n1;2|3\n", delimiter="|")
    assert reader.layout.codes == ("a;b", "c")
    with pytest.raises(CsvUnreadable, match="delimiter"):
        CsvReader([b"a\n"], delimiter=":")


def test_a_large_file_is_streamed_not_held():
    row = b"M\xc3\xbcller,Hans,+49 30 123456,hans.mueller@example.com\n"
    rows_wanted = 40_000  # about 2 MB

    def chunks():
        yield b"last_name,first_name,phone_work,email\n"
        block = row * 1000
        for _ in range(rows_wanted // 1000):
            yield block

    tracemalloc.start()
    try:
        reader = CsvReader(chunks(), mandatory=("last_name",))
        count = sum(1 for record in reader.rows() if isinstance(record, CsvRecord))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == rows_wanted
    assert peak < 512 * 1024  # a few blocks, never the whole file


def test_a_file_of_one_endless_line_is_unreadable_not_held():
    def chunks():
        yield b"last_name,phone_work\n"
        for _ in range(10_000):
            yield b"x" * 1024

    reader = CsvReader(chunks())
    with pytest.raises(CsvUnreadable, match="more than 4 MiB"):
        list(reader.rows())
