"""The `phonebook-json` connector type: phonebook entries sent as JSON with each import
(POST /api/v1/phonebook/import, resources/connectors/json_import.py) rather than fetched;
the run reads them from the request it came with, already checked and keyed."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from resources.company_directory.phonebook import ENTRY_FIELDS
from resources.connectors.connector_types import (
    Check,
    RecordProblem,
    Settings,
    SettingSpec,
    SourceRecord,
    SourceUnreadable,
    TestOutcome,
)
from resources.connectors.source_http import SourceClient, SourceRequest
from resources.connectors.uploaded_source import in_hand
from resources.error_codes import sentence

KEY = "phonebook-json"
SOURCE_FIELDS = ("external_id", *ENTRY_FIELDS)


@dataclass(frozen=True)
class PhonebookJsonType:
    key: str = KEY
    label: str = "Phonebook entries sent as JSON (POST /api/v1/phonebook/import)"
    settings: tuple[SettingSpec, ...] = ()
    source_fields: tuple[str, ...] = SOURCE_FIELDS

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        return TestOutcome(
            (Check("entries", True, sentence("json_entries_with_import")),),
            SOURCE_FIELDS,
        )

    def fetch(
        self,
        settings: Settings,
        since: str | None,
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem]:
        if not in_hand(client):
            raise SourceUnreadable(sentence("json_nothing_to_fetch"))
        with client.open(SourceRequest(url="upload")) as answer:
            entries = json.loads(b"".join(answer.body_chunks()).decode("utf-8"))
        for position, values in enumerate(entries, start=1):
            yield SourceRecord(values["external_id"], position, values)


PHONEBOOK_JSON = PhonebookJsonType()
