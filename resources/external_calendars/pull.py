"""Pulling an external calendar into its local one: what changed there is asked with
sync-collection (RFC 6578) where the remote offers it, an invalid or expired token
(403/409 valid-sync-token) falling back to a full comparison; else by the ctag and an
ETag listing. Only changed objects are fetched (calendar-multiget, RFC 4791 §7.9);
deletions there delete here. Everything is fetched before anything is written, and the
writes are one transaction: a failed pull changes nothing.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from resources.error_codes import Sentence, sentence
from resources.errors import DomainError
from resources.external_calendars.accounts import account_login
from resources.external_calendars.pair_problems import Lease, LeaseLost
from resources.external_calendars.remote import (
    CALENDAR_DATA,
    CTAG,
    GETETAG,
    MULTIGET,
    PROPFIND,
    RESOURCETYPE,
    SYNC_COLLECTION,
    SYNC_TOKEN,
    CalDavClient,
    Login,
    Multistatus,
    RemoteUnreachable,
    SyncProblem,
    clark,
    status_instead,
)
from resources.external_calendars.synced_objects import (
    apply_remote_body,
    delete_local,
    forget,
    keep_local,
    local_object,
    remote_wins,
)
from resources.store.database import write_transaction
from resources.store.external_calendars import ExternalAccount, SyncedObject, SyncPair
from resources.store.models import Collection, StoredObject

MULTIGET_BATCH = 100
MAX_SYNC_PAGES = 100
COLLECTION = clark("DAV:", "collection")
REPORT_REFUSED = (400, 403, 404, 405, 409, 415, 422, 501)


class PullFailed(SyncProblem):
    """The remote failed the pull; nothing of it was written."""


@dataclass
class Delta:
    changed: dict[str, str] = field(default_factory=dict)  # href -> etag there
    deleted: set[str] = field(default_factory=set)
    sync_token: str = ""
    ctag: str = ""
    requests: int = 0


@dataclass
class PullResult:
    added: int = 0
    updated: int = 0
    removed: int = 0
    kept_local: int = 0
    skipped: list[Sentence] = field(default_factory=list)
    requests: int = 0


class _Remote:
    def __init__(
        self, pair: SyncPair, client: CalDavClient, login: Login, lease: Lease | None
    ) -> None:
        self.pair, self.client, self.login, self.lease = pair, client, login, lease
        self.path = urlsplit(pair.remote_url).path
        self.requests = 0

    def ask(self, kind: str, props: tuple[str, ...], **more: object) -> Multistatus:
        self.requests += 1
        if self.lease is not None:
            self.lease.keep()
        try:
            return self.client.dav(kind, self.pair.remote_url, props, self.login, **more)  # type: ignore[arg-type]
        except RemoteUnreachable as error:
            raise PullFailed(error.sentence) from None

    def members(self, answer: Multistatus) -> list[tuple[str, str, int | None]]:
        return [
            (item.href, item.text(GETETAG), item.status)
            for item in answer.responses
            if item.href.rstrip("/") != self.path.rstrip("/")
            and not item.has(RESOURCETYPE, COLLECTION)
        ]


def _compare(listed: dict[str, str], known: dict[str, str], delta: Delta) -> Delta:
    delta.changed = {href: etag for href, etag in listed.items() if known.get(href) != etag}
    delta.deleted = set(known) - set(listed)
    return delta


def _sync_pages(remote: _Remote, token: str) -> tuple[Multistatus, list[Multistatus]]:
    """The sync-collection answers from `token` on: a server that truncates its answer
    says so with 507 on the calendar itself (RFC 6578 §3.6), and is asked again from the
    token it gave, so that a partial listing never reads as deletions."""
    answer = remote.ask(SYNC_COLLECTION, (GETETAG,), token=token)
    pages = [answer]
    while answer.status == 207 and _truncated(remote, answer) and len(pages) < MAX_SYNC_PAGES:
        answer = remote.ask(SYNC_COLLECTION, (GETETAG,), token=answer.sync_token)
        pages.append(answer)
    if answer.status == 207 and _truncated(remote, answer):
        raise PullFailed(sentence("external_sync_truncated"))
    return answer, pages


def _truncated(remote: _Remote, answer: Multistatus) -> bool:
    return any(
        item.status == 507 and item.href.rstrip("/") == remote.path.rstrip("/")
        for item in answer.responses
    )


def find_delta(remote: _Remote, known: dict[str, str]) -> Delta:
    """What changed there since the pair's last pull."""
    token = remote.pair.sync_token
    last, pages = _sync_pages(remote, token)
    if last.status != 207 and token:  # an invalid or expired token: compare everything
        token = ""
        last, pages = _sync_pages(remote, token)
    if last.status == 207:
        delta = Delta(sync_token=last.sync_token)
        members = [m for page in pages if page.status == 207 for m in remote.members(page)]
        if not token:
            listed = {h: e for h, e, s in members if s != 404}
            return _compare(listed, known, delta)
        for href, etag, status in members:
            if status == 404:
                delta.deleted.add(href)
                delta.changed.pop(href, None)
            elif known.get(href) != etag or not etag:
                delta.changed[href] = etag
                delta.deleted.discard(href)
        return delta
    if last.status not in REPORT_REFUSED:
        raise PullFailed(status_instead(last.status, "REPORT sync-collection"))
    return _ctag_delta(remote, known)


def _ctag_delta(remote: _Remote, known: dict[str, str]) -> Delta:
    """Without sync-collection: nothing when the ctag is the last one, else an ETag listing."""
    head = remote.ask(PROPFIND, (CTAG, SYNC_TOKEN), depth="0")
    if head.status != 207 or not head.responses:
        raise PullFailed(status_instead(head.status, "PROPFIND"))
    ctag = head.responses[0].text(CTAG)
    if ctag and ctag == remote.pair.ctag:
        return Delta(ctag=ctag)
    listing = remote.ask(PROPFIND, (GETETAG, RESOURCETYPE), depth="1")
    if listing.status != 207:
        raise PullFailed(status_instead(listing.status, "PROPFIND"))
    listed = {h: e for h, e, s in remote.members(listing) if s in (None, 200)}
    return _compare(listed, known, Delta(ctag=ctag))


def fetch_bodies(remote: _Remote, hrefs: list[str]) -> dict[str, tuple[str, bytes]]:
    """href -> (etag, body) of the changed objects; those gone meanwhile are left out."""
    found: dict[str, tuple[str, bytes]] = {}
    for start in range(0, len(hrefs), MULTIGET_BATCH):
        batch = hrefs[start : start + MULTIGET_BATCH]
        answer = remote.ask(MULTIGET, (GETETAG, CALENDAR_DATA), depth="1", hrefs=batch)
        if answer.status != 207:
            raise PullFailed(status_instead(answer.status, "REPORT calendar-multiget"))
        for item in answer.responses:
            data = item.text(CALENDAR_DATA)
            if item.status in (None, 200) and data:
                found[item.href] = (item.text(GETETAG), data.encode("utf-8"))
    return found


def local_name(collection: Collection, href: str, body: bytes) -> str:
    """The name here of a new object from there: the one holding its UID, else its last
    path segment."""
    segment = unquote(href.rstrip("/").rsplit("/", 1)[-1])
    for line in body.decode("utf-8", "replace").splitlines():
        if line.upper().startswith("UID:"):
            holder = StoredObject.get_or_none(
                (StoredObject.collection == collection.id) & (StoredObject.uid == line[4:].strip())
            )
            if holder is not None:
                return str(holder.name)
            break
    return segment


def _apply_changed(
    pair: SyncPair,
    collection: Collection,
    fetched: dict[str, tuple[str, bytes]],
    rows: dict[str, SyncedObject],
    result: PullResult,
) -> None:
    for href, (etag, body) in fetched.items():
        row = rows.get(href)
        name = row.name if row is not None else local_name(collection, href, body)
        local = local_object(collection, name)
        changed_here = local is not None and (row is None or local.etag != row.local_etag)
        if changed_here and local is not None and not remote_wins(pair, local, body):
            keep_local(pair, collection, row, name, href, etag)  # the outbox sends ours
            result.kept_local += 1
            continue
        try:
            apply_remote_body(pair, collection, name, href, etag, body)
        except DomainError as error:
            reason: Sentence | str = error.sentence or error.message
            result.skipped.append(sentence("external_object_problem", name=href, reason=reason))
            continue
        if local is None:
            result.added += 1
        else:
            result.updated += 1


def _apply_deleted(
    pair: SyncPair,
    collection: Collection,
    deleted: set[str],
    rows: dict[str, SyncedObject],
    result: PullResult,
) -> None:
    for href in deleted:
        row = rows.get(href)
        if row is None:
            continue
        local = local_object(collection, row.name)
        if local is not None and local.etag != row.local_etag and pair.conflict != "remote_wins":
            forget(row)  # changed here since: the outbox creates it there again
            result.kept_local += 1
            continue
        if local is not None:
            delete_local(collection, row.name)
            result.removed += 1
        forget(row)


def pull_pair(pair: SyncPair, client: CalDavClient, lease: Lease | None = None) -> PullResult:
    """Bring what changed there here; PullFailed (nothing written) when the remote fails,
    LeaseLost (nothing written) when the runner's lease on the pair is gone."""
    account = ExternalAccount.get_by_id(pair.account_id)
    remote = _Remote(pair, client, account_login(account), lease)
    rows = {r.remote_href: r for r in SyncedObject.select().where(SyncedObject.pair == pair.id)}
    delta = find_delta(remote, {href: row.remote_etag for href, row in rows.items()})
    fetched = fetch_bodies(remote, sorted(delta.changed)) if delta.changed else {}
    gone = {href for href in delta.changed if href not in fetched}
    result = PullResult(requests=remote.requests)
    collection = Collection.get_by_id(pair.collection_id)
    now = time.time()
    with write_transaction():
        _apply_changed(pair, collection, fetched, rows, result)
        _apply_deleted(pair, collection, delta.deleted | gone, rows, result)
        held = lease.held() if lease is not None else SyncPair.id == pair.id
        noted = SyncPair.update(
            sync_token=delta.sync_token,
            ctag=delta.ctag or (pair.ctag if not delta.sync_token else ""),
            last_pull=now,
            next_pull=now + pair.interval_minutes * 60,
        ).where(held)
        if not noted.execute():
            raise LeaseLost()  # rolls back everything this pull wrote
    return result
