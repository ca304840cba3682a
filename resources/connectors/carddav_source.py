"""The `carddav` connector type: an address book on another CardDAV server, read
incrementally.

Discovery starts from whatever URL the administrator has: the server root (through
`/.well-known/carddav`, RFC 6764), a principal (`addressbook-home-set`), the address book
home, or the book itself (RFC 6352 §7). When the home holds several books, the setting
`addressbook` names one (by its display name, its last path segment or its path).

A run asks the book what changed: with `sync-collection` (RFC 6578) where the book offers
it, else by its `CS:getctag` and an ETag listing. Only the cards whose ETag changed are
fetched (`addressbook-multiget`). Between runs the connection's state keeps the sync token
or ctag and, for each card's href, its ETag, key and source fields; the unchanged cards are
yielded from there, so the run still hands the target every card of the book (see
`StatefulConnectorType`). A card's key is its UID, or its href when it has none.

The XML is written and read by the server's client (resources/connectors/source_dav.py).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urljoin, urlsplit

from resources.connectors.connector_types import (
    TEXT,
    URL,
    Check,
    FetchesFromState,
    NextState,
    RecordProblem,
    Settings,
    SettingSpec,
    SourceRecord,
    SourceUnreadable,
    TestOutcome,
)
from resources.connectors.source_dav import (
    CARDDAV,
    CS,
    DAV,
    MULTIGET,
    PROPFIND,
    SYNC_COLLECTION,
    DavAnswer,
    DavRequest,
    DavResponse,
    DavSourceClient,
    DavUnreadable,
    clark,
)
from resources.connectors.source_http import SourceClient, SourceUnreachable, status_sentence
from resources.connectors.vcard_url import (
    CREDENTIAL_SETTINGS,
    basic_request,
    http_url_check,
    missing_fields,
)
from resources.error_codes import Sentence, sentence, sentence_from_json
from resources.formats.vcard_records import (
    SOURCE_FIELDS,
    Card,
    VCardUnreadable,
    card_problem,
    card_values,
    read_cards,
)

STATE_VERSION = 2  # a state written by another layout (or parser) is dropped: a full run
MULTIGET_BATCH = 100
MAX_SYNC_PAGES = 100
RESOURCETYPE, DISPLAYNAME = clark(DAV, "resourcetype"), clark(DAV, "displayname")
GETETAG, SYNC_TOKEN = clark(DAV, "getetag"), clark(DAV, "sync-token")
PRINCIPAL, REPORTS = clark(DAV, "current-user-principal"), clark(DAV, "supported-report-set")
HOME_SET, ADDRESSBOOK = clark(CARDDAV, "addressbook-home-set"), clark(CARDDAV, "addressbook")
ADDRESS_DATA, CTAG = clark(CARDDAV, "address-data"), clark(CS, "getctag")
COLLECTION = clark(DAV, "collection")
# Statuses with which servers refuse a report they do not have.
REPORT_REFUSED = (400, 403, 404, 405, 415, 422, 501)


class SourceAnsweredBadly(SourceUnreadable):
    """The server answered, but not as a CardDAV server does."""


def is_addressbook(item: DavResponse) -> bool:
    return item.has(RESOURCETYPE, ADDRESSBOOK)


class DavSession:
    """WebDAV requests to one server with the connection's credentials."""

    def __init__(self, settings: Settings, client: SourceClient) -> None:
        if not isinstance(client, DavSourceClient):
            raise SourceUnreadable(sentence("source_no_webdav_client"))
        self.settings = settings
        self.client: DavSourceClient = client
        self.requests = 0

    def ask(
        self,
        kind: str,
        url: str,
        props: Sequence[str],
        depth: str = "0",
        *,
        token: str = "",
        hrefs: Sequence[str] = (),
    ) -> DavAnswer:
        base = basic_request(self.settings)
        self.requests += 1
        try:
            answer = self.client.dav(
                DavRequest(
                    url,
                    kind,
                    tuple(props),
                    depth,
                    sync_token=token,
                    hrefs=tuple(hrefs),
                    username=base.username,
                    password=base.password,
                    verify_tls=base.verify_tls,
                )
            )
        except DavUnreadable as error:
            raise SourceAnsweredBadly(error.sentence) from None
        if answer.status == 401 or (answer.status == 403 and kind == PROPFIND):
            raise SourceUnreadable(status_sentence(answer.status, "answer"))
        return answer

    def propfind(self, url: str, names: Sequence[str], depth: str) -> tuple[DavResponse, ...]:
        answer = self.ask(PROPFIND, url, names, depth)
        if answer.status != 207:
            raise SourceAnsweredBadly(status_sentence(answer.status, "webdav"))
        return answer.responses

    def get(self, url: str) -> tuple[int, bytes]:
        self.requests += 1
        with self.client.open(basic_request(self.settings, url)) as answer:
            return answer.status, b"".join(answer.body_chunks())

    def url_of(self, path: str) -> str:
        return urljoin(str(self.settings.get("url", "")), path)


@dataclass(frozen=True)
class Book:
    url: str
    path: str
    name: str

    def label(self) -> str:
        return f"'{self.name}' ({self.path})" if self.name else self.path


def _books_in(session: DavSession, url: str) -> list[Book]:
    try:
        listed = session.propfind(url, (RESOURCETYPE, DISPLAYNAME), "1")
    except SourceAnsweredBadly:
        return []
    return [
        Book(session.url_of(item.href), item.href, item.text(DISPLAYNAME))
        for item in listed
        if is_addressbook(item)
    ]


def discover_books(session: DavSession) -> list[Book]:
    """The address books the URL leads to: the book it names, or those of its home."""
    url = str(session.settings.get("url", ""))
    if urlsplit(url).path in ("", "/"):
        well_known = session.ask(PROPFIND, urljoin(url, "/.well-known/carddav"), (RESOURCETYPE,))
        if well_known.status == 207:
            url = well_known.url
    found = session.propfind(url, (RESOURCETYPE, DISPLAYNAME, PRINCIPAL, HOME_SET), "0")
    if not found:
        raise SourceAnsweredBadly(sentence("carddav_no_resource"))
    here = found[0]
    if is_addressbook(here):
        return [Book(session.url_of(here.href), here.href, here.text(DISPLAYNAME))]
    home = here.href_in(HOME_SET)
    if home:
        return _books_in(session, session.url_of(home))
    books = _books_in(session, url)
    if books:
        return books
    principal = here.href_in(PRINCIPAL)
    if principal and principal != here.href:
        for item in session.propfind(session.url_of(principal), (HOME_SET,), "0")[:1]:
            if item.href_in(HOME_SET):
                return _books_in(session, session.url_of(item.href_in(HOME_SET)))
    return []


def choose_book(books: Sequence[Book], wanted: str) -> Book:
    if not books:
        raise SourceAnsweredBadly(sentence("carddav_no_book"))
    wanted = wanted.strip()
    names = ", ".join(book.label() for book in books)
    if wanted:
        for book in books:
            segment = unquote(book.path.rstrip("/").rsplit("/", 1)[-1])
            if wanted in (book.name, segment, book.path, book.url):
                return book
        raise SourceAnsweredBadly(sentence("carddav_book_not_found", name=wanted, names=names))
    if len(books) > 1:
        raise SourceAnsweredBadly(sentence("carddav_books_several", count=len(books), names=names))
    return books[0]


@dataclass
class BookFacts:
    sync: bool | None  # None: the book does not say which reports it has
    ctag: str


def book_facts(session: DavSession, book: Book) -> BookFacts:
    found = session.propfind(book.url, (REPORTS, CTAG, RESOURCETYPE), "0")
    if not found or not is_addressbook(found[0]):
        raise SourceAnsweredBadly(sentence("carddav_book_gone", path=book.path))
    sync = (
        found[0].has(REPORTS, clark(DAV, "sync-collection")) if REPORTS in found[0].props else None
    )
    return BookFacts(sync, found[0].text(CTAG))


class SyncUnsupported(Exception):
    pass


class TokenInvalid(Exception):
    pass


@dataclass
class Changes:
    changed: dict[str, str] = field(default_factory=dict)  # href -> ETag
    removed: set[str] = field(default_factory=set)
    complete: bool = False  # a full listing: what it lacks is gone


def sync_collection(session: DavSession, book: Book, token: str) -> tuple[Changes, str]:
    """The members changed and removed since `token` ("": all of them), and the new
    token; the server may answer in pages (507 on the book itself: ask again)."""
    changes = Changes(complete=not token)
    for _ in range(MAX_SYNC_PAGES):
        answer = session.ask(SYNC_COLLECTION, book.url, (GETETAG,), "0", token=token)
        if token and clark(DAV, "valid-sync-token") in answer.conditions:
            raise TokenInvalid()
        if answer.status in REPORT_REFUSED:
            raise SyncUnsupported()
        if answer.status != 207:
            raise SourceAnsweredBadly(status_sentence(answer.status, "sync"))
        truncated = False
        for item in answer.responses:
            if item.href.rstrip("/") == book.path.rstrip("/"):
                truncated = truncated or item.status == 507
                continue
            if item.status == 404:
                changes.changed.pop(item.href, None)
                changes.removed.add(item.href)
            elif not item.href.endswith("/"):
                changes.changed[item.href] = item.text(GETETAG)
                changes.removed.discard(item.href)
        token = answer.sync_token
        if not truncated:
            return changes, token
    raise SourceAnsweredBadly(sentence("carddav_sync_never_ended"))


def etag_listing(session: DavSession, book: Book) -> Changes:
    listed = session.propfind(book.url, (RESOURCETYPE, GETETAG), "1")
    changes = Changes(complete=True)
    for item in listed:
        if item.href.rstrip("/") != book.path.rstrip("/") and not item.has(
            RESOURCETYPE, COLLECTION
        ):
            changes.changed[item.href] = item.text(GETETAG)
    return changes


def multiget(session: DavSession, book: Book, hrefs: Sequence[str]) -> dict[str, tuple[str, bytes]]:
    """href -> (ETag, vCard) for the hrefs the book still has, in batches; a server that
    refuses the report is asked with a GET for each card."""
    cards: dict[str, tuple[str, bytes]] = {}
    for start in range(0, len(hrefs), MULTIGET_BATCH):
        batch = hrefs[start : start + MULTIGET_BATCH]
        answer = session.ask(MULTIGET, book.url, (GETETAG, ADDRESS_DATA), "1", hrefs=batch)
        if answer.status in REPORT_REFUSED:
            for href in batch:
                status, body = session.get(session.url_of(href))
                if status == 200:
                    cards[href] = ("", body)
            continue
        if answer.status != 207:
            raise SourceAnsweredBadly(status_sentence(answer.status, "multiget"))
        wanted = set(batch)
        for item in answer.responses:
            if item.href in wanted and ADDRESS_DATA in item.props:
                data = item.props[ADDRESS_DATA].text.encode("utf-8")
                cards[item.href] = (item.text(GETETAG), data)
    return cards


def card_entry(href: str, etag: str, body: bytes) -> dict[str, object]:
    """What the state keeps of one card: its ETag, and its key and fields or its problem."""
    try:
        cards = list(read_cards([body]))
    except VCardUnreadable as error:
        return _card_problem(href, etag, error.sentence)
    if len(cards) != 1 or not isinstance(cards[0], Card):
        return {"etag": etag, "problem": sentence("carddav_not_one_vcard", href=href).as_json()}
    problem = card_problem(cards[0])
    if problem is not None:
        return _card_problem(href, etag, problem)
    values = card_values(cards[0])
    return {"etag": etag, "key": values["uid"] or href, "values": values}


def _card_problem(href: str, etag: str, reason: Sentence) -> dict[str, object]:
    return {
        "etag": etag,
        "problem": sentence("carddav_card_unreadable", href=href, reason=reason).as_json(),
    }


def _source_of(settings: Settings) -> str:
    return f"{settings.get('url', '')}\n{settings.get('addressbook', '')}"


@dataclass(frozen=True)
class CardDavType(FetchesFromState):
    key: str = "carddav"
    label: str = "CardDAV address book"
    settings: tuple[SettingSpec, ...] = (
        SettingSpec(
            "url",
            URL,
            "URL",
            "the server, your principal, the address book home or the address book itself",
            True,
        ),
        *CREDENTIAL_SETTINGS,
        SettingSpec(
            "addressbook",
            TEXT,
            "Address book",
            "which one, by name, when the URL leads to several",
        ),
    )
    source_fields: tuple[str, ...] = SOURCE_FIELDS

    def test(self, settings: Settings, client: SourceClient) -> TestOutcome:
        checks = [http_url_check(settings)]
        if not checks[0].ok:
            return TestOutcome(tuple(checks))
        session = DavSession(settings, client)
        try:
            with client.open(replace(basic_request(settings), method="OPTIONS")) as probe:
                checks.append(Check("reachable", True, sentence("source_answers")))
                if probe.status in (401, 403):
                    raise SourceUnreadable(status_sentence(probe.status, "answer"))
            books = discover_books(session)
            checks.append(Check("answer", True, sentence("carddav_speaks")))
            book = choose_book(books, str(settings.get("addressbook", "") or ""))
            names = ", ".join(item.label() for item in books)
            found = (
                sentence("carddav_book_is_one_of", name=book.label(), count=len(books), names=names)
                if len(books) > 1
                else sentence("carddav_book_is", name=book.label())
            )
            checks.append(Check("addressbook", True, found))
            facts = book_facts(session, book)
        except SourceUnreachable as error:
            checks.append(Check("reachable", False, error.sentence))
            return TestOutcome(tuple(checks))
        except SourceAnsweredBadly as error:
            step = "addressbook" if checks[-1].check == "answer" else "answer"
            checks.append(Check(step, False, error.sentence))
            return TestOutcome(tuple(checks))
        except SourceUnreadable as error:
            checks.append(Check("answer", False, error.sentence))
            return TestOutcome(tuple(checks))
        how = "carddav_sync_collection" if facts.sync is not False else "carddav_no_sync_collection"
        checks.append(Check("sync", True, sentence(how)))
        return TestOutcome(tuple(checks), SOURCE_FIELDS)

    def fetch_from_state(
        self,
        settings: Settings,
        state: Mapping[str, object],
        client: SourceClient,
        *,
        mandatory: Sequence[str] = (),
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        missing_fields(mandatory)
        session = DavSession(settings, client)
        try:
            yield from self._fetch(settings, state, session)
        except SourceUnreachable as error:
            raise SourceUnreadable(error.sentence) from None

    def _fetch(
        self, settings: Settings, state: Mapping[str, object], session: DavSession
    ) -> Iterator[SourceRecord | RecordProblem | NextState]:
        same_source = state.get("version") == STATE_VERSION and state.get("source") == _source_of(
            settings
        )
        book: Book | None = None
        if same_source and isinstance(state.get("book"), str):
            book = Book(str(state["book"]), urlsplit(str(state["book"])).path, "")
        try:
            facts = book_facts(session, book) if book is not None else None
        except SourceAnsweredBadly:
            facts, same_source = None, False  # the book moved: find it again
        if book is None or facts is None:
            book = choose_book(discover_books(session), str(settings.get("addressbook", "") or ""))
            facts = book_facts(session, book)
            same_source = same_source and state.get("book") == book.url
        kept = state.get("cards") if same_source else None
        cards: dict[str, dict[str, object]] = dict(kept) if isinstance(kept, dict) else {}
        token = str(state.get("token", "")) if same_source else ""
        ctag = str(state.get("ctag", "")) if same_source else ""
        mode = "ctag"
        changes: Changes | None = None
        if facts.sync is not False:
            try:
                try:
                    changes, token = sync_collection(session, book, token)
                except TokenInvalid:
                    changes, token = sync_collection(session, book, "")
                mode = "sync"
            except SyncUnsupported:
                changes = None
        if changes is None:
            token = ""
            if facts.ctag and facts.ctag == ctag and state.get("mode") == "ctag":
                changes = Changes()
            else:
                changes = etag_listing(session, book)
        if changes.complete:
            changes.removed |= set(cards) - set(changes.changed)
        for href in changes.removed:
            cards.pop(href, None)
        wanted = sorted(
            href
            for href, etag in changes.changed.items()
            if not etag or href not in cards or cards[href].get("etag") != etag
        )
        fetched = multiget(session, book, wanted)
        for href in wanted:
            if href in fetched:
                etag, body = fetched[href]
                cards[href] = card_entry(href, etag or changes.changed[href], body)
            else:
                cards.pop(href, None)  # removed between the listing and the fetch
        for position, href in enumerate(sorted(cards), start=1):
            entry = cards[href]
            values = entry.get("values")
            if isinstance(values, dict):
                yield SourceRecord(str(entry["key"]), position, values)
            else:
                problem = sentence_from_json(entry.get("problem"))
                unread = sentence("carddav_card_not_read", href=href)
                yield RecordProblem(position, problem or unread)
        yield NextState(
            {
                "version": STATE_VERSION,
                "source": _source_of(settings),
                "book": book.url,
                "mode": mode,
                "token": token,
                "ctag": facts.ctag,
                "cards": cards,
                # what the run cost, for whoever looks at a slow source
                "fetched": len(wanted),
                "requests": session.requests,
            }
        )


CARDDAV_SOURCE = CardDavType()
