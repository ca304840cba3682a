"""The `csv-url` connector type (seed 002): a CSV file on any web server, with credentials.

The file's header row names the fields by code (README, "Phonebook CSV"); the mapping of a
connection may name other codes. The file is streamed row by row (resources/formats/
csv_records.py), so a large export is never held whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from resources.company_directory.phonebook import ENTRY_FIELDS
from resources.connectors import directory_records
from resources.connectors.connector_types import (
    BOOL,
    CHOICE,
    SECRET,
    TEXT,
    URL,
    Check,
    RecordProblem,
    Settings,
    SettingSpec,
    SourceRecord,
    SourceUnreadable,
    TestOutcome,
)
from resources.connectors.source_http import (
    SourceClient,
    SourceRequest,
    SourceUnreachable,
    status_sentence,
)
from resources.connectors.uploaded_source import in_hand
from resources.error_codes import sentence
from resources.formats.csv_records import CsvReader, CsvRecord, CsvUnreadable

# The documented field codes of a phonebook CSV; `id` is the row's key between runs.
KEY_CODE = "id"
FIELD_CODES = (KEY_CODE, *ENTRY_FIELDS)
# The documented field codes of a directory CSV (README, "Directory CSV").
DIRECTORY_FIELD_CODES = (KEY_CODE, *directory_records.FIELDS)
DELIMITER_CHOICES = {"auto": None, "comma": ",", "semicolon": ";", "tab": "\t", "pipe": "|"}
ENCODING_CHOICES = {"auto": None, "utf-8": "utf-8", "windows-1252": "windows-1252"}


def row_key(record: CsvRecord) -> str:
    """The `id` column when the file has one; otherwise a digest of the row, so an
    unchanged row keeps its key and a changed one is a new row."""
    given = record.values.get(KEY_CODE, "")
    if given:
        return given
    canonical = "\x1f".join(f"{code}={record.values[code]}" for code in sorted(record.values))
    return "h:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:40]


@dataclass(frozen=True)
class CsvUrlType:
    key: str = "csv-url"
    label: str = "CSV file at a URL"
    settings: tuple[SettingSpec, ...] = (
        SettingSpec("url", URL, "URL", "http:// or https:// address of the CSV file", True),
        SettingSpec("username", TEXT, "User name", "for Basic authentication; may be empty"),
        SettingSpec("password", SECRET, "Password", "for Basic authentication"),
        SettingSpec(
            "delimiter", CHOICE, "Delimiter", "", default="auto", choices=tuple(DELIMITER_CHOICES)
        ),
        SettingSpec(
            "encoding", CHOICE, "Encoding", "", default="auto", choices=tuple(ENCODING_CHOICES)
        ),
        SettingSpec(
            "verify_tls",
            BOOL,
            "Check the TLS certificate",
            "switch off only for a server with a self-signed certificate you trust",
            default=True,
        ),
    )
    source_fields: tuple[str, ...] = tuple(dict.fromkeys(FIELD_CODES + DIRECTORY_FIELD_CODES))

    def _request(self, settings: Settings) -> SourceRequest:
        return SourceRequest(
            url=str(settings.get("url", "")),
            username=str(settings.get("username", "") or ""),
            password=str(settings.get("password", "") or ""),
            verify_tls=bool(settings.get("verify_tls", True)),
        )

    def _reader(
        self, settings: Settings, chunks: Iterator[bytes], mandatory: Sequence[str]
    ) -> CsvReader:
        return CsvReader(
            chunks,
            mandatory=mandatory,
            delimiter=DELIMITER_CHOICES.get(str(settings.get("delimiter", "auto"))),
            encoding=ENCODING_CHOICES.get(str(settings.get("encoding", "auto"))),
        )

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        checks: list[Check] = []
        url = str(settings.get("url", ""))
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            checks.append(Check("url", False, sentence("source_url_not_http")))
            return TestOutcome(tuple(checks))
        checks.append(Check("url", True, sentence("source_url_ok")))
        try:
            with client.open(self._request(settings)) as answer:
                checks.append(Check("reachable", True, sentence("source_answers")))
                if answer.status != 200:
                    checks.append(Check("answer", False, status_sentence(answer.status)))
                    return TestOutcome(tuple(checks))
                checks.append(Check("answer", True, sentence("source_sends_file")))
                reader = self._reader(settings, answer.body_chunks(), ())
                fields = tuple(code for code in reader.layout.codes if code)
                rows = sum(1 for row in reader.rows() if isinstance(row, CsvRecord))
        except SourceUnreachable as error:
            checks.append(Check("reachable", False, error.sentence))
            return TestOutcome(tuple(checks))
        except CsvUnreadable as error:
            checks.append(Check("format", False, error.sentence))
            return TestOutcome(tuple(checks))
        found = sentence("csv_file_ok", columns=len(fields), rows=rows)
        checks.append(Check("format", True, found))
        return TestOutcome(tuple(checks), fields)

    def fetch(
        self,
        settings: Settings,
        since: str | None,
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem]:
        try:
            with client.open(self._request(settings)) as answer:
                if answer.status != 200:
                    raise SourceUnreadable(status_sentence(answer.status))
                reader = self._reader(settings, answer.body_chunks(), mandatory)
                for row in reader.rows():
                    if isinstance(row, CsvRecord):
                        yield SourceRecord(row_key(row), row.line, row.values)
                    else:
                        yield RecordProblem(row.line, row.sentence)
        except (SourceUnreachable, CsvUnreadable) as error:
            raise SourceUnreadable(error.sentence) from None


@dataclass(frozen=True)
class CsvFileType(CsvUrlType):
    """`csv-file`: the same file format, uploaded in the admin UI or named on the command
    line (`davserver phonebook import FILE.csv`) instead of fetched from a URL."""

    key: str = "csv-file"
    label: str = "CSV file upload"
    settings: tuple[SettingSpec, ...] = tuple(
        spec for spec in CsvUrlType.settings if spec.name in ("delimiter", "encoding")
    )

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        if not in_hand(client):  # saved before its first upload: the upload is tested
            return TestOutcome(
                (Check("upload", True, sentence("csv_upload_tested_then")),), FIELD_CODES
            )
        full = CsvUrlType.test(self, {**settings, "url": "http://upload/"}, client)
        return TestOutcome(
            tuple(check for check in full.checks if check.check == "format"), full.source_fields
        )

    def fetch(
        self,
        settings: Settings,
        since: str | None,
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem]:
        if not in_hand(client):  # the play button: there is no URL to fetch from
            raise SourceUnreadable(sentence("csv_upload_nothing_to_fetch"))
        return CsvUrlType.fetch(self, settings, since, client, mandatory=mandatory)


CSV_URL = CsvUrlType()
CSV_FILE = CsvFileType()
