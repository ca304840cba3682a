"""The `vcard-url` connector type: a .vcf file of many cards at a URL (a phone's or a mail
program's export, vCard 2.1, 3.0 or 4.0), with credentials.

The cards are read as the body arrives (resources/formats/vcard_records.py); a card's key
is its UID, or a digest of its fields when it has none.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from resources.connectors.connector_types import (
    BOOL,
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
from resources.error_codes import sentence
from resources.formats.vcard_records import (
    SOURCE_FIELDS,
    Card,
    VCardUnreadable,
    card_key,
    card_problem,
    card_values,
    read_cards,
)


def missing_fields(mandatory: Sequence[str]) -> None:
    """A mapping that names a source field no vCard has fails the run before anything."""
    unknown = [name for name in mandatory if name not in SOURCE_FIELDS]
    if unknown:
        raise SourceUnreadable(sentence("vcard_source_no_field", names=", ".join(unknown)))


def card_records(chunks: Iterable[bytes]) -> Iterator[SourceRecord | RecordProblem]:
    """The records of a vCard file, each card keyed by its UID; raises VCardUnreadable."""
    for card in read_cards(chunks):
        if not isinstance(card, Card):
            yield RecordProblem(card.line, card.sentence)
            continue
        problem = card_problem(card)
        if problem is not None:
            yield RecordProblem(card.line, problem)
            continue
        values = card_values(card)
        yield SourceRecord(card_key(values), card.line, values)


def basic_request(settings: Settings, url: str | None = None) -> SourceRequest:
    return SourceRequest(
        url=url if url is not None else str(settings.get("url", "")),
        username=str(settings.get("username", "") or ""),
        password=str(settings.get("password", "") or ""),
        verify_tls=bool(settings.get("verify_tls", True)),
    )


def http_url_check(settings: Settings) -> Check:
    url = str(settings.get("url", ""))
    if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
        return Check("url", False, sentence("source_url_not_http"))
    return Check("url", True, sentence("source_url_ok"))


CREDENTIAL_SETTINGS = (
    SettingSpec("username", TEXT, "User name", "for Basic authentication; may be empty"),
    SettingSpec("password", SECRET, "Password", "for Basic authentication"),
    SettingSpec(
        "verify_tls",
        BOOL,
        "Check the TLS certificate",
        "switch off only for a server with a self-signed certificate you trust",
        default=True,
    ),
)


@dataclass(frozen=True)
class VCardUrlType:
    key: str = "vcard-url"
    label: str = "vCard file at a URL"
    settings: tuple[SettingSpec, ...] = (
        SettingSpec("url", URL, "URL", "http:// or https:// address of the .vcf file", True),
        *CREDENTIAL_SETTINGS,
    )
    source_fields: tuple[str, ...] = SOURCE_FIELDS

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        checks = [http_url_check(settings)]
        if not checks[0].ok:
            return TestOutcome(tuple(checks))
        try:
            with client.open(basic_request(settings)) as answer:
                checks.append(Check("reachable", True, sentence("source_answers")))
                if answer.status != 200:
                    checks.append(Check("answer", False, status_sentence(answer.status)))
                    return TestOutcome(tuple(checks))
                checks.append(Check("answer", True, sentence("source_sends_file")))
                cards = problems = 0
                for item in card_records(answer.body_chunks()):
                    if isinstance(item, SourceRecord):
                        cards += 1
                    else:
                        problems += 1
        except SourceUnreachable as error:
            checks.append(Check("reachable", False, error.sentence))
            return TestOutcome(tuple(checks))
        except VCardUnreadable as error:
            checks.append(Check("format", False, error.sentence))
            return TestOutcome(tuple(checks))
        found = (
            sentence("vcard_file_ok_some_unreadable", cards=cards + problems, problems=problems)
            if problems
            else sentence("vcard_file_ok", cards=cards)
        )
        checks.append(Check("format", True, found))
        return TestOutcome(tuple(checks), SOURCE_FIELDS)

    def fetch(
        self,
        settings: Settings,
        since: str | None,
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem]:
        missing_fields(mandatory)
        try:
            with client.open(basic_request(settings)) as answer:
                if answer.status != 200:
                    raise SourceUnreadable(status_sentence(answer.status))
                yield from card_records(answer.body_chunks())
        except (SourceUnreachable, VCardUnreadable) as error:
            raise SourceUnreadable(error.sentence) from None


VCARD_URL = VCardUrlType()
